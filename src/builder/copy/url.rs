//! ADD's remote sources: http(s) URLs downloaded into the scratch directory (sha256 computed
//! while streaming, `--checksum` verified), git URLs refused for now.
//!
//! An `ADD <url>` without `--checksum` is keyed by what the URL serves (DESIGN.md: "ADD of a
//! URL: the fetched content's digest"), as BuildKit's http source is: `rbuild build` fetches it
//! once while planning ([`Prefetch`], through [`FetchingResolver`]), the key takes
//! its sha256, and the step copies that same file if it runs. So an unchanged file is `CACHED`
//! with every step after it, and a changed one misses, even though it is downloaded each build.
//!
//! As BuildKit's http source: the file is named after the URL path's last segment
//! (`__unnamed__` when there is none), has mode 0600 and takes the `Last-Modified` time when the
//! server sends one.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::CopyError;

/// A downloaded file.
#[derive(Debug)]
pub struct Download {
    /// Where it is, in the scratch directory.
    pub path: PathBuf,
    /// Its name in the destination.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// `Last-Modified`, in seconds since the epoch.
    pub mtime: Option<i64>,
}

pub use crate::plan::remote_source::{is_git, is_http};

/// The destination file name for `url`: its path's last segment, percent-decoded.
pub fn file_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let decoded = percent_decode(last);
    if decoded.is_empty() || decoded == "." || decoded == ".." {
        "__unnamed__".to_string()
    } else {
        decoded
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The hex digest `--checksum=sha256:<hex>` asks for.
pub fn parse_checksum(value: &str, line: usize) -> Result<String, CopyError> {
    let bad = |reason: &str| CopyError::BadChecksum {
        line,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let hex = value
        .strip_prefix("sha256:")
        .ok_or_else(|| bad("only sha256:<hex> is supported"))?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("expected 64 hex digits after sha256:"));
    }
    Ok(hex.to_ascii_lowercase())
}

/// Downloads `url` into a new file in `scratch`, checking the sha256 hex digest `checksum`
/// when given. Runs on its own thread and runtime, so it works from inside or outside tokio.
pub fn download(
    url: &str,
    scratch: &Path,
    checksum: Option<&str>,
    line: usize,
) -> Result<Download, CopyError> {
    let fail = |reason: String| CopyError::Download {
        line,
        url: url.to_string(),
        reason,
    };
    let (file, path) =
        super::scratch::new_file(scratch, "add-url").map_err(|source| CopyError::Io {
            line,
            path: scratch.to_path_buf(),
            source,
        })?;
    let (digest, size, mtime) = fetch_on_thread(url, file).map_err(fail)?;
    check_checksum(url, checksum, &digest, line)?;
    Ok(Download {
        path,
        name: file_name(url),
        size,
        mtime,
    })
}

/// A download already made for `url` (by [`Prefetch`]), checked against `checksum` as
/// [`download`] checks a new one.
pub fn prefetched(
    url: &str,
    fetched: &Fetched,
    checksum: Option<&str>,
    line: usize,
) -> Result<Download, CopyError> {
    check_checksum(url, checksum, &fetched.sha256, line)?;
    Ok(Download {
        path: fetched.path.clone(),
        name: file_name(url),
        size: fetched.size,
        mtime: fetched.mtime,
    })
}

/// `--checksum`'s hex digest `expected`, when given, against the `actual` one.
fn check_checksum(
    url: &str,
    expected: Option<&str>,
    actual: &str,
    line: usize,
) -> Result<(), CopyError> {
    match expected {
        Some(expected) if expected != actual => Err(CopyError::ChecksumMismatch {
            line,
            url: url.to_string(),
            expected: format!("sha256:{expected}"),
            actual: format!("sha256:{actual}"),
        }),
        _ => Ok(()),
    }
}

/// A URL fetched while planning.
#[derive(Debug)]
pub struct Fetched {
    /// The file (in the [`Prefetch`] directory; read-only use).
    pub path: PathBuf,
    /// Its sha256, hex.
    pub sha256: String,
    /// Its size.
    pub size: u64,
    /// `Last-Modified`, in seconds since the epoch.
    pub mtime: Option<i64>,
}

/// The URLs of `ADD <url>` steps without `--checksum`, each fetched once per build into a
/// directory of its own (removed when this drops): the planner keys the step by the file's
/// digest, the step copies the same file.
#[derive(Debug)]
pub struct Prefetch {
    dir: PathBuf,
    files: Mutex<HashMap<String, Arc<Fetched>>>,
    /// Git sources and the commits their refs named when planned.
    commits: Mutex<HashMap<String, String>>,
    /// Credentials for http(s) git remotes.
    git_auth: super::git::GitAuth,
}

