//! `RUN --mount=type=ssh`: a socket in the step's scratch dir, with the mount's owner and mode,
//! forwarding each connection to the host's ssh agent (as BuildKit forwards through its session),
//! so the step reaches the agent but never the host path.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// A running forwarder; stopped (its socket removed) on drop.
#[derive(Debug)]
pub struct SshProxy {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SshProxy {
    /// Listens on `listen` (owner `uid:gid`, `mode`) and forwards to the agent at `agent`.
    pub fn start(
        agent: &Path,
        listen: &Path,
        uid: u32,
        gid: u32,
        mode: u32,
    ) -> io::Result<SshProxy> {
        let listener = UnixListener::bind(listen)?;
        std::os::unix::fs::chown(listen, Some(uid), Some(gid))?;
        std::fs::set_permissions(listen, std::fs::Permissions::from_mode(mode))?;
        let stop = Arc::new(AtomicBool::new(false));
        let agent = agent.to_path_buf();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                match UnixStream::connect(&agent) {
                    Ok(upstream) => pipe(client, upstream),
                    Err(e) => tracing::warn!("ssh agent `{}`: {e}", agent.display()),
                }
            }
        });
        Ok(SshProxy {
            path: listen.to_path_buf(),
            stop,
            thread: Some(thread),
        })
    }
}

/// Copies both ways between `a` and `b` on two threads until either side closes.
fn pipe(a: UnixStream, b: UnixStream) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    let one = move |mut from: UnixStream, mut to: UnixStream| {
        let _ = io::copy(&mut from, &mut to);
        let _ = to.shutdown(std::net::Shutdown::Write);
    };
    std::thread::spawn(move || one(a, b2));
    std::thread::spawn(move || one(b, a2));
}

impl Drop for SshProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop.
        let _ = UnixStream::connect(&self.path);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn forwards_both_ways() {
        let dir = tempfile::tempdir().unwrap();
        let agent_path = dir.path().join("agent.sock");
        let agent = UnixListener::bind(&agent_path).unwrap();
        let echo = std::thread::spawn(move || {
            let (mut s, _) = agent.accept().unwrap();
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).unwrap();
            s.write_all(&buf).unwrap();
        });
        let proxy_path = dir.path().join("proxy.sock");
        let proxy = SshProxy::start(
            &agent_path,
            &proxy_path,
            rustix::process::getuid().as_raw(),
            rustix::process::getgid().as_raw(),
            0o600,
        )
        .unwrap();
        let mut c = UnixStream::connect(&proxy_path).unwrap();
        c.write_all(b"hello").unwrap();
        let mut back = [0u8; 5];
        c.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"hello");
        echo.join().unwrap();
        drop(proxy);
        assert!(!proxy_path.exists());
    }
}
