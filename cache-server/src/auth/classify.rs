//! Which right a request needs, from its path, method and query alone.
//!
//! `/v2/<name>/{blobs,manifests,tags,referrers}/...` needs read (GET, HEAD) or write (POST,
//! PUT, PATCH, DELETE) on `<name>`; a cross-repository mount (`POST
//! /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`) also needs read on `<other>`. `/v2/`
//! and other `/v2/...` paths (`_catalog`) need valid credentials, or anonymous read (the
//! middleware challenges `/v2/` itself even then). Paths outside `/v2` are classified by the
//! caller's configuration. The path is percent-decoded before it is split, as the router's
//! captures are, so `proj%2Fmain` is `proj/main` here too.

use axum::http::Method;

use crate::config::Access;
use crate::query::QueryParams;

/// What a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// `access` on `repository`, and read on `mount_from` when set.
    Repository {
        /// The repository.
        repository: String,
        /// Read or write.
        access: Access,
        /// The source repository of a cross-repository mount.
        mount_from: Option<String>,
    },
    /// `/v2/` and other `/v2` paths: valid credentials (or anonymous read).
    Registry,
    /// Not a `/v2` path.
    Other,
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parses `a=b&c=d` into decoded pairs (`+` is a space), skipping malformed pairs.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                percent_decode(&k.replace('+', " "))?,
                percent_decode(&v.replace('+', " "))?,
            ))
        })
        .collect()
}

fn access_of(method: &Method) -> Access {
    if method == Method::GET || method == Method::HEAD || method == Method::OPTIONS {
        Access::Read
    } else {
        Access::Write
    }
}

/// Classifies a request; `None` for a `/v2` path that does not decode (the middleware rejects
/// it rather than guess).
pub fn classify(method: &Method, path: &str, query: Option<&str>) -> Option<Need> {
    let Some(rest) = path.strip_prefix("/v2") else {
        return Some(Need::Other);
    };
    if !rest.is_empty() && !rest.starts_with('/') {
        return Some(Need::Other);
    }
    let rest = percent_decode(rest)?;
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let n = segments.len();
    let name_len = if n >= 4 && segments[n - 3] == "blobs" && segments[n - 2] == "uploads" {
        Some(n - 3)
    } else if n >= 3
        && (matches!(segments[n - 2], "blobs" | "manifests" | "referrers")
            || (segments[n - 2] == "tags" && segments[n - 1] == "list"))
    {
        Some(n - 2)
    } else {
        None
    };
    let Some(name_len) = name_len else {
        return Some(Need::Registry);
    };
    let repository = segments[..name_len].join("/");
    let access = access_of(method);
    let mount_from = if access == Access::Write && segments.get(name_len + 1) == Some(&"uploads") {
        // Decoded as the upload handler decodes it ([`QueryParams`]): the repository read
        // here is the one the handler mounts from; a repeated `mount` or `from` is refused.
        let params = QueryParams::parse(query);
        params.unique("mount").ok()?;
        params.unique("from").ok()?.map(str::to_string)
    } else {
        None
    };
    Some(Need::Repository {
        repository,
        access,
        mount_from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str, access: Access) -> Option<Need> {
        Some(Need::Repository {
            repository: name.into(),
            access,
            mount_from: None,
        })
    }

    #[test]
    fn distribution_paths() {
        let get = Method::GET;
        assert_eq!(classify(&get, "/v2/", None), Some(Need::Registry));
        assert_eq!(classify(&get, "/v2", None), Some(Need::Registry));
        assert_eq!(classify(&get, "/v2/_catalog", None), Some(Need::Registry));
        assert_eq!(classify(&get, "/healthz", None), Some(Need::Other));
        assert_eq!(
            classify(&get, "/v2x/a/manifests/b", None),
            Some(Need::Other)
        );
        assert_eq!(
            classify(&get, "/v2/a/b/manifests/latest", None),
            repo("a/b", Access::Read)
        );
        assert_eq!(
            classify(&Method::HEAD, "/v2/a/blobs/sha256:00", None),
            repo("a", Access::Read)
        );
        assert_eq!(
            classify(&Method::PUT, "/v2/p/main/manifests/cache", None),
            repo("p/main", Access::Write)
        );
        assert_eq!(
            classify(&Method::POST, "/v2/p/main/blobs/uploads/", None),
            repo("p/main", Access::Write)
        );
        assert_eq!(
            classify(&Method::PATCH, "/v2/p/main/blobs/uploads/abc-123", None),
            repo("p/main", Access::Write)
        );
        assert_eq!(
            classify(&Method::DELETE, "/v2/p/blobs/sha256:00", None),
            repo("p", Access::Write)
        );
        assert_eq!(
            classify(&get, "/v2/p/x/tags/list", Some("n=10")),
            repo("p/x", Access::Read)
        );
        assert_eq!(
            classify(&get, "/v2/p/referrers/sha256:00", None),
            repo("p", Access::Read)
        );
        assert_eq!(
            classify(&Method::PUT, "/v2/proj%2Fmain/manifests/x", None),
            repo("proj/main", Access::Write)
        );
        assert_eq!(classify(&get, "/v2/a%zz/manifests/x", None), None);
    }

    #[test]
    fn mounts_need_read_on_the_source() {
        assert_eq!(
            classify(
                &Method::POST,
                "/v2/p/pr-1/blobs/uploads/",
                Some("mount=sha256%3A00&from=p%2Fmain")
            ),
            Some(Need::Repository {
                repository: "p/pr-1".into(),
                access: Access::Write,
                mount_from: Some("p/main".into()),
            })
        );
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            query_pairs("scope=repository%3Aa%2Fb%3Apull&service=x+y&flag"),
            vec![
                ("scope".into(), "repository:a/b:pull".into()),
                ("service".into(), "x y".into()),
                ("flag".into(), String::new()),
            ]
        );
    }
}