impl Prefetch {
    /// Fetches into `dir` (created now; it should be on the state directory's file system).
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            files: Mutex::default(),
            commits: Mutex::default(),
            git_auth: super::git::GitAuth::default(),
        })
    }

    /// The same, with credentials for http(s) git remotes.
    #[must_use]
    pub fn with_git_auth(mut self, auth: super::git::GitAuth) -> Self {
        self.git_auth = auth;
        self
    }

    /// The credentials for http(s) git remotes.
    pub fn git_auth(&self) -> &super::git::GitAuth {
        &self.git_auth
    }

    /// `url`'s file, downloaded on the first call for it.
    pub fn fetch(&self, url: &str) -> Result<Arc<Fetched>, String> {
        if let Some(f) = self.get(url) {
            return Ok(f);
        }
        let (file, path) =
            super::scratch::new_file(&self.dir, "add-url").map_err(|e| e.to_string())?;
        let (sha256, size, mtime) = fetch_on_thread(url, file)?;
        let fetched = Arc::new(Fetched {
            path,
            sha256,
            size,
            mtime,
        });
        self.files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(url.to_string(), fetched.clone());
        Ok(fetched)
    }

    /// The commit git source `source`'s ref names, asked once (see [`super::git`]).
    pub fn commit(&self, source: &str) -> Result<String, String> {
        if let Some(c) = self.planned_commit(source) {
            return Ok(c);
        }
        let commit = super::git::resolve(&super::git::GitSource::parse(source), &self.git_auth)?;
        self.commits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(source.to_string(), commit.clone());
        Ok(commit)
    }

    /// The commit [`commit`](Self::commit) found for `source`, if it was asked.
    pub fn planned_commit(&self, source: &str) -> Option<String> {
        self.commits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(source)
            .cloned()
    }

    /// `url`'s file when it was fetched.
    pub fn get(&self, url: &str) -> Option<Arc<Fetched>> {
        self.files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(url)
            .cloned()
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A [`BaseResolver`](crate::plan::BaseResolver) that resolves images with `images` and
/// fetches `ADD` URLs with `urls`, for `rbuild build`'s planning.
pub struct FetchingResolver<'a> {
    /// Images.
    pub images: &'a dyn crate::plan::BaseResolver,
    /// URLs.
    pub urls: &'a Prefetch,
}

impl crate::plan::BaseResolver for FetchingResolver<'_> {
    fn resolve(
        &self,
        reference: &crate::oci::reference::Reference,
        platform: &crate::plan::Platform,
    ) -> Result<Option<String>, String> {
        self.images.resolve(reference, platform)
    }

    fn config(
        &self,
        reference: &crate::oci::reference::Reference,
        platform: &crate::plan::Platform,
    ) -> Result<Option<crate::image::config::ImageConfig>, String> {
        self.images.config(reference, platform)
    }

    fn git_commit(&self, source: &str) -> Result<Option<String>, String> {
        if !is_git(source) {
            return Ok(None);
        }
        Ok(Some(self.urls.commit(source)?))
    }

    fn url_digest(&self, url: &str) -> Result<Option<String>, String> {
        if !is_http(url) {
            return Ok(None);
        }
        Ok(Some(self.urls.fetch(url)?.sha256.clone()))
    }
}

/// [`fetch`] on a thread of its own (with its own runtime), so it works from inside or outside
/// tokio.
fn fetch_on_thread(url: &str, file: std::fs::File) -> Result<(String, u64, Option<i64>), String> {
    let owned_url = url.to_string();
    std::thread::spawn(move || fetch(&owned_url, file))
        .join()
        .map_err(|_| "the download thread stopped unexpectedly".to_string())?
}

