//! Running a step's command directly, in the container rbuild runs in: the argv (looked up on
//! the step's `PATH`), only the step's environment, its working directory, and its user set as
//! runc sets it (supplementary groups, then gid, then uid, in the child before `exec`), umask
//! 0022, stdin from `/dev/null`, stdout and stderr on one pipe. The process leads a process
//! group of its own, so that an interrupted build kills everything the step started
//! ([`kill_running`]).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};

use rustix::fs::Mode;
use rustix::process::{Gid, Pid, Signal, Uid};

use super::super::user::Ids;
use super::super::{ExecError, RunSpec, spec::process_env};

/// The process groups of the steps this process runs now.
static RUNNING: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Sends SIGKILL to the process group of every step running now; how many there were.
pub fn kill_running() -> usize {
    let running = RUNNING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    for pgid in &running {
        if let Some(pid) = Pid::from_raw(*pgid) {
            let _ = rustix::process::kill_process_group(pid, Signal::KILL);
        }
    }
    running.len()
}

/// Runs `spec`'s command with `ids` at `root` (`/`; another directory is entered with `chroot`,
/// which tests do), its working directory already made; its output goes to `output` as it
/// arrives. Returns the exit code (128 + the signal's number when killed).
pub fn run(
    root: &Path,
    spec: &RunSpec,
    ids: &Ids,
    output: &mut dyn FnMut(&[u8]),
) -> Result<i32, ExecError> {
    let Some((program, args)) = spec.args.split_first() else {
        return Err(ExecError::Runtime {
            runtime: "(container)".into(),
            message: "the step has no command".into(),
        });
    };
    let workdir = if spec.workdir.is_empty() {
        "/"
    } else {
        spec.workdir.as_str()
    };
    let spawn_err = |source| ExecError::Spawn {
        runtime: program.into(),
        source,
    };
    let (mut reader, writer) = std::io::pipe().map_err(spawn_err)?;
    let writer2 = writer.try_clone().map_err(spawn_err)?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(process_env(spec).iter().filter_map(|e| e.split_once('=')))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        .process_group(0);
    let (uid, gid) = (ids.uid, ids.gid);
    let c_string = |s: &[u8]| {
        std::ffi::CString::new(s).map_err(|e| ExecError::Spawn {
            runtime: program.into(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
        })
    };
    // Made before the fork: the child allocates nothing.
    let chroot = if root == Path::new("/") {
        cmd.current_dir(workdir);
        None
    } else {
        use std::os::unix::ffi::OsStrExt;
        Some(c_string(root.as_os_str().as_bytes())?)
    };
    let workdir = c_string(workdir.as_bytes())?;
    let groups: Vec<Gid> = ids
        .additional_gids
        .iter()
        .map(|g| Gid::from_raw(*g))
        .collect();
    // SAFETY: between fork and exec only async-signal-safe calls run: raw syscalls through
    // rustix, on values prepared before the fork, allocating nothing. (The one `unsafe` of the
    // crate: std has no stable way to set supplementary groups, nor chroot, for a child.)
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            if let Some(root) = &chroot {
                rustix::process::chroot(root.as_c_str())?;
                rustix::process::chdir(workdir.as_c_str())?;
            }
            rustix::process::umask(Mode::from_raw_mode(0o022));
            rustix::thread::set_thread_groups(&groups)?;
            rustix::thread::set_thread_gid(Gid::from_raw(gid))?;
            rustix::thread::set_thread_uid(Uid::from_raw(uid))?;
            Ok(())
        });
    }
    let spawned = cmd.spawn();
    // The command holds the pipe's write ends: drop it so that EOF comes when the step is done.
    drop(cmd);
    let mut child = spawned.map_err(|source| ExecError::Spawn {
        runtime: program.into(),
        source,
    })?;
    let pgid = i32::try_from(child.id()).unwrap_or(0);
    RUNNING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(pgid);
    // When the command exits, what it left running in its group (a daemon it started) is
    // killed, as the step's container would end it, which also closes their ends of the pipe.
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        if let Some(pid) = Pid::from_raw(pgid) {
            let _ = rustix::process::kill_process_group(pid, Signal::KILL);
        }
        status
    });
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => output(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let status = waiter
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("waiting for the step panicked")));
    RUNNING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|p| *p != pgid);
    let status = status.map_err(|source| ExecError::Spawn {
        runtime: program.into(),
        source,
    })?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1))
}
