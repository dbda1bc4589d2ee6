//! One build's mount caches across machines: restored lazily when a step creates a cache
//! directory that a `--cache-from` backend has, exported after the build to every `--cache-to`
//! backend for each directory a step used.
//!
//! * **Restore** happens inside the cache directory's creation (under its exclusive lock, into
//!   the temporary directory that is renamed into place), so a fully cached build, whose steps
//!   never run, restores nothing, and parallel steps sharing an id wait for one restore. The
//!   manifest is looked up along the scope chain (own, base, default), backend by backend in
//!   `--cache-from` order. A failed restore empties the directory and warns.
//! * **Export** skips an id whose entries list the same as the backend's manifest for the
//!   scope (or the one it would fall back to) without reading a file; otherwise the directory is
//!   archived and cut, only chunks the manifest does not know are compressed, and only those the
//!   backend lacks are uploaded; the manifest goes last (last writer wins).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use rustix::fs::{FlockOperation, flock};
use serde::Serialize;

use super::archive;
use super::chunking::{self, CUTTING};
use super::error::MountCacheError;
use super::manifest::{Chunk, FORMAT_VERSION, MountManifest};
use super::restore::{self, Restored};
use crate::cache::mounts::MountSync;
use crate::cache::remote::caches::Target;
use crate::cache::remote::document::DocName;
use crate::cache::remote::{Backend, RemoteSource, Scopes};
use crate::digest::Digest;
use crate::store::Store;

/// What happened to one mount cache, for the report and `rbuild.mount-caches`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MountReport {
    /// The mount's `id=` (its target when none was given).
    pub id: String,
    /// Whether it was restored from a remote cache.
    pub restored: bool,
    /// The backend it was restored from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<String>,
    /// Why a restore was tried and failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_error: Option<String>,
    /// Chunk bytes downloaded.
    pub bytes_downloaded: u64,
    /// Chunk blobs downloaded.
    pub chunks_downloaded: u64,
    /// Seconds spent restoring (manifest lookup, download, unpacking).
    pub restore_seconds: f64,
    /// Seconds spent exporting (listing, archiving, cutting, compressing, uploading), all
    /// backends.
    pub export_seconds: f64,
    /// Chunk bytes uploaded (all `--cache-to` backends).
    pub bytes_uploaded: u64,
    /// Chunk blobs uploaded.
    pub chunks_uploaded: u64,
    /// Chunk blobs the backends had already.
    pub chunks_reused: u64,
    /// Exports skipped because the backend's manifest lists the same directory.
    pub unchanged: u64,
    /// Files left out by `--mount-cache-max-size`, and their bytes.
    pub dropped_files: u64,
    /// Bytes of those files.
    pub dropped_bytes: u64,
    /// Why an export failed, per backend.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub export_errors: BTreeMap<String, String>,
}

/// A cache directory a step used.
#[derive(Debug, Clone)]
struct Used {
    /// The mount's id.
    id: String,
    /// Its directory under `mounts/` (scoped per cache scope on CI by the builder).
    dir_name: String,
}

/// The mount caches of one build.
#[derive(Debug)]
pub struct MountCaches {
    sources: Vec<Arc<RemoteSource>>,
    targets: Vec<Arc<Target>>,
    scopes: Scopes,
    mounts_dir: PathBuf,
    max_size: Option<u64>,
    handle: tokio::runtime::Handle,
    /// Cache keys the build's steps used, with their ids and directory names.
    used: Mutex<BTreeMap<String, Used>>,
    reports: Mutex<BTreeMap<String, MountReport>>,
}

impl MountCaches {
    /// Mount caches restored from `sources` and exported to `targets` (both already filtered
    /// by `mount-caches=`), for the cache directories under `mounts_dir`.
    pub(crate) fn new(
        sources: Vec<Arc<RemoteSource>>,
        targets: Vec<Arc<Target>>,
        scopes: Scopes,
        mounts_dir: &Path,
        max_size: Option<u64>,
        handle: tokio::runtime::Handle,
    ) -> Self {
        Self {
            sources,
            targets,
            scopes,
            mounts_dir: mounts_dir.to_path_buf(),
            max_size,
            handle,
            used: Mutex::default(),
            reports: Mutex::default(),
        }
    }

    /// Whether there is anything to restore from or export to.
    pub fn is_active(&self) -> bool {
        !self.sources.is_empty() || !self.targets.is_empty()
    }

