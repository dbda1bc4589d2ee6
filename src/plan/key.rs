//! The cache key encoding, `rbuild-key-v1` (DESIGN.md, "The cache key"). Keep it stable: every
//! remote cache ever written is addressed by these bytes.
//!
//! A key is `sha256:<hex>` of a byte stream built by [`KeyHasher`]:
//!
//! ```text
//! stream  = field("rbuild-key-v1", kind) field*
//! field   = u64be(len(name)) name u64be(len(value)) value
//! list    = field(name, u64be(count)) then one field(name + "[]", item) per item
//! ```
//!
//! Names and values are raw bytes (UTF-8 for text). Every field is length-prefixed, so no two
//! different sequences of fields encode to the same stream. Nothing here uses `std::hash`, `Debug`
//! output or serde: a change of a Rust dependency can never change a key. A change of what a key
//! covers must bump the version string, which invalidates every record at once.
//!
//! Which fields each kind of step writes is defined in `plan::steps` and listed in its docs.

use sha2::{Digest as _, Sha256};

/// The version tag that starts every key's byte stream.
pub const KEY_VERSION: &str = "rbuild-key-v1";

pub use crate::digest::Digest;

/// Builds one key from named, length-prefixed fields.
pub struct KeyHasher {
    sha: Sha256,
}

impl KeyHasher {
    /// Starts a key of the given kind (`"from"`, `"step"`, ...).
    pub fn new(kind: &str) -> Self {
        let mut h = Self { sha: Sha256::new() };
        h.bytes(KEY_VERSION, kind.as_bytes());
        h
    }

    /// Adds a field of raw bytes.
    pub fn bytes(&mut self, name: &str, value: &[u8]) -> &mut Self {
        self.sha.update((name.len() as u64).to_be_bytes());
        self.sha.update(name.as_bytes());
        self.sha.update((value.len() as u64).to_be_bytes());
        self.sha.update(value);
        self
    }

    /// Adds a text field.
    pub fn str(&mut self, name: &str, value: &str) -> &mut Self {
        self.bytes(name, value.as_bytes())
    }

    /// Adds an optional text field: absent and empty stay distinct.
    pub fn opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            None => self.bytes(name, b"\0none"),
            Some(v) => self.bytes(name, format!("\0some{v}").as_bytes()),
        }
    }

    /// Adds a boolean field.
    pub fn flag(&mut self, name: &str, value: bool) -> &mut Self {
        self.bytes(name, if value { b"1" } else { b"0" })
    }

    /// Adds a list of text items, its length first.
    pub fn list<S: AsRef<str>>(&mut self, name: &str, items: &[S]) -> &mut Self {
        self.bytes(name, &(items.len() as u64).to_be_bytes());
        let item_name = format!("{name}[]");
        for item in items {
            self.str(&item_name, item.as_ref());
        }
        self
    }

    /// Adds a list of `(key, value)` pairs in the order given.
    pub fn pairs<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        name: &str,
        items: &[(K, V)],
    ) -> &mut Self {
        self.bytes(name, &(items.len() as u64).to_be_bytes());
        let key_name = format!("{name}.k");
        let value_name = format!("{name}.v");
        for (k, v) in items {
            self.str(&key_name, k.as_ref());
            self.str(&value_name, v.as_ref());
        }
        self
    }

    /// Adds another digest (a parent key, a content digest).
    pub fn digest(&mut self, name: &str, d: &Digest) -> &mut Self {
        self.str(name, d.as_str())
    }

    /// The finished key.
    pub fn finish(self) -> Digest {
        Digest::from_sha256(self.sha.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_value_never_changes() {
        // If this changes, every cache ever written is orphaned: bump KEY_VERSION instead. The value
        // was computed independently from the documented encoding (Python hashlib + struct).
        let mut h = KeyHasher::new("step");
        h.str("cmd", "echo hi")
            .list("env", &["A=1", "B=2"])
            .flag("link", true);
        assert_eq!(
            h.finish().as_str(),
            "sha256:9a7d8f737e376ef4847705326b790cd5c42578bddf4a4bea1b142757f775c717"
        );
    }

    #[test]
    fn fields_do_not_run_into_each_other() {
        let k = |a: &str, b: &str| {
            let mut h = KeyHasher::new("t");
            h.str("a", a).str("b", b);
            h.finish()
        };
        assert_ne!(k("ab", "c"), k("a", "bc"));
        let l = |items: &[&str]| {
            let mut h = KeyHasher::new("t");
            h.list("l", items);
            h.finish()
        };
        assert_ne!(l(&["a b"]), l(&["a", "b"]));
        assert_ne!(l(&[]), l(&[""]));
        let o = |v: Option<&str>| {
            let mut h = KeyHasher::new("t");
            h.opt("o", v);
            h.finish()
        };
        assert_ne!(o(None), o(Some("")));
    }
}
