//! The OCI runtime: found on PATH (runc preferred: crun 1.8.1 refuses to start on cgroup-v1
//! hybrid hosts, lab README), run in the foreground with the process's stdout and stderr on one
//! pipe, its own errors in a JSON log file, its state under the caller's scratch dir.
//!
//! Container ids are `rbuild-<pid>-<n>`: a container whose rbuild process is gone (killed while
//! a step ran) is deleted by the next run (`Runtime::sweep`). A build that fails or is
//! interrupted kills the containers this process runs ([`kill_running`]); their runs then end
//! as usual (overlay unmounted, run dir removed).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::ExecError;
use super::error::IoContext;

/// Runtimes looked for on PATH, in order.
const CANDIDATES: [&str; 2] = ["runc", "crun"];

/// Directories searched after PATH (root's sbin dirs are not always on PATH).
const EXTRA_DIRS: [&str; 4] = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin"];

/// The containers this process runs now: (runtime, state dir, id).
static RUNNING: Mutex<Vec<(PathBuf, PathBuf, String)>> = Mutex::new(Vec::new());

/// Registers a running container; unregisters it on drop.
struct Registered(String);

impl Registered {
    fn new(runtime: &Path, state: &Path, id: &str) -> Self {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        running.push((runtime.to_path_buf(), state.to_path_buf(), id.to_string()));
        Registered(id.to_string())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        running.retain(|(_, _, id)| *id != self.0);
    }
}

/// Sends SIGKILL to every container this process runs now (a failed or interrupted build);
/// returns how many there were. A container still being created is not found: call again
/// until it returns 0 (its run ends soon after the kill and unregisters it).
pub fn kill_running() -> usize {
    let running = RUNNING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    for (runtime, state, id) in &running {
        let out = Command::new(runtime)
            .arg("--root")
            .arg(state)
            .args(["kill", id, "KILL"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Err(e) = out {
            tracing::debug!("{} kill {id}: {e}", runtime.display());
        }
    }
    running.len()
}

/// An OCI runtime binary (`runc` or `crun`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    path: PathBuf,
}

/// How a container run ended.
#[derive(Debug)]
pub(crate) struct Exit {
    /// The process's exit code (128 + signal when killed by one).
    pub code: i32,
}

impl Runtime {
    /// Finds the runtime: `explicit` (a path, or a name looked up on PATH), else `runc`, else
    /// `crun`. [`ExecError::NoRuntime`] names the `runc` package when there is none.
    pub fn find(explicit: Option<&str>) -> Result<Runtime, ExecError> {
        match explicit {
            Some(name) if name.contains('/') => {
                let path = PathBuf::from(name);
                if path.is_file() {
                    Ok(Runtime { path })
                } else {
                    Err(ExecError::NoRuntime {
                        asked: Some(name.to_string()),
                    })
                }
            }
            Some(name) => {
                search(name)
                    .map(|path| Runtime { path })
                    .ok_or_else(|| ExecError::NoRuntime {
                        asked: Some(name.to_string()),
                    })
            }
            None => CANDIDATES
                .iter()
                .find_map(|n| search(n))
                .map(|path| Runtime { path })
                .ok_or(ExecError::NoRuntime { asked: None }),
        }
    }

    /// The runtime binary.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A fresh container id of this process.
    pub(crate) fn new_id() -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        format!(
            "rbuild-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Runs the bundle at `bundle` as container `id` with state under `state`, writing the
    /// process's output to `output` as it arrives; the container is deleted afterwards.
    pub(crate) fn run(
        &self,
        state: &Path,
        bundle: &Path,
        id: &str,
        output: &mut dyn FnMut(&[u8]),
    ) -> Result<Exit, ExecError> {
        std::fs::create_dir_all(state).at("creating", state)?;
        let log = bundle.join("runtime.log");
        let (mut reader, writer) = std::io::pipe().at("creating a pipe for", bundle)?;
        let writer2 = writer.try_clone().at("creating a pipe for", bundle)?;
        let mut cmd = Command::new(&self.path);
        cmd.arg("--root")
            .arg(state)
            .arg("--log")
            .arg(&log)
            .arg("--log-format")
            .arg("json")
            .arg("run")
            .arg("--bundle")
            .arg(bundle)
            .arg(id)
            .current_dir(bundle)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer2);
        let registered = Registered::new(&self.path, state, id);
        let spawned = cmd.spawn();
        // The command holds the pipe's write ends: drop it so that EOF comes when the container
        // is done.
        drop(cmd);
        let mut child = spawned.map_err(|source| ExecError::Spawn {
            runtime: self.path.clone(),
            source,
        })?;
        let mut buf = vec![0u8; 64 << 10];
        let mut collected = Vec::new();
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let chunk = buf.get(..n).unwrap_or_default();
                    // Keep the tail in case the runtime's own error went to stderr.
                    collected.extend_from_slice(chunk);
                    if collected.len() > 16 << 10 {
                        collected.drain(..collected.len() - (8 << 10));
                    }
                    output(chunk);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let status = child.wait();
        drop(registered);
        let errors = log_errors(&log);
        self.delete(state, id);
        let status = status.map_err(|source| ExecError::Spawn {
            runtime: self.path.clone(),
            source,
        })?;
        if !errors.is_empty() {
            return Err(ExecError::Runtime {
                runtime: self.path.clone(),
                message: errors.join("; "),
            });
        }
        match status.code() {
            Some(code) => Ok(Exit { code }),
            None => Err(ExecError::Runtime {
                runtime: self.path.clone(),
                message: format!(
                    "killed ({status}); last output: {}",
                    String::from_utf8_lossy(&collected).trim()
                ),
            }),
        }
    }

    /// `delete --force` of container `id`; errors are only logged (a cleanup path).
    pub(crate) fn delete(&self, state: &Path, id: &str) {
        let out = Command::new(&self.path)
            .arg("--root")
            .arg(state)
            .args(["delete", "--force", id])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Err(e) = out {
            tracing::debug!("{} delete {id}: {e}", self.path.display());
        }
    }

    /// Deletes the containers under `state` whose rbuild process is gone.
    pub(crate) fn sweep(&self, state: &Path) {
        let Ok(entries) = std::fs::read_dir(state) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if owner_is_gone(&name) {
                tracing::debug!("deleting the stale container {name}");
                self.delete(state, &name);
            }
        }
    }
}

/// Whether `name` (`rbuild-<pid>-...` or `run-<pid>-...`) belongs to a process that is gone.
pub(crate) fn owner_is_gone(name: &str) -> bool {
    let mut parts = name.split('-');
    let (Some(prefix), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    if prefix != "rbuild" && prefix != "run" {
        return false;
    }
    match pid.parse::<u32>() {
        Ok(pid) => pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists(),
        Err(_) => false,
    }
}

/// The messages of the runtime's error entries in its JSON log.
fn log_errors(log: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(log) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| matches!(v["level"].as_str(), Some("error" | "fatal" | "panic")))
        .filter_map(|v| v["msg"].as_str().map(str::to_string))
        .collect()
}

fn search(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(EXTRA_DIRS.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
