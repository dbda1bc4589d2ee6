//! The object keys of an S3 cache, all under the spec's `prefix=` (put in front as given, as
//! BuildKit does: write `prefix=app/` for an `app/` folder):
//!
//! * `<prefix>blobs/sha256/<hex>`: layer blobs and records documents (the index's config);
//! * `<prefix>index/<scope>/<name>`: the manifest JSON of one scope's index (`name=`, `cache`
//!   by default);
//! * `<prefix>index/<scope>/<name>.mount/<key>`: the scope's manifest of mount cache `<key>`.

use crate::cache::remote::document::DocName;
use crate::digest::Digest;

/// The key layout of one cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
    name: String,
}

impl Keys {
    /// The layout for `prefix=` and `name=`.
    pub fn new(prefix: &str, name: &str) -> Self {
        Self {
            prefix: prefix.to_string(),
            name: name.to_string(),
        }
    }

    /// `<prefix>blobs/sha256/<hex>`.
    pub fn blob(&self, digest: &Digest) -> String {
        format!("{}blobs/sha256/{}", self.prefix, digest.hex())
    }

    /// `<prefix>index/<scope>/<name>`; `None` for a scope that would escape its folder or
    /// name none (empty, `.`, `..`, or containing `/`). Scopes come from
    /// `rbuild_wire::scope`, which never makes such names.
    pub fn index(&self, scope: &str) -> Option<String> {
        self.doc(scope, &DocName::Index)
    }

    /// The key of `scope`'s document `name`: [`Keys::index`] for the index,
    /// `<prefix>index/<scope>/<name>.mount/<key>` for a mount-cache manifest.
    pub fn doc(&self, scope: &str, doc: &DocName) -> Option<String> {
        let bad = |s: &str| s.is_empty() || s == "." || s == ".." || s.contains('/');
        if bad(scope) || bad(&self.name) {
            return None;
        }
        match doc {
            DocName::Index => Some(format!("{}index/{scope}/{}", self.prefix, self.name)),
            DocName::Mount(key) if !bad(key) => Some(format!(
                "{}index/{scope}/{}.mount/{key}",
                self.prefix, self.name
            )),
            DocName::Mount(_) => None,
        }
    }
}

/// The `x-amz-copy-source` value of `key` in `bucket`: `bucket/key`, percent-encoded except for
/// the characters S3 keys commonly use unescaped (`/`, unreserved URL characters).
pub fn copy_source(bucket: &str, key: &str) -> String {
    let mut out = String::with_capacity(bucket.len() + key.len() + 1);
    for (i, part) in [bucket, key].into_iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_and_indexes_under_the_prefix_as_given() {
        let d = Digest::of(b"layer");
        let hex = d.hex().to_string();
        let keys = Keys::new("ci/app/", "cache");
        assert_eq!(keys.blob(&d), format!("ci/app/blobs/sha256/{hex}"));
        assert_eq!(
            keys.index("main").as_deref(),
            Some("ci/app/index/main/cache")
        );
        // No prefix: keys at the bucket's root.
        let root = Keys::new("", "linux-amd64");
        assert_eq!(root.blob(&d), format!("blobs/sha256/{hex}"));
        assert_eq!(
            root.index("pr-12").as_deref(),
            Some("index/pr-12/linux-amd64")
        );
        // A prefix without a slash is glued on, as BuildKit does.
        assert_eq!(
            Keys::new("app-", "cache").blob(&d),
            format!("app-blobs/sha256/{hex}")
        );
    }

    #[test]
    fn scopes_and_names_that_would_leave_their_folder_are_refused() {
        let keys = Keys::new("p/", "cache");
        for bad in ["", ".", "..", "a/b", "/"] {
            assert_eq!(keys.index(bad), None, "{bad:?}");
        }
        assert_eq!(Keys::new("p/", "a/b").index("main"), None);
        assert_eq!(Keys::new("p/", "..").index("main"), None);
    }

    #[test]
    fn copy_sources_are_percent_encoded() {
        assert_eq!(
            copy_source("bkt", "p/blobs/sha256/ab"),
            "bkt/p/blobs/sha256/ab"
        );
        assert_eq!(copy_source("bkt", "a b+c"), "bkt/a%20b%2Bc");
        assert_eq!(copy_source("bkt", "é"), "bkt/%C3%A9");
    }
}
