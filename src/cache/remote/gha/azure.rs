//! The Azure block-blob calls on the signed URLs the cache service hands out, as
//! `@azure/storage-blob` makes them for `@actions/cache`:
//!
//! * upload: one `PUT` with `x-ms-blob-type: BlockBlob` (Put Blob) when the body is one block;
//!   otherwise `PUT ?comp=block&blockid=<base64>` per block, a few at a time, then
//!   `PUT ?comp=blocklist` with `<BlockList><Latest>id</Latest>..</BlockList>`;
//! * download: `GET` with `Range: bytes=a-b` (and `x-ms-range`), answered 206 — or 200 with the
//!   whole blob by a server that ignores ranges, which the caller skips into.

use base64::Engine as _;
use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;

use super::http::{Http, Kind};
use crate::cache::remote::error::RemoteError;

/// The storage service version sent.
const SERVICE_VERSION: &str = "2024-11-04";
/// Blocks uploaded at once.
pub const UPLOAD_CONCURRENCY: usize = 4;

/// Where the bytes of an upload come from, block by block.
pub trait BlockSource {
    /// The next block; `None` after the last.
    fn next_block(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Bytes>, RemoteError>> + Send;
}

/// The id of block `n`: every id of a blob has the same length, as Azure requires.
pub fn block_id(n: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("rbuild-block-{n:08}"))
}

/// The Put Block List body for `ids`.
pub fn block_list(ids: &[String]) -> String {
    let mut xml = String::from(r#"<?xml version="1.0" encoding="utf-8"?><BlockList>"#);
    for id in ids {
        xml.push_str("<Latest>");
        xml.push_str(id);
        xml.push_str("</Latest>");
    }
    xml.push_str("</BlockList>");
    xml
}

/// `url` with extra query parameters (percent-encoded).
fn with_query(
    http: &Http,
    url: &str,
    params: &[(&str, &str)],
) -> Result<reqwest::Url, RemoteError> {
    let mut url = reqwest::Url::parse(url)
        .map_err(|e| http.error(format!("the signed URL does not parse: {e}")))?;
    if !params.is_empty() {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
    }
    Ok(url)
}

async fn put(
    http: &Http,
    what: &str,
    url: reqwest::Url,
    body: Bytes,
    headers: &[(&'static str, &'static str)],
) -> Result<(), RemoteError> {
    let len = body.len() as u64;
    http.send(Kind::Put, what, &[], || {
        let mut request = http
            .client()
            .put(url.clone())
            .header("x-ms-version", SERVICE_VERSION)
            .body(body.clone());
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request
    })
    .await?;
    http.meter.uploaded(len);
    Ok(())
}

/// Uploads everything `source` yields to the signed `url`; returns the bytes uploaded.
pub async fn upload(
    http: &Http,
    url: &str,
    source: &mut impl BlockSource,
) -> Result<u64, RemoteError> {
    let Some(first) = source.next_block().await? else {
        let plain = with_query(http, url, &[])?;
        put(
            http,
            "Put Blob",
            plain,
            Bytes::new(),
            &[("x-ms-blob-type", "BlockBlob")],
        )
        .await?;
        return Ok(0);
    };
    let Some(second) = source.next_block().await? else {
        let size = first.len() as u64;
        let plain = with_query(http, url, &[])?;
        put(
            http,
            "Put Blob",
            plain,
            first,
            &[("x-ms-blob-type", "BlockBlob")],
        )
        .await?;
        return Ok(size);
    };
    let mut queued = vec![second, first];
    let mut ids: Vec<String> = Vec::new();
    let mut size = 0u64;
    let mut in_flight = FuturesUnordered::new();
    let mut exhausted = false;
    loop {
        while !exhausted && in_flight.len() < UPLOAD_CONCURRENCY {
            let block = match queued.pop() {
                Some(block) => Some(block),
                None => source.next_block().await?,
            };
            let Some(block) = block else {
                exhausted = true;
                break;
            };
            let id = block_id(ids.len());
            let target = with_query(http, url, &[("comp", "block"), ("blockid", &id)])?;
            size += block.len() as u64;
            ids.push(id);
            in_flight.push(put(http, "Put Block", target, block, &[]));
        }
        match in_flight.next().await {
            Some(result) => result?,
            None => break,
        }
    }
    let target = with_query(http, url, &[("comp", "blocklist")])?;
    let body = Bytes::from(block_list(&ids));
    put(
        http,
        "Put Block List",
        target,
        body,
        &[("content-type", "application/xml")],
    )
    .await?;
    Ok(size)
}

/// A ranged `GET` of `start..start+length` (`length` > 0) of the blob at `url`: answered 206
/// with the range, or 200 with the whole blob by a server that ignores ranges.
pub fn get_range(http: &Http, url: &str, start: u64, length: u64) -> reqwest::RequestBuilder {
    let range = format!("bytes={start}-{}", start + length.max(1) - 1);
    http.client()
        .get(url)
        .header("x-ms-version", SERVICE_VERSION)
        .header("x-ms-range", &range)
        .header(reqwest::header::RANGE, &range)
}

/// A plain `GET` of the whole blob at `url`.
pub fn get(http: &Http, url: &str) -> reqwest::RequestBuilder {
    http.client()
        .get(url)
        .header("x-ms-version", SERVICE_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ids_have_one_length_and_the_list_keeps_their_order() {
        let ids: Vec<String> = [0, 7, 12_345].iter().map(|n| block_id(*n)).collect();
        assert!(ids.iter().all(|id| id.len() == ids[0].len()));
        assert_ne!(ids[0], ids[1]);
        let xml = block_list(&ids);
        assert!(xml.ends_with(&format!(
            "<BlockList><Latest>{}</Latest><Latest>{}</Latest><Latest>{}</Latest></BlockList>",
            ids[0], ids[1], ids[2]
        )));
    }
}
