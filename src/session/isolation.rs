//! How a build's RUN steps are isolated ([`crate::exec::isolation`]), decided once before the
//! state directory is read: the runc isolation needs snapshots overlayfs can mount, every other
//! case snapshots whose whiteouts are files ([`SnapshotFormat::Files`]: what uid 0 of an
//! unprivileged container, or a plain user, can write). The container isolation also needs to
//! know what at `/` must survive the build: everything the request names on this machine.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::SessionError;
use super::request::{BuildRequest, Output};
use crate::cache::remote::Kind;
use crate::exec::container::ContainerRoot;
use crate::exec::{Isolation, Privileges};
use crate::store::SnapshotFormat;

/// The isolation of one build.
pub(super) struct IsolationSetup {
    /// What RUN steps use.
    pub(super) isolation: Isolation,
    /// How the state's snapshots hold whiteouts.
    pub(super) format: SnapshotFormat,
    /// For the container isolation: `/` and what it keeps.
    pub(super) root: Option<Arc<ContainerRoot>>,
}

/// Decides the isolation of `req` (state directory `state`).
pub(super) fn setup(req: &BuildRequest, state: &Path) -> Result<IsolationSetup, SessionError> {
    let privileges = Privileges::of_this_process();
    let isolation = privileges.isolation(req.isolation);
    let format = match isolation {
        Isolation::Runc => SnapshotFormat::Overlay,
        Isolation::Container | Isolation::Unavailable(_) => SnapshotFormat::Files,
    };
    let root = match isolation {
        Isolation::Container => Some(Arc::new(
            ContainerRoot::slash(&kept_paths(req, state)).map_err(|e| SessionError::Setup {
                what: "the container isolation".into(),
                reason: e.to_string(),
            })?,
        )),
        _ => None,
    };
    Ok(IsolationSetup {
        isolation,
        format,
        root,
    })
}

/// The paths of this machine `req` reads or writes (absolute): the state, the context, the
/// `--build-context` directories, the Dockerfile, the working directory, the docker config, secret files, ssh sockets, outputs,
/// the metadata and id files, local caches.
fn kept_paths(req: &BuildRequest, state: &Path) -> Vec<PathBuf> {
    let mut paths = vec![state.to_path_buf(), req.input.context.clone()];
    paths.extend(req.input.file.clone().filter(|f| f.as_os_str() != "-"));
    paths.extend(
        req.input
            .build_contexts
            .iter()
            .map(|(_, value)| PathBuf::from(value))
            .filter(|p| p.is_dir()),
    );
    paths.extend(std::env::current_dir().ok());
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => paths.push(dir.into()),
        None => paths.extend(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker"))),
    }
    paths.extend(req.secrets.iter().filter_map(|s| s.file.clone()));
    paths.extend(req.ssh.iter().filter_map(|s| s.socket.clone()));
    paths.extend(std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from));
    for o in &req.outputs {
        if let Output::Local(spec) = o
            && spec.dest.as_os_str() != "-"
            && !spec.dest.as_os_str().is_empty()
        {
            paths.push(spec.dest.clone());
        }
    }
    paths.extend(req.iidfile.clone());
    paths.extend(req.metadata_file.clone());
    for spec in req.cache_from.iter().chain(&req.cache_to) {
        if let Kind::Local { dir } = &spec.kind {
            paths.push(dir.clone());
        }
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    paths
        .into_iter()
        .map(|p| std::fs::canonicalize(&p).unwrap_or_else(|_| cwd.join(p)))
        .collect()
}
