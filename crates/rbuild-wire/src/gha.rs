//! The messages of the GitHub Actions cache service v2 (twirp JSON,
//! `github.actions.results.api.v1.CacheService`), as `@actions/cache` writes and reads them:
//! protobuf field names (`useProtoFieldName`), camelCase accepted on reading, every field
//! optional with its zero value, int64 fields written as strings (protobuf JSON) and read as a
//! string or a number. rbuild's `type=gha` client writes the requests and reads the answers;
//! the cache server reads the requests and writes the answers: both with these types.

use serde::{Deserialize, Serialize};

/// The path of the service's methods (`<base>/<SERVICE_PATH><Method>`).
pub const SERVICE_PATH: &str = "twirp/github.actions.results.api.v1.CacheService/";

/// `CreateCacheEntry`: reserve `key` at `version` in the job's write scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateCacheEntryRequest {
    /// The entry's key.
    pub key: String,
    /// The entry's version (a hash of its paths and compression).
    pub version: String,
}

/// The answer to [`CreateCacheEntryRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateCacheEntryResponse {
    /// Whether the entry was reserved.
    pub ok: bool,
    /// Where to upload the archive.
    #[serde(alias = "signedUploadUrl")]
    pub signed_upload_url: String,
}

/// `FinalizeCacheEntryUpload`: the uploaded archive of `size_bytes` becomes the entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FinalizeCacheEntryUploadRequest {
    /// The entry's key.
    pub key: String,
    /// The entry's version.
    pub version: String,
    /// The archive's size: int64, a string in protobuf JSON (a number is accepted on reading);
    /// `None` when absent.
    #[serde(
        alias = "sizeBytes",
        with = "int64",
        skip_serializing_if = "Option::is_none"
    )]
    pub size_bytes: Option<u64>,
}

/// The answer to [`FinalizeCacheEntryUploadRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FinalizeCacheEntryUploadResponse {
    /// Whether the entry was finalized.
    pub ok: bool,
    /// The entry's id (int64, a string in protobuf JSON).
    #[serde(alias = "entryId")]
    pub entry_id: String,
}

/// `GetCacheEntryDownloadURL`: the first entry matching `key`, then each of `restore_keys` as a
/// prefix, along the job's readable scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GetCacheEntryDownloadUrlRequest {
    /// The exact key looked for first.
    pub key: String,
    /// Key prefixes tried next, in order.
    #[serde(alias = "restoreKeys")]
    pub restore_keys: Vec<String>,
    /// The entry's version.
    pub version: String,
}

/// The answer to [`GetCacheEntryDownloadUrlRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GetCacheEntryDownloadUrlResponse {
    /// Whether an entry was found.
    pub ok: bool,
    /// Where to download it.
    #[serde(alias = "signedDownloadUrl")]
    pub signed_download_url: String,
    /// The key of the entry found.
    #[serde(alias = "matchedKey")]
    pub matched_key: String,
}

/// An optional int64 written as a string and read from a string or a number.
mod int64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(value: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(n) => s.serialize_str(&n.to_string()),
            None => s.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Number(u64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<Wire>::deserialize(d)? {
            None => Ok(None),
            Some(Wire::Number(n)) => Ok(Some(n)),
            Some(Wire::Text(t)) => t
                .parse()
                .map(Some)
                .map_err(|_| D::Error::custom(format!("size_bytes {t:?} is not a size"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_as_actions_cache_writes_them() {
        let r: FinalizeCacheEntryUploadRequest =
            serde_json::from_str(r#"{"key":"k","version":"v","size_bytes":"1234"}"#).unwrap();
        assert_eq!(r.size_bytes, Some(1234));
        let r: FinalizeCacheEntryUploadRequest =
            serde_json::from_str(r#"{"key":"k","version":"v","sizeBytes":77}"#).unwrap();
        assert_eq!(r.size_bytes, Some(77));
        let r: FinalizeCacheEntryUploadRequest =
            serde_json::from_str(r#"{"key":"k","version":"v"}"#).unwrap();
        assert_eq!(r.size_bytes, None);
        assert!(
            serde_json::from_str::<FinalizeCacheEntryUploadRequest>(r#"{"size_bytes":"x"}"#)
                .is_err()
        );
        let r: GetCacheEntryDownloadUrlRequest =
            serde_json::from_str(r#"{"key":"k","restoreKeys":["a","b"],"version":"v"}"#).unwrap();
        assert_eq!(r.restore_keys, ["a", "b"]);
    }

    #[test]
    fn what_one_side_writes_the_other_reads() {
        let finalize = FinalizeCacheEntryUploadRequest {
            key: "k".into(),
            version: "v".into(),
            size_bytes: Some(u64::MAX),
        };
        let text = serde_json::to_string(&finalize).unwrap();
        assert!(
            text.contains(r#""size_bytes":"18446744073709551615""#),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<FinalizeCacheEntryUploadRequest>(&text).unwrap(),
            finalize
        );
        let found = GetCacheEntryDownloadUrlResponse {
            ok: true,
            signed_download_url: "http://x/y".into(),
            matched_key: "k-1".into(),
        };
        let text = serde_json::to_string(&found).unwrap();
        assert_eq!(
            serde_json::from_str::<GetCacheEntryDownloadUrlResponse>(&text).unwrap(),
            found
        );
    }
}
