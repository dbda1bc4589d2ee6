//! Cache scope names: the path component a branch's or a pull request's cache lives under
//! (`<project>/<scope>` in a registry, `index/<scope>/` in S3, `_gha/<scope>` on the cache
//! server). DESIGN.md "Scopes": a scope name is the branch name made safe; when making it safe
//! changes it, a hash of the original is appended, so no other branch can write `main`'s
//! scope; and `pr-<N>` is reserved for pull requests.
//!
//! * [`clean`]: the safe form (lowercase `[a-z0-9._-]`, a valid distribution path component).
//!   Idempotent; used as is only for names a person chose (`RBUILD_CACHE_SCOPE`, `scope=`) and
//!   for names that already are scopes (the cache server's resolve chain).
//! * [`branch`]: a branch's scope. The branch's own name when it is already clean; otherwise
//!   (`Main`, `main-`, `MAIN/`, `feature/x`) the clean form plus `-` and 16 hex digits of the
//!   name's sha256. A clean name that looks like a hashed one (ends in `-` and 16 hex digits)
//!   is hashed too, so a branch cannot be named after another's scope; one that starts with
//!   `pr-` becomes `br-pr-...-<hash>`, so a branch never writes, or matches a `pr-*` grant for,
//!   a pull request's scope.
//! * [`pull_request`]: `pr-<N>`, the only way to that name.

use sha2::{Digest as _, Sha256};

/// Longest scope name.
pub const MAX_LEN: usize = 100;

/// Hex digits of the sha256 appended to a branch name that [`branch`] changed (64 bits: finding
/// another branch name with the same suffix and clean form is out of reach).
const HASH_HEX: usize = 16;

/// The prefix reserved for pull requests' scopes.
const PR_PREFIX: &str = "pr-";

/// What a branch name that starts with [`PR_PREFIX`] is prefixed with.
const BRANCH_PREFIX: &str = "br-";

/// A pull request's scope: `pr-<number>`.
pub fn pull_request(number: u64) -> String {
    format!("{PR_PREFIX}{number}")
}

/// A branch's scope (see the module docs): `main` -> `main`, `feature/Login` ->
/// `feature-login-<16 hex>`, `pr-7` -> `br-pr-7-<16 hex>`.
pub fn branch(name: &str) -> String {
    let cleaned = clean(name);
    let reserved = cleaned.starts_with(PR_PREFIX);
    if cleaned == name && !reserved && !looks_hashed(&cleaned) {
        return cleaned;
    }
    let hash = hex::encode(Sha256::digest(name.as_bytes()));
    let prefix = if reserved { BRANCH_PREFIX } else { "" };
    let room = MAX_LEN - prefix.len() - 1 - HASH_HEX;
    let head = cut(&cleaned, room).trim_end_matches(is_sep);
    format!("{prefix}{head}-{}", &hash[..HASH_HEX])
}

/// Whether `s` ends like a name [`branch`] hashed: `-` and [`HASH_HEX`] lowercase hex digits.
fn looks_hashed(s: &str) -> bool {
    s.len() > HASH_HEX
        && s.as_bytes()[s.len() - HASH_HEX - 1] == b'-'
        && s[s.len() - HASH_HEX..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The first `max` bytes of `s` (it is ASCII: [`clean`]'s output).
fn cut(s: &str, max: usize) -> &str {
    &s[..s.len().min(max)]
}

fn is_sep(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// A name made safe for tags, object keys and repository path components: lowercase ASCII
/// letters, digits, `.`, `_` and `-`; every other character becomes `-`; leading and trailing
/// separators are dropped and a run of separators other than `.`, `_`, `__` or dashes becomes
/// one `-`. Empty becomes `default`; longer than [`MAX_LEN`] keeps 87 characters plus `-` and
/// 12 hex digits of the name's sha256. `clean(clean(x)) == clean(x)`.
pub fn clean(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || is_sep(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches(is_sep);
    let mut out = String::with_capacity(trimmed.len());
    let mut run = String::new();
    for c in trimmed.chars() {
        if is_sep(c) {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            let valid = matches!(run.as_str(), "." | "_" | "__") || run.chars().all(|r| r == '-');
            out.push_str(if valid { &run } else { "-" });
            run.clear();
        }
        out.push(c);
    }
    if out.is_empty() {
        return "default".to_string();
    }
    if out.len() > MAX_LEN {
        let hash = hex::encode(Sha256::digest(name.as_bytes()));
        let head = out[..MAX_LEN - 13].trim_end_matches(is_sep);
        return format!("{head}-{}", &hash[..12]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_makes_path_components() {
        assert_eq!(clean("main"), "main");
        assert_eq!(clean("feature/Login"), "feature-login");
        assert_eq!(clean("release/1.2"), "release-1.2");
        assert_eq!(
            clean("dependabot/npm_and_yarn/x"),
            "dependabot-npm_and_yarn-x"
        );
        assert_eq!(clean("Ünïcode"), "n-code");
        assert_eq!(clean("a..b"), "a-b");
        assert_eq!(clean("a._b"), "a-b");
        assert_eq!(clean("a__b"), "a__b");
        assert_eq!(clean("a---b"), "a---b");
        assert_eq!(clean("-.x_"), "x");
        assert_eq!(clean("///"), "default");
        assert_eq!(clean(""), "default");
        let long = clean(&"x".repeat(300));
        assert_eq!(long.len(), MAX_LEN);
        assert_ne!(long, clean(&"x".repeat(301)));
        for b in ["feature/Login", "a._b", "Ünïcode", &"y".repeat(200)] {
            assert_eq!(clean(&clean(b)), clean(b), "{b}");
        }
    }

    /// The names that used to collide with `main`'s or a pull request's.
    #[test]
    fn no_other_branch_gets_mains_or_a_pull_requests_scope() {
        assert_eq!(branch("main"), "main");
        assert_eq!(branch("release-1.2"), "release-1.2");
        let main = branch("main");
        for other in ["Main", "main-", "main_", "MAIN/", "/main", "main.", "mAin"] {
            let s = branch(other);
            assert_ne!(s, main, "{other}");
            assert_eq!(clean(&s), s, "{other}: a scope is clean");
            assert!(s.starts_with("main-"), "{other}: {s}");
        }
        // Different names never share a hashed scope.
        assert_ne!(branch("Main"), branch("MAIN"));
        // pr-<N> is a pull request's only.
        assert_eq!(pull_request(7), "pr-7");
        for b in ["pr-7", "pr/7", "PR-7", "pr-foo"] {
            let s = branch(b);
            assert!(!s.starts_with("pr-"), "{b}: {s}");
            assert!(s.starts_with("br-pr-"), "{b}: {s}");
        }
        // A branch named after another branch's hashed scope is hashed again.
        let login = branch("feature/Login");
        assert_eq!(login.len(), "feature-login-".len() + HASH_HEX);
        assert_ne!(branch(&login), login);
        // Long names stay within the limit.
        for b in ["x".repeat(300), format!("pr-{}", "y".repeat(300))] {
            let s = branch(&b);
            assert!(s.len() <= MAX_LEN, "{s}");
            assert_eq!(clean(&s), s);
        }
    }
}
