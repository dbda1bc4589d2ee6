//! Which layer blobs the outputs and cache exports need in the store: kept when layers stream
//! into snapshots, fetched after the build when still missing.

use super::request::Output;
use crate::builder::layers::{KeepBlobs, LayerRef};
use crate::oci::reference::Reference;
use crate::output::ImageName;
use crate::registry::Repository;
use crate::store::Store;

/// The repository a push target names (`None` when it does not parse; the push reports that).
pub(crate) fn push_repository(target: &str) -> Option<Repository> {
    let name = ImageName::parse(target).ok()?;
    let reference = Reference::parse(&name.full()).ok()?;
    Some(Repository::of(&reference))
}

/// Which blobs of layers streamed into snapshots (from base images or caches) are also kept in
/// the store: those an output or a cache export will need the bytes of ([`needed_blobs`] after
/// the build fetches any that are still missing).
pub(crate) fn keep_blobs(outputs: &[Output], exports: bool) -> KeepBlobs {
    if exports {
        return KeepBlobs::All;
    }
    let mut hosts = Vec::new();
    for out in outputs {
        match out {
            Output::Local(_) => return KeepBlobs::All,
            Output::Registry(targets) => {
                for t in targets {
                    let Some(repo) = push_repository(t) else {
                        return KeepBlobs::All;
                    };
                    hosts.push(repo.domain);
                }
            }
        }
    }
    if hosts.is_empty() {
        KeepBlobs::None
    } else {
        KeepBlobs::UnlessPushedTo(hosts)
    }
}

/// The layers whose blobs the outputs need in the store: every layer for an OCI layout or a
/// docker archive; for a push, those the target registry cannot mount.
pub(crate) fn needed_blobs(
    outputs: &[Output],
    layers: &[LayerRef],
    store: &Store,
) -> Vec<LayerRef> {
    let mut needed: Vec<LayerRef> = Vec::new();
    let mut add = |ls: Vec<LayerRef>| {
        for l in ls {
            if !needed.iter().any(|n| n.desc.digest == l.desc.digest) {
                needed.push(l);
            }
        }
    };
    for out in outputs {
        match out {
            Output::Local(_) => add(layers.to_vec()),
            Output::Registry(targets) => {
                for repo in targets.iter().filter_map(|t| push_repository(t)) {
                    add(crate::builder::executor::unmountable(layers, &repo, store));
                }
            }
        }
    }
    needed
}
