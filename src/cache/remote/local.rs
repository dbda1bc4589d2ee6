//! `type=local`: the cache in a directory in OCI image layout (`oci-layout`, `index.json`,
//! `blobs/sha256/<hex>`), for caches other CI tools carry between runs (actions/cache, a
//! CodeBuild local cache, a mounted volume).
//!
//! * Each scope is one entry of `index.json` whose `org.opencontainers.image.ref.name`
//!   annotation is the scope; it points at the cache manifest ([`super::index`]). A scope's
//!   mount-cache manifests are entries named `<scope>/mount/<key>` ([`super::document`]).
//! * Blobs are written temp + fsync + rename, `index.json` last and under an exclusive lock
//!   (`index.json.lock`), so two builds exporting at once leave a valid index (the last
//!   writer's entry per scope) and readers never see an index naming a missing blob.
//! * Every blob read is checked against its digest (the store writer verifies on commit; the
//!   index documents are hashed here).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{FlockOperation, flock};
use serde_json::{Value, json};

use super::backend::{Access, BackendFuture, RemoteBackend};
use super::document::{DocKind, DocManifest, DocName, Document, LoadedDoc};
use super::error::RemoteError;
use super::index::{MANIFEST_MEDIA_TYPE, MAX_INDEX_BYTES};
use super::meter::Meter;
use super::spec::{Attributes, CacheSpec, Direction};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::store::{BlobSink, Store};

/// The annotation naming an `index.json` entry.
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A cache in an OCI layout directory.
#[derive(Debug)]
pub struct LocalBackend {
    name: String,
    dir: PathBuf,
    meter: Arc<Meter>,
}

impl LocalBackend {
    /// A backend for the directory `dir` (created on export).
    pub fn new(spec: &CacheSpec, dir: &Path, meter: Arc<Meter>) -> Self {
        Self {
            name: spec.backend_ref(),
            dir: dir.to_path_buf(),
            meter,
        }
    }

