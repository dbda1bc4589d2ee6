//! Blobs (layers, configs) streamed from a registry into any [`Write`], hashed on the way: the
//! sink sees every byte as it arrives and the call fails with
//! [`RegistryError::DigestMismatch`] when the whole does not hash to the digest asked for
//! (the caller then discards what it wrote; the store writes to a temp file and renames only
//! after success). A download can resume: given the prefix the caller already has, only the
//! rest is requested (HTTP Range) and the digest covers prefix + rest. A registry that ignores
//! the Range and sends the whole blob is handled too.
//!
//! A whole body (a download from the start, or a registry that ignored the Range) is verified
//! by oci-client's stream, which fails its last item on a mismatch, naming the digest of what
//! arrived; the bytes are then not hashed a second time here (a layer stack's blobs are as many
//! bytes as its tars, and hashing them twice cost a quarter of unpacking them). Only a
//! resumed range, which oci-client passes unverified, is hashed here, together with the prefix.

use super::error::{RegistryError, classify, error_chain};
use super::{Registry, Repository};
use crate::digest::Digest;
use futures_util::StreamExt as _;
use oci_client::client::BlobResponse;
use oci_client::errors::DigestError;
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};

/// The default number of blobs [`Registry::fetch_blobs`] downloads at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Configs larger than this are refused (they are JSON documents of a few KiB).
const MAX_CONFIG_SIZE: u64 = 16 << 20;

/// A verified download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBlob {
    /// The blob's digest (verified).
    pub digest: Digest,
    /// Its total size.
    pub size: u64,
    /// How many bytes of it were already there (the resumed prefix).
    pub resumed_from: u64,
}

impl Registry {
    /// Streams blob `digest` of `repo` into `sink`, verifying it.
    pub async fn fetch_blob<W: Write + Send>(
        &self,
        repo: &Repository,
        digest: &Digest,
        sink: W,
    ) -> Result<FetchedBlob, RegistryError> {
        self.stream_blob(repo, digest, Sha256::new(), 0, sink).await
    }

