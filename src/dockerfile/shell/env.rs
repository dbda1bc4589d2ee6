//! Where variable values come from: the [`Env`] trait and its implementations.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// Variables visible to an expansion.
///
/// Names are compared exactly (case-sensitively), as BuildKit does for Linux targets.
pub trait Env {
    /// The value of `name`, or `None` when it is not set (set-but-empty is `Some("")`).
    fn get(&self, name: &str) -> Option<&str>;
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

impl<S: BuildHasher> Env for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<&str> {
        HashMap::get(self, name).map(String::as_str)
    }
}

/// Ordered `(name, value)` pairs; when a name occurs more than once the last entry wins.
impl<K: AsRef<str>, V: AsRef<str>> Env for Vec<(K, V)> {
    fn get(&self, name: &str) -> Option<&str> {
        self.as_slice().get_last(name)
    }
}

/// Ordered `(name, value)` pairs; when a name occurs more than once the last entry wins.
impl<K: AsRef<str>, V: AsRef<str>> Env for [(K, V)] {
    fn get(&self, name: &str) -> Option<&str> {
        self.get_last(name)
    }
}

trait LastPair {
    fn get_last(&self, name: &str) -> Option<&str>;
}

impl<K: AsRef<str>, V: AsRef<str>> LastPair for [(K, V)] {
    fn get_last(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.as_ref())
    }
}

impl<E: Env + ?Sized> Env for &E {
    fn get(&self, name: &str) -> Option<&str> {
        (**self).get(name)
    }
}

/// No variable is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoEnv;

impl Env for NoEnv {
    fn get(&self, _name: &str) -> Option<&str> {
        None
    }
}

/// A list of `NAME=value` strings, read like BuildKit's `EnvsFromSlice`: the text before the
/// first `=` is the name, an entry without `=` sets its name to the empty string, and the last
/// entry for a name wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyValueEnv<'a, S>(pub &'a [S]);

impl<S: AsRef<str>> Env for KeyValueEnv<'_, S> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find_map(|entry| {
            let entry = entry.as_ref();
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            (key == name).then_some(value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_env_reads_like_envs_from_slice() {
        let empty: [&str; 0] = [];
        assert_eq!(KeyValueEnv(&empty).get("foo"), None);
        assert_eq!(KeyValueEnv(&["foo"]).get("foo"), Some(""));
        assert_eq!(KeyValueEnv(&["foo="]).get("foo"), Some(""));
        assert_eq!(KeyValueEnv(&["foo=bar"]).get("foo"), Some("bar"));
        let two = ["foo=bar", "car=hat"];
        assert_eq!(KeyValueEnv(&two).get("foo"), Some("bar"));
        assert_eq!(KeyValueEnv(&two).get("car"), Some("hat"));
        let three = ["foo=bar".to_string(), "car=hat".into(), "car=bike".into()];
        assert_eq!(KeyValueEnv(&three).get("car"), Some("bike"));
        assert_eq!(KeyValueEnv(&["a=b=c"]).get("a"), Some("b=c"));
        assert_eq!(KeyValueEnv(&["a=b"]).get("A"), None);
    }

    #[test]
    fn pairs_last_entry_wins() {
        let pairs = vec![("A", "1"), ("B", ""), ("A", "2")];
        assert_eq!(Env::get(&pairs, "A"), Some("2"));
        assert_eq!(Env::get(&pairs, "B"), Some(""));
        assert_eq!(Env::get(&pairs, "C"), None);
        assert_eq!(Env::get(pairs.as_slice(), "A"), Some("2"));
    }

    #[test]
    fn maps_and_references() {
        let mut map = BTreeMap::new();
        map.insert("X".to_string(), "y".to_string());
        let hash: HashMap<String, String> = map.clone().into_iter().collect();
        assert_eq!(Env::get(&&map, "X"), Some("y"));
        assert_eq!(Env::get(&hash, "X"), Some("y"));
        assert_eq!(NoEnv.get("X"), None);
    }
}
