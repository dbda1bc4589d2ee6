//! What the end-to-end build tests share: the test registry, throwaway contexts, the
//! `rbuild` command with a clean environment ([`Rbuild`]), and a TCP relay (a registry elsewhere, a
//! dying one, an HTTP proxy).

use std::fs;
use std::path::Path;
use std::process::Command;

pub(crate) mod container;
mod rbuild;

pub(crate) use rbuild::Rbuild;

/// `host:port` of the test registry (`scripts/peers.sh`).
pub(crate) fn registry() -> String {
    std::env::var("RBUILD_TEST_REGISTRY").unwrap_or_else(|_| {
        panic!("RBUILD_TEST_REGISTRY is not set: run the tests with scripts/test.sh")
    })
}

/// A context holding `dockerfile` (`{REG}` replaced by the test registry) and `files` (parent
/// directories created).
pub(crate) fn context(dockerfile: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        dockerfile.replace("{REG}", &registry()),
    )
    .unwrap();
    for (rel, content) in files {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

/// `rbuild build ARGS CTX` with the state dir `home` and a clean environment ([`Rbuild`]).
pub(crate) fn rbuild_build(ctx: &Path, home: &Path, args: &[&str]) -> Command {
    Rbuild::build(home, ctx, args).command()
}

/// Runs `rbuild ARGS` with a clean environment ([`Rbuild`]), `env` set and `unset` removed;
/// its stdout (fails the test with rbuild's message unless it succeeds).
pub(crate) fn rbuild_ok(args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> String {
    let mut cmd = Rbuild::scrubbed().args(args);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    for k in unset {
        cmd = cmd.env_remove(k);
    }
    String::from_utf8(cmd.ok().stdout).unwrap()
}

/// `umoci unpack`s the image tagged `tag` in the OCI layout `layout` into `bundle`; returns its
/// rootfs (fails the test with umoci's message unless it succeeds).
pub(crate) fn unpack_layout(layout: &Path, tag: &str, bundle: &Path) -> std::path::PathBuf {
    let out = Command::new("umoci")
        .args(["unpack", "--image"])
        .arg(format!("{}:{tag}", layout.display()))
        .arg(bundle)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "umoci unpack {}:{tag}: {}",
        layout.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    bundle.join("rootfs")
}

/// Runs `skopeo ARGS`; fails the test with skopeo's message unless it succeeds; its stdout.
pub(crate) fn skopeo<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Vec<u8> {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {:?}: {}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A TCP relay on loopback that pipes every connection to `upstream`, byte for byte. In front of
/// a registry it stands for the registry at another address (a server that dies mid-transfer,
/// with [`Relay::dying`]), or for an HTTP forward proxy: distribution accepts absolute-form
/// request lines (`GET http://host/v2/ HTTP/1.1`) and builds its upload locations from the
/// `Host` header, so a client given `HTTP_PROXY=http://ADDR` reaches any host name there.
pub(crate) struct Relay {
    /// `127.0.0.1:port` it listens on.
    pub(crate) addr: String,
    /// How many connections it has accepted.
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Relay {
    /// A relay that serves until the test process ends.
    pub(crate) fn start(upstream: String) -> Self {
        Self::spawn(upstream, None, None)
    }

    /// A relay that dies (drops every connection and stops listening, as a killed server) once
    /// it has relayed `budget` bytes from `upstream`.
    pub(crate) fn dying(upstream: String, budget: u64) -> Self {
        Self::spawn(upstream, Some(budget), None)
    }

    /// A relay that sends at most `bytes_per_second` per connection from `upstream` (a slow
    /// network: a download takes long enough to be interrupted on purpose).
    pub(crate) fn slow(upstream: String, bytes_per_second: u64) -> Self {
        Self::spawn(upstream, None, Some(bytes_per_second))
    }

    /// How many connections it has accepted so far.
    pub(crate) fn connections(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn spawn(upstream: String, budget: Option<u64>, rate: Option<u64>) -> Self {
        use std::io::{Read, Write};
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        // A dying relay polls so that it can stop listening; a lasting one blocks in accept.
        listener.set_nonblocking(budget.is_some()).unwrap();
        let relayed = Arc::new(AtomicU64::new(0));
        let dead = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            // What a dying relay cuts when it dies.
            let mut conns: Vec<TcpStream> = Vec::new();
            while !dead.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(&upstream) else {
                            continue;
                        };
                        counter.fetch_add(1, Ordering::SeqCst);
                        if budget.is_some() {
                            conns.push(client.try_clone().unwrap());
                            conns.push(server.try_clone().unwrap());
                        }
                        let (mut c_read, mut s_write) =
                            (client.try_clone().unwrap(), server.try_clone().unwrap());
                        std::thread::spawn(move || {
                            let _ = std::io::copy(&mut c_read, &mut s_write);
                            let _ = s_write.shutdown(Shutdown::Write);
                        });
                        let (mut s_read, mut c_write) = (server, client);
                        let relayed = relayed.clone();
                        let dead = dead.clone();
                        std::thread::spawn(move || {
                            let mut buf = [0u8; 16 * 1024];
                            loop {
                                let n = match s_read.read(&mut buf) {
                                    Ok(0) | Err(_) => break,
                                    Ok(n) => n,
                                };
                                let total =
                                    relayed.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
                                if budget.is_some_and(|b| total > b) {
                                    dead.store(true, Ordering::SeqCst);
                                    break;
                                }
                                if c_write.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                                if let Some(rate) = rate {
                                    std::thread::sleep(std::time::Duration::from_micros(
                                        n as u64 * 1_000_000 / rate.max(1),
                                    ));
                                }
                            }
                            let _ = c_write.shutdown(Shutdown::Both);
                        });
                    }
                    Err(_) if budget.is_some() => {
                        std::thread::sleep(std::time::Duration::from_millis(5))
                    }
                    Err(_) => return,
                }
            }
            // Killed: every connection cut, the port closed.
            for c in conns {
                let _ = c.shutdown(Shutdown::Both);
            }
        });
        Self { addr, accepted }
    }
}

/// The manifest's layers (media type, digest) and the config's diff_ids of the one image in the
/// OCI layout `dir`.
pub(crate) fn oci_layers(dir: &Path) -> (Vec<(String, String)>, Vec<String>) {
    let json = |digest: &str| -> serde_json::Value {
        let path = dir
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"));
        serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
    };
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    let manifest = json(index["manifests"][0]["digest"].as_str().unwrap());
    let config = json(manifest["config"]["digest"].as_str().unwrap());
    let layers = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap().to_string();
            (s("mediaType"), s("digest"))
        })
        .collect();
    let diff_ids = config["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    (layers, diff_ids)
}