/// GETs `url` into `file`: (sha256 hex, size, Last-Modified).
fn fetch(url: &str, mut file: std::fs::File) -> Result<(String, u64, Option<i64>), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        use futures_util::StreamExt;
        let client = reqwest::Client::builder().build().map_err(|e| chain(&e))?;
        let response = client.get(url).send().await.map_err(|e| chain(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        let mtime = response
            .headers()
            .get(reqwest::header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| chain(&e))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk).map_err(|e| e.to_string())?;
        }
        file.sync_all().map_err(|e| e.to_string())?;
        Ok((hex::encode(hasher.finalize()), size, mtime))
    })
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Parses an HTTP date in its preferred form (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_http_date(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves `body` to every GET on 127.0.0.1 from a thread; returns the base URL.
    pub(crate) fn serve(body: Vec<u8>) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let (mut sock, _) = listener.accept().await.unwrap();
                    let body = body.clone();
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; 4096];
                        let n = sock.read(&mut buf).await.unwrap_or(0);
                        let req = String::from_utf8_lossy(&buf[..n]).to_string();
                        let head = if req.contains("/missing") {
                            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
                        } else {
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\
                                 Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
                                 Connection: close\r\n\r\n",
                                body.len()
                            )
                        };
                        let _ = sock.write_all(head.as_bytes()).await;
                        if !req.contains("/missing") {
                            let _ = sock.write_all(&body).await;
                        }
                        let _ = sock.shutdown().await;
                    });
                }
            });
        });
        format!("http://{addr}")
    }

    #[test]
    fn a_prefetched_url_is_fetched_once_checked_and_removed_with_its_directory() {
        let base = serve(b"prefetched\n".to_vec());
        let state = tempfile::tempdir().unwrap();
        let dir = state.path().join("add-url");
        let prefetch = Prefetch::new(dir.clone()).unwrap();
        let url = format!("{base}/x/tool.bin");
        let first = prefetch.fetch(&url).unwrap();
        let second = prefetch.fetch(&url).unwrap();
        assert!(Arc::ptr_eq(&first, &second), "fetched once");
        assert_eq!(first.sha256, hex::encode(Sha256::digest(b"prefetched\n")));
        assert_eq!((first.size, first.mtime), (11, Some(784_111_777)));
        let d = prefetched(&url, &first, None, 3).unwrap();
        assert_eq!(
            (d.name.as_str(), d.path.as_path()),
            ("tool.bin", first.path.as_path())
        );
        let wrong = "0".repeat(64);
        assert!(matches!(
            prefetched(&url, &first, Some(&wrong), 3),
            Err(CopyError::ChecksumMismatch { line: 3, .. })
        ));
        assert!(
            prefetch
                .fetch(&format!("{base}/missing"))
                .unwrap_err()
                .contains("404")
        );
        // Not a URL the resolver fetches: git, or a checksum given (never asked).
        let resolver = FetchingResolver {
            images: &crate::plan::PinnedOnly,
            urls: &prefetch,
        };
        use crate::plan::BaseResolver as _;
        assert_eq!(resolver.url_digest("https://h/o/r.git").unwrap(), None);
        assert_eq!(
            resolver.url_digest(&url).unwrap(),
            Some(first.sha256.clone())
        );
        drop(prefetch);
        assert!(!dir.exists(), "the directory goes with the build");
    }

    #[test]
    fn names_and_kinds_of_urls() {
        assert_eq!(file_name("https://h/a/b/tool.tar.gz?x=1"), "tool.tar.gz");
        assert_eq!(file_name("https://h/a%20b"), "a b");
        assert_eq!(file_name("https://h"), "__unnamed__");
        assert_eq!(file_name("https://h/dir/"), "dir");
        assert!(is_git("https://github.com/o/r.git#main"));
        assert!(is_git("git@github.com:o/r.git"));
        assert!(!is_http("https://github.com/o/r.git"));
        assert!(is_http("https://example.com/x"));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
    }

    #[test]
    fn downloads_and_checks_the_digest() {
        let base = serve(b"payload".to_vec());
        let dir = tempfile::tempdir().unwrap();
        let digest = hex::encode(Sha256::digest(b"payload"));
        let got = download(&format!("{base}/f/data.bin"), dir.path(), Some(&digest), 4).unwrap();
        assert_eq!(std::fs::read(&got.path).unwrap(), b"payload");
        assert_eq!(got.name, "data.bin");
        assert_eq!(got.mtime, Some(784_111_777));
        let wrong = "0".repeat(64);
        let err = download(&format!("{base}/x"), dir.path(), Some(&wrong), 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&wrong) && err.contains(&digest), "{err}");
        let err = download(&format!("{base}/missing"), dir.path(), None, 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains("404"), "{err}");
        assert!(parse_checksum("md5:abc", 1).is_err());
        assert_eq!(
            parse_checksum(&format!("sha256:{digest}"), 1).unwrap(),
            digest
        );
    }
}
