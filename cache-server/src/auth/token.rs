//! Stateless bearer tokens that `/token` issues: `rbc1.<payload>.<mac>`, both base64url without
//! padding, the payload JSON `{sub, exp, access}` and the MAC HMAC-SHA256 over `rbc1.<payload>`
//! with the server's token key. Any replica with the same key verifies them; nothing is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

const PREFIX: &str = "rbc1.";

/// What an issued token carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The configured token it was issued to; `None` for an anonymous (read-only) token.
    pub sub: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Granted repositories and actions (`pull`, `push`).
    pub access: Vec<GrantedScope>,
}

/// One granted `repository:<name>:<actions>` scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedScope {
    /// Always `repository`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The repository.
    pub name: String,
    /// Granted actions.
    pub actions: Vec<String>,
}

/// Why a token does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not of the `rbc1.` form or not decodable.
    #[error("malformed token")]
    Malformed,
    /// The MAC does not match.
    #[error("bad token signature")]
    BadSignature,
    /// Past its expiry.
    #[error("token expired")]
    Expired,
}

pub use crate::mac::{constant_time_eq, hmac_sha256};

/// Signs claims into a token string.
pub fn sign(key: &[u8], claims: &Claims) -> String {
    // Serializing plain strings and numbers cannot fail; fall back to an empty payload anyway.
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signed = format!("{PREFIX}{payload}");
    let mac = URL_SAFE_NO_PAD.encode(hmac_sha256(key, signed.as_bytes()));
    format!("{signed}.{mac}")
}

/// Whether a bearer string looks like an issued token (rather than a raw secret).
pub fn is_issued(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// Verifies a token's signature and expiry at time `now` (seconds since the epoch).
pub fn verify(key: &[u8], token: &str, now: u64) -> Result<Claims, TokenError> {
    let (signed, mac) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let payload = signed.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
    let mac = URL_SAFE_NO_PAD
        .decode(mac)
        .map_err(|_| TokenError::Malformed)?;
    if !constant_time_eq(&mac, &hmac_sha256(key, signed.as_bytes())) {
        return Err(TokenError::BadSignature);
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Malformed)?;
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
    if claims.exp <= now {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        Claims {
            sub: Some("ci".into()),
            exp,
            access: vec![GrantedScope {
                kind: "repository".into(),
                name: "proj/main".into(),
                actions: vec!["pull".into()],
            }],
        }
    }

    #[test]
    fn round_trip_and_tampering() {
        let t = sign(b"key", &claims(100));
        assert!(is_issued(&t));
        assert_eq!(verify(b"key", &t, 99).unwrap(), claims(100));
        assert_eq!(verify(b"key", &t, 100), Err(TokenError::Expired));
        assert_eq!(verify(b"other", &t, 1), Err(TokenError::BadSignature));
        let forged = sign(
            b"key",
            &Claims {
                exp: 1000,
                ..claims(100)
            },
        );
        let (_, mac) = t.rsplit_once('.').unwrap();
        let (body, _) = forged.rsplit_once('.').unwrap();
        assert_eq!(
            verify(b"key", &format!("{body}.{mac}"), 1),
            Err(TokenError::BadSignature)
        );
        assert_eq!(verify(b"key", "rbc1.", 1), Err(TokenError::Malformed));
        assert_eq!(verify(b"key", "nope", 1), Err(TokenError::Malformed));
    }
}
