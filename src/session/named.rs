//! `--build-context NAME=VALUE` values made into the plan's named contexts, as buildx reads
//! them: `docker-image://REF` (an image; `scratch` an empty one), an http(s) or git URL
//! (fetched: a git checkout without `.git`, or the one file `context` that BuildKit's http
//! source makes, mode 0600), or else a local directory (its own `.dockerignore` applies).
//! `oci-layout://DIR[:TAG|@DIGEST]` is an image of a local OCI layout; bake's `target:` is
//! refused by name.

use std::path::{Path, PathBuf};

use super::error::{SessionError, chain};
use crate::builder::copy::{git, url};
use crate::context::BuildContext;
use crate::plan::remote_source::{is_git, is_http};
use crate::plan::{NamedContexts, NamedValue};
use crate::registry::oci_layout::LayoutImage;

/// Directories holding fetched contexts, removed when this drops.
#[derive(Debug, Default)]
pub struct FetchedDirs(Vec<PathBuf>);

impl Drop for FetchedDirs {
    fn drop(&mut self) {
        for dir in &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The flag as the user wrote it, for messages.
fn flag(name: &str, value: &str) -> String {
    format!("--build-context {name}={value}")
}

/// Opens every `(name, value)` (hash caches of local directories under `state`); fetched
/// contexts live in directories under `state` (which the container isolation keeps) that
/// `FetchedDirs` removes.
pub fn open(
    values: &[(String, String)],
    state: &Path,
) -> Result<(NamedContexts, FetchedDirs), SessionError> {
    let mut named = NamedContexts::default();
    let mut fetched = FetchedDirs::default();
    for (name, value) in values {
        let bad = |reason: String| SessionError::Flag {
            flag: flag(name, value),
            reason,
        };
        let context = open_one(value, state, &mut fetched).map_err(bad)?;
        named.add(name, context).map_err(bad)?;
    }
    Ok((named, fetched))
}

fn open_one(value: &str, state: &Path, fetched: &mut FetchedDirs) -> Result<NamedValue, String> {
    if let Some(reference) = value.strip_prefix("docker-image://") {
        if reference == "scratch" {
            return Ok(NamedValue::Scratch);
        }
        crate::oci::reference::Reference::parse(reference).map_err(|e| e.to_string())?;
        return Ok(NamedValue::Image(reference.to_string()));
    }
    if let Some(spec) = value.strip_prefix("oci-layout://") {
        return Ok(NamedValue::Layout(LayoutImage::open(spec)?));
    }
    if value.starts_with("target:") {
        return Err("target: contexts name a bake target; rbuild build has none".into());
    }
    let local = |dir: &Path, hash_cache: Option<&Path>| {
        BuildContext::open(dir, None, hash_cache)
            .map(|context| NamedValue::Local {
                context: Box::new(context),
                origin: value.to_string(),
            })
            .map_err(|e| chain(&e))
    };
    if is_git(value) {
        let dir = fetch_dir(state, fetched)?;
        let source = git::GitSource::parse(value);
        let auth = git::GitAuth::default();
        let commit = git::resolve(&source, &auth)?;
        let checkout = git::checkout(&source, &commit, false, &dir, &auth)?;
        return local(&checkout, None);
    }
    if is_http(value) {
        let dir = fetch_dir(state, fetched)?;
        let download = url::download(value, &dir, None, 0).map_err(|e| {
            let msg = e.to_string();
            msg.strip_prefix("line 0: ").unwrap_or(&msg).to_string()
        })?;
        let files = dir.join("files");
        std::fs::create_dir(&files).map_err(|e| format!("{}: {e}", files.display()))?;
        place_download(&download, &files.join("context"))?;
        return local(&files, None);
    }
    if let Some((scheme, _)) = value.split_once("://") {
        return Err(format!("unsupported context source {scheme}://"));
    }
    let dir = Path::new(value);
    match std::fs::metadata(dir) {
        Err(e) => Err(format!("no such directory {}: {e}", dir.display())),
        Ok(m) if !m.is_dir() => Err(format!("{} is not a directory", dir.display())),
        Ok(_) => local(dir, Some(&crate::home::hash_cache_file(state, dir))),
    }
}

/// A new directory for one fetched context: `<state>/fetched/<pid>-<n>` (the system's
/// temporary directory when the state directory cannot take it).
fn fetch_dir(state: &Path, fetched: &mut FetchedDirs) -> Result<PathBuf, String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("{}-{n}", std::process::id());
    let in_state = state.join("fetched").join(&name);
    let dir = match std::fs::create_dir_all(&in_state) {
        Ok(()) => in_state,
        Err(_) => {
            let tmp = std::env::temp_dir().join(format!("rbuild-context-{name}"));
            std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
            tmp
        }
    };
    fetched.0.push(dir.clone());
    Ok(dir)
}

/// Moves a downloaded file to `to` as BuildKit's http source leaves it: mode 0600, the
/// `Last-Modified` time when the server sent one.
fn place_download(download: &url::Download, to: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let err = |e: std::io::Error| format!("{}: {e}", to.display());
    std::fs::rename(&download.path, to).map_err(err)?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    if let Some(mtime) = download.mtime {
        let t = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(u64::try_from(mtime).unwrap_or(0));
        std::fs::File::options()
            .write(true)
            .open(to)
            .and_then(|f| f.set_times(std::fs::FileTimes::new().set_accessed(t).set_modified(t)))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str) -> Result<NamedValue, String> {
        open_one(
            value,
            Path::new("/nonexistent-state"),
            &mut FetchedDirs::default(),
        )
    }

    #[test]
    fn forms_are_told_apart_as_buildx_does() {
        assert!(matches!(
            one("docker-image://alpine:3.19"),
            Ok(NamedValue::Image(r)) if r == "alpine:3.19"
        ));
        assert!(matches!(
            one("docker-image://scratch"),
            Ok(NamedValue::Scratch)
        ));
        assert!(one("docker-image://Bad Ref").is_err());
        let oci = one("oci-layout:///nonexistent/layout:v1").unwrap_err();
        assert!(oci.contains("/nonexistent/layout/index.json"), "{oci}");
        let s3 = one("s3://bucket/key").unwrap_err();
        assert!(s3.contains("unsupported context source s3://"), "{s3}");
        let missing = one("/nonexistent/dir").unwrap_err();
        assert!(missing.contains("/nonexistent/dir"), "{missing}");
        let dir = std::env::temp_dir();
        assert!(matches!(
            one(dir.to_str().unwrap()),
            Ok(NamedValue::Local { .. })
        ));
    }
}
