//! Downloads: small documents read whole (bounded), and blobs streamed into a store writer,
//! resuming an interrupted download with a `Range` request (`GetObject` of `bytes=<offset>-`),
//! also when the connection drops mid-body.

use crate::image::layer::LayerDescriptor;
use crate::store::BlobSink;

use super::super::error::RemoteError;
use super::Inner;
use rbuild_wire::s3::{Failure, classify};

/// Attempts at one blob whose body stops mid-way (each resumes where the last stopped).
const BODY_ATTEMPTS: u32 = 3;

impl Inner {
    /// The object at `key`, at most `limit` bytes; `None` when there is no such key.
    pub(super) async fn read_small(
        &self,
        key: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, RemoteError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if classify(&e) == Failure::NotFound => return Ok(None),
            Err(e) => return Err(self.error("GetObject", key, &e)),
        };
        let too_big = |n: u64| {
            RemoteError::backend(
                &self.name,
                format!("GetObject {key}: the object is larger than {limit} bytes ({n})"),
            )
        };
        let announced = out
            .content_length()
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0);
        if announced > limit {
            return Err(too_big(announced));
        }
        let mut body = out.body;
        let mut bytes = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        loop {
            match body.try_next().await {
                Ok(Some(chunk)) => {
                    self.meter.downloaded(chunk.len() as u64);
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() as u64 > limit {
                        return Err(too_big(bytes.len() as u64));
                    }
                }
                Ok(None) => return Ok(Some(bytes)),
                Err(e) => {
                    return Err(RemoteError::backend(
                        &self.name,
                        format!("GetObject {key}: reading the body: {e}"),
                    ));
                }
            }
        }
    }

    /// Streams the blob of `desc` into `sink`, from `sink`'s resume offset on.
    pub(super) async fn download(
        &self,
        desc: &LayerDescriptor,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        let key = self.keys.blob(&desc.digest);
        let store_err = |source| RemoteError::Store {
            backend: self.name.clone(),
            source,
        };
        let mut failures = 0;
        loop {
            let offset = sink.len();
            if offset > desc.size {
                sink.restart().map_err(store_err)?;
                continue;
            }
            if offset == desc.size && offset > 0 {
                // All there from an earlier download: commit verifies it.
                return Ok(());
            }
            let mut request = self.client.get_object().bucket(&self.bucket).key(&key);
            if offset > 0 {
                request = request.range(format!("bytes={offset}-"));
            }
            let out = match request.send().await {
                Ok(out) => out,
                Err(e) => match classify(&e) {
                    Failure::NotFound => {
                        return Err(RemoteError::MissingBlob {
                            backend: self.name.clone(),
                            digest: desc.digest.clone(),
                        });
                    }
                    // The object is shorter than what we hold: it is not what we resumed.
                    Failure::InvalidRange if offset > 0 => {
                        sink.restart().map_err(store_err)?;
                        continue;
                    }
                    _ => return Err(self.error("GetObject", &key, &e)),
                },
            };
            if offset > 0 {
                let resumed = out
                    .content_range()
                    .is_some_and(|r| r.starts_with(&format!("bytes {offset}-")));
                if !resumed {
                    // The whole object (Range ignored): start over with it.
                    sink.restart().map_err(store_err)?;
                    if out.content_range().is_some() {
                        continue;
                    }
                }
            }
            let mut body = out.body;
            let ended = loop {
                match body.try_next().await {
                    Ok(Some(chunk)) => {
                        sink.write_all(&chunk).map_err(|e| {
                            RemoteError::backend(
                                &self.name,
                                format!("writing blob {} to the local store: {e}", desc.digest),
                            )
                        })?;
                        self.meter.downloaded(chunk.len() as u64);
                        if sink.len() > desc.size {
                            return Err(RemoteError::backend(
                                &self.name,
                                format!(
                                    "GetObject {key}: the object is larger than the {} bytes its \
                                     descriptor says",
                                    desc.size
                                ),
                            ));
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            };
            match ended {
                Ok(()) => {
                    self.meter.blob_downloaded();
                    return Ok(());
                }
                Err(e) => {
                    failures += 1;
                    if failures >= BODY_ATTEMPTS {
                        return Err(RemoteError::backend(
                            &self.name,
                            format!(
                                "GetObject {key}: the body stopped after {} bytes: {e}",
                                sink.len()
                            ),
                        ));
                    }
                    tracing::debug!(
                        "{}: GetObject {key}: the body stopped after {} bytes ({e}); resuming",
                        self.name,
                        sink.len()
                    );
                }
            }
        }
    }
}
