//! Signed blob URLs: the server hands out `/_gha/blobs/<name>?sp=<r|w>&se=<expiry>&sig=<hmac>`
//! and accepts only URLs whose HMAC-SHA256 (over permission, name and expiry, with the server's
//! signing key) matches and whose expiry has not passed. `w` URLs upload an entry's archive
//! (`<name>` is the upload id), `r` URLs download a stored blob (`<name>` is its digest's hex).

use std::time::{SystemTime, UNIX_EPOCH};

/// Path prefix of the signed blob URLs.
pub const BLOB_PATH: &str = "/_gha/blobs/";

/// What a signed URL allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// HEAD and GET of a stored blob.
    Read,
    /// PUT of an upload's blocks, block list or whole blob.
    Write,
}

impl Permission {
    fn code(self) -> &'static str {
        match self {
            Self::Read => "r",
            Self::Write => "w",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "r" => Some(Self::Read),
            "w" => Some(Self::Write),
            _ => None,
        }
    }
}

/// Why a signed URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// `sp`, `se` or `sig` is missing or malformed.
    #[error("the URL carries no valid signature")]
    Missing,
    /// The HMAC does not match.
    #[error("the URL's signature does not match")]
    Mismatch,
    /// The URL expired.
    #[error("the URL expired")]
    Expired,
    /// The URL allows another operation.
    #[error("the URL does not allow this operation")]
    WrongPermission,
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub use crate::mac::hmac_sha256;

/// Signs and checks blob URLs with one key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer with `key` (keep it secret and the same across replicas sharing a database).
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Self { key: key.into() }
    }

    fn mac(&self, permission: Permission, name: &str, expiry: u64) -> String {
        let message = format!("{}\n{name}\n{expiry}", permission.code());
        hex::encode(hmac_sha256(&self.key, message.as_bytes()))
    }

    /// The path and query of a URL allowing `permission` on `name` until `expiry`.
    pub fn path(&self, permission: Permission, name: &str, expiry: u64) -> String {
        format!(
            "{BLOB_PATH}{name}?sp={}&se={expiry}&sig={}",
            permission.code(),
            self.mac(permission, name, expiry)
        )
    }

    /// Checks the `sp`, `se` and `sig` query parameters of a request for `name` that needs
    /// `permission`, at time `now`.
    pub fn verify(
        &self,
        name: &str,
        query: &[(String, String)],
        permission: Permission,
        now: u64,
    ) -> Result<(), SignError> {
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let sp = get("sp")
            .and_then(Permission::parse)
            .ok_or(SignError::Missing)?;
        let se: u64 = get("se")
            .and_then(|s| s.parse().ok())
            .ok_or(SignError::Missing)?;
        let sig = get("sig").ok_or(SignError::Missing)?;
        let expected = self.mac(sp, name, se);
        let same = expected.len() == sig.len()
            && expected
                .bytes()
                .zip(sig.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(SignError::Mismatch);
        }
        if se < now {
            return Err(SignError::Expired);
        }
        if sp != permission {
            return Err(SignError::WrongPermission);
        }
        Ok(())
    }
}

/// `seconds` since the epoch as an HTTP date (RFC 7231 IMF-fixdate), as `Last-Modified` needs.
pub fn http_date(seconds: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = seconds / 86_400;
    let rem = seconds % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(path: &str) -> Vec<(String, String)> {
        let q = path.split_once('?').map(|(_, q)| q).unwrap_or_default();
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn signed_urls_verify_only_unchanged_and_in_time() {
        let signer = Signer::new(b"k".to_vec());
        let path = signer.path(Permission::Write, "abc", 100);
        assert!(path.starts_with("/_gha/blobs/abc?sp=w&se=100&sig="));
        let q = query(&path);
        assert_eq!(signer.verify("abc", &q, Permission::Write, 50), Ok(()));
        assert_eq!(
            signer.verify("abd", &q, Permission::Write, 50),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            signer.verify("abc", &q, Permission::Write, 101),
            Err(SignError::Expired)
        );
        assert_eq!(
            signer.verify("abc", &q, Permission::Read, 50),
            Err(SignError::WrongPermission)
        );
        assert_eq!(
            Signer::new(b"other".to_vec()).verify("abc", &q, Permission::Write, 50),
            Err(SignError::Mismatch)
        );
        let longer = query(&path.replace("se=100", "se=1000"));
        assert_eq!(
            signer.verify("abc", &longer, Permission::Write, 50),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            signer.verify("abc", &[], Permission::Write, 50),
            Err(SignError::Missing)
        );
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
