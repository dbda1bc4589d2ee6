//! Repository names as the distribution spec defines them:
//! `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, at most 255
//! characters.

use super::error::{RegistryError, Result};

/// Longest accepted repository name.
pub const MAX_LEN: usize = 255;

/// Checks a repository name against the spec's grammar (`NAME_INVALID` otherwise).
pub fn validate(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_LEN || !name.split('/').all(component_ok) {
        return Err(RegistryError::NameInvalid(name.to_string()));
    }
    Ok(())
}

/// One path component: alphanumeric runs joined by `.`, `_`, `__` or one or more `-`.
fn component_ok(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    let mut expect_alnum = true;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or_default();
        if alnum(b) {
            expect_alnum = false;
            i += 1;
            continue;
        }
        if expect_alnum {
            return false;
        }
        // A separator: `.`, `_`, `__` or `-+`.
        let run = bytes.get(i..).unwrap_or_default();
        let len = match b {
            b'.' => 1,
            b'_' if run.get(1) == Some(&b'_') => 2,
            b'_' => 1,
            b'-' => run.iter().take_while(|&&c| c == b'-').count(),
            _ => return false,
        };
        i += len;
        expect_alnum = true;
    }
    !expect_alnum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_spec_grammar() {
        for ok in [
            "a",
            "library/debian",
            "p0/s0",
            "my-org/app__x/feature--branch",
            "a.b_c/d-e",
            "x/y/z/w",
        ] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "", "A", "a//b", "/a", "a/", "-a", "a-", "a..b", "a___b", "a._b", "a/B", "a b", "a:b",
        ] {
            assert!(
                matches!(validate(bad), Err(RegistryError::NameInvalid(_))),
                "{bad:?}"
            );
        }
        assert!(validate(&"a".repeat(256)).is_err());
        assert!(validate(&"a".repeat(255)).is_ok());
    }
}