    /// Resumes a download: `prefix` yields the bytes the caller already has (read to its end,
    /// only to hash them), `sink` receives the rest. The digest is checked over both.
    pub async fn resume_blob<R: Read, W: Write + Send>(
        &self,
        repo: &Repository,
        digest: &Digest,
        mut prefix: R,
        sink: W,
    ) -> Result<FetchedBlob, RegistryError> {
        let location = format!("{repo}@{digest}");
        let mut sha = Sha256::new();
        let mut offset = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match prefix.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(RegistryError::Io { location, source }),
            };
            sha.update(&buf[..n]);
            offset += n as u64;
        }
        self.stream_blob(repo, digest, sha, offset, sink).await
    }

    /// Fetches an image config (or any small JSON blob) into memory, verified.
    pub async fn fetch_config(
        &self,
        repo: &Repository,
        digest: &Digest,
    ) -> Result<Vec<u8>, RegistryError> {
        let mut buf = LimitedVec::default();
        self.fetch_blob(repo, digest, &mut buf).await?;
        Ok(buf.0)
    }

    /// Downloads several blobs of `repo`, at most `concurrency` at a time; the results are in
    /// the order of `blobs`, one per blob (a failure does not stop the others).
    pub async fn fetch_blobs<W: Write + Send>(
        &self,
        repo: &Repository,
        blobs: Vec<(Digest, W)>,
        concurrency: usize,
    ) -> Vec<Result<FetchedBlob, RegistryError>> {
        futures_util::stream::iter(blobs)
            .map(|(digest, sink)| async move { self.fetch_blob(repo, &digest, sink).await })
            .buffered(concurrency.max(1))
            .collect()
            .await
    }

    /// The download proper: `sha` already holds the first `offset` bytes.
    async fn stream_blob<W: Write + Send>(
        &self,
        repo: &Repository,
        digest: &Digest,
        sha: Sha256,
        offset: u64,
        mut sink: W,
    ) -> Result<FetchedBlob, RegistryError> {
        let location = format!("{repo}@{digest}");
        let host = repo.api_host();
        let client = self.authed_client_for(repo).await?;
        let r = repo.oci_digest(digest.as_str());
        let response = if offset == 0 {
            client
                .pull_blob_stream(&r, digest.as_str())
                .await
                .map(BlobResponse::Full)
        } else {
            client
                .pull_blob_stream_partial(&r, digest.as_str(), offset, None)
                .await
        };
        let response = response.map_err(|e| classify(e, &location, host))?;
        // `skip`: leading bytes of the body the sink already has (a registry that ignored the
        // Range sends the whole blob); `received`: bytes of the blob seen so far.
        // When the whole blob comes back, the caller's prefix must equal its first bytes:
        // (hash of the caller's prefix, hash of the body's first `offset` bytes).
        let mut prefix_check: Option<(Sha256, Sha256)> = None;
        // `ours`: the running hash when this code verifies (a range oci-client does not).
        let (mut stream, skip, mut received, mut ours) = match response {
            BlobResponse::Partial(s) => (s, 0, offset, Some(sha)),
            BlobResponse::Full(s) => {
                if offset > 0 {
                    prefix_check = Some((sha, Sha256::new()));
                }
                (s, offset, 0, None)
            }
        };
        let expected_size = stream.content_length.map(|n| n + received);
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    // oci-client verifies whole responses itself and reports a mismatch as the
                    // stream's last item: report ours, with the digest of what arrived.
                    if let Some(mismatch) =
                        e.get_ref().and_then(|i| i.downcast_ref::<DigestError>())
                    {
                        return Err(RegistryError::DigestMismatch {
                            location,
                            expected: digest.clone(),
                            actual: arrived_digest(mismatch, ours.take()),
                        });
                    }
                    return Err(match expected_size {
                        Some(expected) if received < expected => RegistryError::Truncated {
                            location,
                            received,
                            expected,
                        },
                        _ => RegistryError::Registry {
                            reference: location,
                            host: host.to_string(),
                            message: format!("reading the body: {}", error_chain(&e)),
                        },
                    });
                }
            };
            if let Some(sha) = ours.as_mut() {
                sha.update(&chunk);
            }
            let start = skip.saturating_sub(received).min(chunk.len() as u64) as usize;
            if let Some((_, body_prefix)) = prefix_check.as_mut() {
                body_prefix.update(&chunk[..start]);
            }
            received += chunk.len() as u64;
            sink.write_all(&chunk[start..])
                .map_err(|source| RegistryError::Io {
                    location: location.clone(),
                    source,
                })?;
        }
        if let Some(expected) = expected_size.filter(|e| received < *e) {
            return Err(RegistryError::Truncated {
                location,
                received,
                expected,
            });
        }
        sink.flush().map_err(|source| RegistryError::Io {
            location: location.clone(),
            source,
        })?;
        if let Some((had, body)) = prefix_check {
            let (had, body) = (
                Digest::from_sha256(had.finalize().into()),
                Digest::from_sha256(body.finalize().into()),
            );
            if had != body {
                return Err(RegistryError::DigestMismatch {
                    location: format!("{location} (the first {offset} bytes, resumed)"),
                    expected: body,
                    actual: had,
                });
            }
        }
        if let Some(sha) = ours {
            let actual = Digest::from_sha256(sha.finalize().into());
            if actual != *digest {
                return Err(RegistryError::DigestMismatch {
                    location,
                    expected: digest.clone(),
                    actual,
                });
            }
        }
        // Else oci-client's stream checked the whole body: it ended without a mismatch.
        Ok(FetchedBlob {
            digest: digest.clone(),
            size: received,
            resumed_from: offset.min(received),
        })
    }
}

/// The digest of the bytes that arrived, from our own hash when we kept one, else from
/// oci-client's verification failure; the empty blob's digest when neither names it (never the
/// expected digest of a blob that failed).
fn arrived_digest(mismatch: &DigestError, ours: Option<Sha256>) -> Digest {
    if let Some(sha) = ours {
        return Digest::from_sha256(sha.finalize().into());
    }
    match mismatch {
        DigestError::VerificationError { actual, .. } => Digest::parse(actual),
        _ => None,
    }
    .unwrap_or_else(|| Digest::of(b""))
}

/// A `Vec` that refuses to grow past [`MAX_CONFIG_SIZE`].
#[derive(Default)]
struct LimitedVec(Vec<u8>);

impl Write for LimitedVec {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.0.len() + buf.len()) as u64 > MAX_CONFIG_SIZE {
            return Err(std::io::Error::other(format!(
                "larger than {MAX_CONFIG_SIZE} bytes: not an image config"
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
