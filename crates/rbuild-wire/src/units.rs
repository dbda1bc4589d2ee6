//! Sizes as both binaries read them: the docker CLI's grammar (go-units `RAMInBytes`, what
//! `docker buildx prune --keep-storage` and BuildKit's `keepBytes` settings accept). One grammar,
//! so `--mount-cache-max-size 2GB` on a runner and `limits.max_bytes: 2GB` in the cache server's
//! configuration mean the same bytes.
//!
//! A size is a number (a decimal fraction allowed), an optional space, and an optional unit:
//! `k`, `m`, `g`, `t` or `p`, in any case, with an optional `i` and an optional `b`. Every unit
//! is binary, as in Docker: `10GB`, `10GiB`, `10g` are all 10 x 1024^3 bytes; `512m` is
//! 512 x 1024^2; a bare number (or `B`) is bytes. Surrounding whitespace is ignored.

use std::fmt;

/// A size that does not parse (or does not fit in 64 bits); says what was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeError {
    /// The text as given.
    pub text: String,
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid size: {:?} (want bytes or a number with k, m, g, t or p, e.g. 512MB, \
             10GB, 1.5GiB: binary units, as Docker's)",
            self.text
        )
    }
}

impl std::error::Error for SizeError {}

/// Parses `text` as the module docs say.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let err = || SizeError {
        text: text.to_string(),
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(err());
    }
    let unit = unit.strip_prefix(' ').unwrap_or(unit).to_ascii_lowercase();
    let mut rest = unit.as_str();
    let mut shift = 0u32;
    if let Some(first) = rest.chars().next()
        && let Some(i) = "kmgtp".find(first)
    {
        shift = 10 * (i as u32 + 1);
        rest = &rest[1..];
    }
    rest = rest.strip_prefix('i').unwrap_or(rest);
    rest = rest.strip_prefix('b').unwrap_or(rest);
    if !rest.is_empty() {
        return Err(err());
    }
    // Whole numbers exactly; fractions through f64, as go-units does.
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(1u64 << shift).ok_or_else(err);
    }
    let value: f64 = number.parse().map_err(|_| err())?;
    let bytes = value * 2f64.powi(shift as i32);
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_dockers() {
        for (text, want) in [
            ("0", 0),
            ("123", 123),
            ("123b", 123),
            ("1k", 1 << 10),
            ("1KB", 1 << 10),
            ("1kib", 1 << 10),
            ("512m", 512 << 20),
            ("512 MB", 512 << 20),
            ("10GB", 10 << 30),
            ("10GiB", 10 << 30),
            ("10g", 10 << 30),
            (" 2t ", 2 << 40),
            ("1p", 1 << 50),
            ("1.5GiB", 3 << 29),
            ("0.5k", 512),
        ] {
            assert_eq!(parse_size(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "k",
            ".5k",
            "5.k",
            "1..5k",
            "10 parsecs",
            "1kk",
            "1bi",
            "-1",
            "1  k",
            "99999999999999999999",
            "16777216t",
            "99999999999999999999999999p",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
        let message = parse_size("lots").unwrap_err().to_string();
        assert!(
            message.contains("\"lots\"") && message.contains("binary"),
            "{message}"
        );
    }
}