    /// The backend's name in messages.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The start-up probe: the directory is created (as an export would create it) and a file
    /// is made in it and removed.
    fn access(&self) -> Access {
        match fs::metadata(&self.dir) {
            Ok(m) if !m.is_dir() => {
                return Access::Unreachable(format!("{} is not a directory", self.dir.display()));
            }
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Access::Unreachable(format!("{}: {e}", self.dir.display()));
            }
            _ => {}
        }
        if let Err(e) = fs::create_dir_all(&self.dir) {
            return Access::ReadOnly(format!("creating {}: {e}", self.dir.display()));
        }
        let probe = self
            .dir
            .join(format!(".rbuild-probe-{}", std::process::id()));
        match File::create(&probe) {
            Ok(_) => {
                let _ = fs::remove_file(&probe);
                Access::ReadWrite
            }
            Err(e) => Access::ReadOnly(format!("writing in {}: {e}", self.dir.display())),
        }
    }

    fn io(&self, what: &str, path: &Path, e: &io::Error) -> RemoteError {
        RemoteError::backend(&self.name, format!("{what} {}: {e}", path.display()))
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.dir.join("blobs/sha256").join(digest.hex())
    }

    /// Reads a small blob, verified against its digest.
    fn read_verified(&self, digest: &Digest, location: &str) -> Result<Vec<u8>, RemoteError> {
        let path = self.blob_path(digest);
        let bytes = read_capped(&path).map_err(|e| self.io("reading", &path, &e))?;
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(RemoteError::InvalidIndex {
                backend: self.name.clone(),
                location: location.to_string(),
                reason: format!("{} hashes to {actual}", path.display()),
            });
        }
        self.meter.downloaded(bytes.len() as u64);
        Ok(bytes)
    }

    fn read_index_json(&self) -> Result<Option<Value>, RemoteError> {
        let path = self.dir.join("index.json");
        match read_capped(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| RemoteError::InvalidIndex {
                        backend: self.name.clone(),
                        location: path.display().to_string(),
                        reason: e.to_string(),
                    })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io("reading", &path, &e)),
        }
    }

    /// Document `name` of the first scope `index.json` names it for.
    pub async fn load_doc(
        &self,
        scopes: &[String],
        name: &DocName,
        kind: DocKind,
    ) -> Result<Option<LoadedDoc>, RemoteError> {
        let Some(root) = self.read_index_json()? else {
            return Ok(None);
        };
        let entries = root
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for scope in scopes {
            let ref_name = ref_name(scope, name);
            let Some(entry) = entries.iter().find(|m| {
                m.pointer(&format!("/annotations/{}", REF_NAME.replace('/', "~1")))
                    .and_then(Value::as_str)
                    == Some(ref_name.as_str())
            }) else {
                continue;
            };
            let location = format!("{}#{ref_name}", self.dir.display());
            let invalid = |reason: String| RemoteError::InvalidIndex {
                backend: self.name.clone(),
                location: location.clone(),
                reason,
            };
            let digest = entry
                .get("digest")
                .and_then(Value::as_str)
                .and_then(Digest::parse)
                .ok_or_else(|| invalid("its index.json entry has no valid digest".into()))?;
            let manifest = self.read_verified(&digest, &location)?;
            let manifest = DocManifest::parse(&manifest, kind).map_err(invalid)?;
            let config_digest = manifest.config_digest().map_err(invalid)?;
            let config = self.read_verified(&config_digest, &location)?;
            return Ok(Some(LoadedDoc {
                config,
                listed: Some(manifest.layer_digests()),
                location,
            }));
        }
        Ok(None)
    }

    /// Copies the blob of `desc` into `sink`.
    pub async fn fetch(
        &self,
        desc: &LayerDescriptor,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        let path = self.blob_path(&desc.digest);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(RemoteError::MissingBlob {
                    backend: self.name.clone(),
                    digest: desc.digest.clone(),
                });
            }
            Err(e) => return Err(self.io("opening", &path, &e)),
        };
        if sink.resume_offset() > 0 {
            sink.restart().map_err(|source| RemoteError::Store {
                backend: self.name.clone(),
                source,
            })?;
        }
        let n = io::copy(&mut file, sink).map_err(|e| self.io("copying", &path, &e))?;
        self.meter.downloaded(n);
        self.meter.blob_downloaded();
        Ok(())
    }

    /// The bytes of a small blob, verified.
    pub async fn fetch_bytes(&self, desc: &LayerDescriptor) -> Result<Vec<u8>, RemoteError> {
        let path = self.blob_path(&desc.digest);
        match tokio::fs::metadata(&path).await {
            Ok(m) if m.len() > desc.size => {
                return Err(RemoteError::backend(
                    &self.name,
                    format!(
                        "{}: {} bytes, its descriptor says {}",
                        path.display(),
                        m.len(),
                        desc.size
                    ),
                ));
            }
            _ => {}
        }
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(RemoteError::MissingBlob {
                    backend: self.name.clone(),
                    digest: desc.digest.clone(),
                });
            }
            Err(e) => return Err(self.io("reading", &path, &e)),
        };
        self.meter.downloaded(bytes.len() as u64);
        let (bytes, actual) = tokio::task::spawn_blocking(move || {
            let actual = Digest::of(&bytes);
            (bytes, actual)
        })
        .await
        .map_err(|e| self.io("hashing", &path, &io::Error::other(e.to_string())))?;
        if actual != desc.digest {
            return Err(RemoteError::DigestMismatch {
                backend: self.name.clone(),
                expected: desc.digest.clone(),
                actual,
            });
        }
        self.meter.blob_downloaded();
        Ok(bytes)
    }

    /// The layers the directory lacks.
    pub async fn lacking(
        &self,
        layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        Ok(layers
            .iter()
            .filter(|l| !self.blob_path(&l.digest).is_file())
            .cloned()
            .collect())
    }

    /// Copies `upload` from `store`, writes the index documents, then points the scope's
    /// `index.json` entry at the new manifest.
    pub async fn export_doc(
        &self,
        scope: &str,
        name: &DocName,
        doc: &Document,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        let ref_name = ref_name(scope, name);
        let blobs = self.dir.join("blobs/sha256");
        fs::create_dir_all(&blobs).map_err(|e| self.io("creating", &blobs, &e))?;
        let layout = self.dir.join("oci-layout");
        if !layout.exists() {
            self.write_atomic(&layout, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        for l in upload {
            let target = self.blob_path(&l.digest);
            if target.is_file() {
                continue;
            }
            let src = store.blobs().path(&l.digest);
            let tmp = self.temp_path(&l.digest);
            let copied = fs::copy(&src, &tmp)
                .and_then(|n| File::open(&tmp).and_then(|f| f.sync_all()).map(|()| n));
            let n = match copied {
                Ok(n) => n,
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    return Err(self.io("copying", &src, &e));
                }
            };
            fs::rename(&tmp, &target).map_err(|e| self.io("renaming", &target, &e))?;
            self.meter.uploaded(n);
            self.meter.blob_uploaded();
        }
        let manifest = doc.manifest_bytes();
        for bytes in [&doc.config, &manifest] {
            let target = self.blob_path(&Digest::of(bytes));
            if !target.is_file() {
                self.write_atomic(&target, bytes)?;
                self.meter.uploaded(bytes.len() as u64);
            }
        }
        // index.json: read, replace this scope's entry, write, under an exclusive lock.
        let lock_path = self.dir.join("index.json.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| self.io("opening", &lock_path, &e))?;
        flock(&lock, FlockOperation::LockExclusive)
            .map_err(|e| self.io("locking", &lock_path, &io::Error::from(e)))?;
        let mut root = self
            .read_index_json()
            .ok()
            .flatten()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({"schemaVersion": 2, "manifests": []}));
        let entry = json!({
            "mediaType": MANIFEST_MEDIA_TYPE,
            "digest": Digest::of(&manifest).to_string(),
            "size": manifest.len(),
            "artifactType": doc.kind.artifact_type,
            "annotations": {REF_NAME: ref_name},
        });
        let mut manifests: Vec<Value> = root
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| {
                m.pointer(&format!("/annotations/{}", REF_NAME.replace('/', "~1")))
                    .and_then(Value::as_str)
                    != Some(ref_name.as_str())
            })
            .collect();
        manifests.push(entry);
        root["schemaVersion"] = json!(2);
        root["mediaType"] = json!("application/vnd.oci.image.index.v1+json");
        root["manifests"] = Value::Array(manifests);
        let bytes = serde_json::to_vec_pretty(&root).unwrap_or_default();
        self.write_atomic(&self.dir.join("index.json"), &bytes)?;
        self.meter.uploaded(bytes.len() as u64);
        Ok(())
    }

    fn temp_path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(format!(
            "blobs/sha256/.tmp-{}-{}",
            std::process::id(),
            digest.hex()
        ))
    }

    fn write_atomic(&self, target: &Path, bytes: &[u8]) -> Result<(), RemoteError> {
        let tmp = target.with_file_name(format!(
            ".tmp-{}-{}",
            std::process::id(),
            target
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ));
        let written = File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| fs::rename(&tmp, target)) {
            let _ = fs::remove_file(&tmp);
            return Err(self.io("writing", target, &e));
        }
        Ok(())
    }
}

