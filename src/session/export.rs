//! The build's records exported to every `--cache-to` backend, lazy layers made into blobs
//! first (`store::lazy`), with buildx's failure policy (`ignore-error=`).

use super::error::SessionError;
use crate::builder::{Progress, StepCache, StepReport};
use crate::cache::CacheRecord;
use crate::cache::remote::RemoteCaches;
use crate::plan::Plan;
use crate::store::Store;

/// Exports the build's records (of every platform's plan: `plan` is one of them, the stages
/// that make the image are the same in each) to every `--cache-to` backend; a failure warns, and is
/// returned (to fail the build after its outputs) only for `ignore-error=false`.
pub(crate) fn export_caches(
    remote: &RemoteCaches,
    local: &dyn StepCache,
    plan: &Plan,
    steps: &[StepReport],
    store: &Store,
    runtime: &tokio::runtime::Runtime,
    progress: &dyn Progress,
) -> Option<SessionError> {
    if !remote.has_targets() {
        return None;
    }
    let in_image = plan.image_stages();
    // The plans of several platforms share stages: each record goes once.
    let mut seen = std::collections::BTreeSet::new();
    // Lazy layers (crate::store::lazy) get their blobs now, as zstd; a record whose blob cannot
    // be made is left out of the export with a warning.
    let records: Vec<(CacheRecord, bool)> = steps
        .iter()
        .filter_map(|s| Some((s.record.clone()?, in_image.contains(&s.stage))))
        .filter(|(record, _)| seen.insert(record.key.clone()))
        .filter_map(|(record, in_image)| {
            if !in_image && !remote.exports_every_stage() {
                return Some((record, in_image));
            }
            match crate::builder::lazy::realize_record(store, local, record) {
                Ok(record) => Some((record, in_image)),
                Err(e) => {
                    progress.info(&format!("WARNING: cache export: {e}; its step is left out"));
                    None
                }
            }
        })
        .collect();
    let mut failure = None;
    for (name, ignore_error, result) in remote.export(&records, store, runtime) {
        match result {
            Ok(()) => progress.info(&format!("exported cache to {name}")),
            Err(e) if ignore_error => {
                progress.info(&format!("WARNING: cache export to {name} failed: {e}"));
            }
            Err(e) => {
                progress.info(&format!("ERROR: cache export to {name} failed: {e}"));
                failure.get_or_insert(SessionError::CacheExport {
                    backend: name,
                    reason: e.to_string(),
                });
            }
        }
    }
    failure
}