    /// Per cache key, what happened.
    pub fn reports(&self) -> BTreeMap<String, MountReport> {
        self.reports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn report(&self, key: &str, id: &str, f: impl FnOnce(&mut MountReport)) {
        let mut reports = self.reports.lock().unwrap_or_else(PoisonError::into_inner);
        let r = reports.entry(key.to_string()).or_default();
        if r.id.is_empty() {
            r.id = id.to_string();
        }
        f(r);
    }

    /// The scopes to read for a backend of `spec` (a fixed `scope=` reads only itself).
    fn reads(&self, spec: &crate::cache::remote::CacheSpec, backend: &Backend) -> Vec<String> {
        match &spec.scope {
            Some(s) if !backend.scopes_server_side() => Scopes::fixed(s).reads,
            _ => self.scopes.reads.clone(),
        }
    }

    /// The scope an export to a backend of `spec` writes.
    fn write_scope(&self, spec: &crate::cache::remote::CacheSpec, backend: &Backend) -> String {
        match &spec.scope {
            Some(s) if !backend.scopes_server_side() => Scopes::fixed(s).write,
            _ => self.scopes.write.clone(),
        }
    }

    /// A scratch store for chunks, removed on drop.
    fn scratch(&self, what: &str, key: &str) -> Result<Scratch, MountCacheError> {
        let path = self
            .mounts_dir
            .join(format!(".{what}-{}-{key}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let store = Store::open_scratch(&path)?;
        Ok(Scratch { path, store })
    }

    /// Loads the manifest of `key` from `backend` along `scopes`; an invalid one is `Err`.
    async fn manifest(
        backend: &Backend,
        scopes: &[String],
        key: &str,
    ) -> Result<Option<(MountManifest, String)>, MountCacheError> {
        let Some(doc) = backend
            .load_doc(
                scopes,
                &DocName::Mount(key.to_string()),
                MountManifest::KIND,
            )
            .await?
        else {
            return Ok(None);
        };
        let m = MountManifest::from_loaded(&doc).map_err(|reason| {
            MountCacheError::Remote(crate::cache::remote::RemoteError::InvalidIndex {
                backend: "mount cache".into(),
                location: doc.location.clone(),
                reason,
            })
        })?;
        Ok(Some((m, doc.location)))
    }

    fn restore_from(
        &self,
        source: &RemoteSource,
        key: &str,
        dir: &Path,
    ) -> Result<Option<(Restored, String)>, MountCacheError> {
        let scopes = self.reads(&source.spec, source.backend());
        let started = Instant::now();
        let result = self.handle.block_on(async {
            let Some((manifest, location)) = Self::manifest(source.backend(), &scopes, key).await?
            else {
                return Ok(None);
            };
            // Larger than this build may restore: a miss (with the warning this error makes).
            if let Some(max) = self.max_size
                && manifest.archive_bytes > max
            {
                return Err(MountCacheError::Unpack(format!(
                    "{location}: the cache holds {} archive bytes, more than \
                     --mount-cache-max-size ({max}); not restored",
                    manifest.archive_bytes
                )));
            }
            let scratch = self.scratch("restore", key)?;
            let moved = restore::restore(source.backend(), &manifest, dir, &scratch.store).await?;
            tracing::info!(
                key,
                location,
                chunks = moved.chunks,
                bytes = moved.bytes,
                "mount cache restored"
            );
            Ok(Some((moved, location)))
        });
        source.meter().import_time(started.elapsed());
        result
    }

    /// Exports every used cache directory to every target; returns nothing: failures are in
    /// the reports (an export is never worth failing a build for).
    pub fn export(&self, warn: &dyn Fn(&str)) {
        let used = self
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (key, Used { id, dir_name }) in used {
            let dir = self.mounts_dir.join(&dir_name);
            if !dir.is_dir() || self.targets.is_empty() {
                continue;
            }
            // Steps of other builds that hold the directory `locked` finish first; the
            // directory is walked once for every target.
            let started = Instant::now();
            let planned = self
                .lock_shared(&dir_name)
                .and_then(|lock| Ok((lock, archive::plan(&dir, self.max_size)?)));
            let (_lock, plan) = match planned {
                Ok(p) => p,
                Err(e) => {
                    warn(&format!("WARNING: mount cache {id}: not exported: {e}"));
                    self.report(&key, &id, |r| {
                        r.export_errors.insert("*".into(), e.to_string());
                    });
                    continue;
                }
            };
            let listing = plan.listing();
            self.report(&key, &id, |r| {
                r.dropped_files = plan.dropped.files;
                r.dropped_bytes = plan.dropped.bytes;
                r.export_seconds += started.elapsed().as_secs_f64();
            });
            for t in &self.targets {
                let started = Instant::now();
                let result = self.export_one(t, &key, &id, &dir, &plan, &listing);
                let seconds = started.elapsed().as_secs_f64();
                self.report(&key, &id, |r| r.export_seconds += seconds);
                if let Err(e) = result {
                    let name = t.spec.backend_ref();
                    warn(&format!(
                        "WARNING: mount cache {id}: export to {name} failed: {e}"
                    ));
                    self.report(&key, &id, |r| {
                        r.export_errors.insert(name, e.to_string());
                    });
                }
                t.meter.export_time(started.elapsed());
            }
        }
    }

    /// A shared lock on cache directory `dir_name` (held while it is archived).
    fn lock_shared(&self, dir_name: &str) -> Result<File, MountCacheError> {
        let lock_path = self.mounts_dir.join(format!("{dir_name}.lock"));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| MountCacheError::Io {
                path: lock_path.clone(),
                source,
            })?;
        flock(&lock, FlockOperation::LockShared).map_err(|e| MountCacheError::Io {
            path: lock_path.clone(),
            source: e.into(),
        })?;
        Ok(lock)
    }

    fn export_one(
        &self,
        t: &Target,
        key: &str,
        id: &str,
        dir: &Path,
        plan: &archive::Plan,
        listing: &Digest,
    ) -> Result<(), MountCacheError> {
        let scope = self.write_scope(&t.spec, &t.backend);
        let mut reads = vec![scope.clone()];
        reads.extend(
            self.reads(&t.spec, &t.backend)
                .into_iter()
                .filter(|s| *s != scope),
        );
        let reference = match self
            .handle
            .block_on(Self::manifest(&t.backend, &reads, key))
        {
            Ok(found) => found.map(|(m, _)| m),
            Err(MountCacheError::Remote(
                e @ crate::cache::remote::RemoteError::InvalidIndex { .. },
            )) => {
                tracing::warn!("{e}; exporting a new manifest");
                None
            }
            Err(e) => return Err(e),
        };
        if reference.as_ref().is_some_and(|m| m.listing == *listing) {
            self.report(key, id, |r| r.unchanged += 1);
            return Ok(());
        }
        let mut known: HashMap<Digest, Chunk> = reference
            .iter()
            .flat_map(|m| m.chunks.iter())
            .map(|c| (c.raw.clone(), c.clone()))
            .collect();
        let scratch = self.scratch("export", key)?;
        let mut cut = chunking::cut(dir, plan, CUTTING, &known, &scratch.store)?;
        let tree = MountManifest::tree_hash(&cut.chunks);
        if reference.as_ref().is_some_and(|m| m.tree == tree) {
            self.report(key, id, |r| r.unchanged += 1);
            return Ok(());
        }
        let manifest = |cut: &chunking::Cut| MountManifest {
            version: FORMAT_VERSION,
            id: id.to_string(),
            key: key.to_string(),
            tree: tree.clone(),
            listing: listing.clone(),
            entries: plan.entries.len() as u64,
            file_bytes: plan.file_bytes,
            archive_bytes: cut.archive_bytes,
            cutting: CUTTING,
            chunks: cut.chunks.clone(),
            dropped: plan.dropped,
        };
        let mut doc = manifest(&cut).document();
        let lacking = self
            .handle
            .block_on(t.backend.lacking(&scope, &doc.blobs))?;
        let absent: Vec<&Digest> = lacking
            .iter()
            .map(|l| &l.diff_id)
            .filter(|raw| known.contains_key(*raw))
            .collect();
        if !absent.is_empty() {
            // The backend lost chunks its manifest names: make them again from the directory.
            for raw in absent {
                known.remove(raw);
            }
            cut = chunking::cut(dir, plan, CUTTING, &known, &scratch.store)?;
            doc = manifest(&cut).document();
        }
        self.handle.block_on(t.backend.export_doc(
            &scope,
            &DocName::Mount(key.to_string()),
            &doc,
            &lacking,
            &scratch.store,
        ))?;
        let uploaded: u64 = lacking.iter().map(|l| l.size).sum();
        self.report(key, id, |r| {
            r.bytes_uploaded += uploaded;
            r.chunks_uploaded += lacking.len() as u64;
            r.chunks_reused += (doc.blobs.len() - lacking.len()) as u64;
        });
        tracing::info!(
            key,
            scope,
            chunks = doc.blobs.len(),
            uploaded = lacking.len(),
            "mount cache exported"
        );
        Ok(())
    }
}

impl MountSync for MountCaches {
    fn restore(&self, key: &str, id: &str, dir: &Path, warn: &dyn Fn(&str)) -> bool {
        for source in &self.sources {
            let started = Instant::now();
            let result = self.restore_from(source, key, dir);
            let seconds = started.elapsed().as_secs_f64();
            self.report(key, id, |r| r.restore_seconds += seconds);
            match result {
                Ok(None) => continue,
                Ok(Some((moved, _))) => {
                    self.report(key, id, |r| {
                        r.restored = true;
                        r.restored_from = Some(source.name());
                        r.bytes_downloaded += moved.bytes;
                        r.chunks_downloaded += moved.chunks;
                    });
                    return true;
                }
                Err(e) => {
                    warn(&format!(
                        "mount cache {id}: restore from {} failed ({e}); starting empty",
                        source.name()
                    ));
                    self.report(key, id, |r| r.restore_error = Some(e.to_string()));
                    if let Err(e) = empty_dir(dir) {
                        warn(&format!("mount cache {id}: {e}"));
                    }
                    return false;
                }
            }
        }
        false
    }

    fn used(&self, key: &str, dir_name: &str, id: &str) {
        self.used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.to_string())
            .or_insert_with(|| Used {
                id: id.to_string(),
                dir_name: dir_name.to_string(),
            });
    }
}

/// Removes everything inside `dir`.
fn empty_dir(dir: &Path) -> Result<(), MountCacheError> {
    let io = |path: &Path, source| MountCacheError::Io {
        path: path.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        let removed = if path.is_dir() && !path.is_symlink() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| io(&path, e))?;
    }
    Ok(())
}

/// A scratch store of chunks, removed on drop.
struct Scratch {
    path: PathBuf,
    store: Store,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