/// The `ref.name` of document `name` of `scope` in `index.json`.
fn ref_name(scope: &str, name: &DocName) -> String {
    match name {
        DocName::Index => scope.to_string(),
        DocName::Mount(key) => format!("{scope}/mount/{key}"),
    }
}

/// Reads a file of at most [`MAX_INDEX_BYTES`].
fn read_capped(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(MAX_INDEX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INDEX_BYTES {
        return Err(io::Error::other("larger than any index document"));
    }
    Ok(bytes)
}

/// Reads `type=local`'s one attribute: `src=` for `--cache-from`, `dest=` for `--cache-to`
/// (the other one is a mistake, named).
pub fn parse_spec(
    attrs: &mut Attributes<'_>,
    direction: Direction,
) -> Result<PathBuf, RemoteError> {
    let (want, other) = match direction {
        Direction::Import => ("src", "dest"),
        Direction::Export => ("dest", "src"),
    };
    if attrs.take(other).is_some() {
        return Err(attrs.error(format!(
            "`{other}=` belongs to --cache-{}; use `{want}=`",
            if other == "src" { "from" } else { "to" }
        )));
    }
    attrs.require(want).map(PathBuf::from)
}

/// `type=local` as a [`RemoteBackend`]: the methods above.
impl RemoteBackend for LocalBackend {
    fn name(&self) -> &str {
        LocalBackend::name(self)
    }

    fn load_doc<'a>(
        &'a self,
        scopes: &'a [String],
        name: &'a DocName,
        kind: DocKind,
    ) -> BackendFuture<'a, Option<LoadedDoc>> {
        Box::pin(LocalBackend::load_doc(self, scopes, name, kind))
    }

    fn fetch<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        sink: &'a mut dyn BlobSink,
    ) -> BackendFuture<'a, ()> {
        Box::pin(LocalBackend::fetch(self, desc, sink))
    }

    fn fetch_small<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        _scratch: &'a Store,
    ) -> BackendFuture<'a, Vec<u8>> {
        Box::pin(LocalBackend::fetch_bytes(self, desc))
    }

    fn lacking<'a>(
        &'a self,
        scope: &'a str,
        layers: &'a [LayerDescriptor],
    ) -> BackendFuture<'a, Vec<LayerDescriptor>> {
        let _ = scope;
        Box::pin(LocalBackend::lacking(self, layers))
    }

    fn export_doc<'a>(
        &'a self,
        scope: &'a str,
        name: &'a DocName,
        doc: &'a Document,
        upload: &'a [LayerDescriptor],
        store: &'a Store,
    ) -> BackendFuture<'a, ()> {
        Box::pin(LocalBackend::export_doc(
            self, scope, name, doc, upload, store,
        ))
    }

    fn check<'a>(&'a self, _scope: &'a str) -> BackendFuture<'a, Access> {
        Box::pin(async move { Ok(self.access()) })
    }
}
