//! Credentials as the docker CLI keeps them: `$DOCKER_CONFIG/config.json` (default
//! `~/.docker/config.json`) with
//! * `auths.<server>.auth` (base64 `user:password`), or `username`/`password`, or
//!   `identitytoken`;
//! * `credHelpers.<host>` and `credsStore`: run `docker-credential-<name> get` with the server
//!   URL on stdin; it prints `{"ServerURL", "Username", "Secret"}` (`Username` `<token>` marks an
//!   identity token); "credentials not found" means anonymous.
//!
//! Without an entry access is anonymous. The bearer-token challenge (`WWW-Authenticate: Bearer
//! realm=...`) is oci-client's: it trades these credentials (or none) for a token per repository.
//!
//! Docker Hub's entries live under `https://index.docker.io/v1/`, whichever host name the
//! reference used.

use super::error::RegistryError;
use base64::Engine as _;
use oci_client::secrets::RegistryAuth;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The server key Docker Hub's credentials are stored under.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// The parts of a docker `config.json` that concern registry credentials.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DockerConfig {
    /// Per-server stored credentials.
    #[serde(default)]
    pub auths: BTreeMap<String, AuthEntry>,
    /// Per-host credential helpers (`docker-credential-<name>`).
    #[serde(default, rename = "credHelpers")]
    pub cred_helpers: BTreeMap<String, String>,
    /// The default credential helper.
    #[serde(default, rename = "credsStore")]
    pub creds_store: Option<String>,
}

/// One `auths` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthEntry {
    /// base64 of `user:password`.
    #[serde(default)]
    pub auth: Option<String>,
    /// Plain user name (older configs).
    #[serde(default)]
    pub username: Option<String>,
    /// Plain password (older configs).
    #[serde(default)]
    pub password: Option<String>,
    /// An OAuth2 refresh token from `docker login` against an identity provider.
    #[serde(default, rename = "identitytoken")]
    pub identity_token: Option<String>,
}

/// What a credential helper prints for `get`.
#[derive(Debug, Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

impl DockerConfig {
    /// The config file's path: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir).join("config.json"));
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
    }

    /// Reads `path`; a missing file is an empty config (anonymous access everywhere).
    pub fn load(path: &Path) -> Result<Self, RegistryError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(RegistryError::DockerConfig {
                    path: path.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        serde_json::from_slice(&bytes).map_err(|e| RegistryError::DockerConfig {
            path: path.display().to_string(),
            message: format!("invalid JSON: {e}"),
        })
    }

    /// Whether `credHelpers` names a helper for `domain` (`credsStore` does not count).
    pub fn has_cred_helper(&self, domain: &str) -> bool {
        let server = normalize_key(&server_key(domain));
        self.cred_helpers.keys().any(|k| normalize_key(k) == server)
    }

    /// The credentials for `domain` (a reference's domain: `docker.io`, `ghcr.io`,
    /// `127.0.0.1:5000`): a credential helper first (`credHelpers`, then `credsStore`), then
    /// `auths`, else anonymous.
    pub fn credentials(&self, domain: &str) -> Result<RegistryAuth, RegistryError> {
        let server = server_key(domain);
        let helper = self
            .cred_helpers
            .iter()
            .find(|(k, _)| normalize_key(k) == normalize_key(&server))
            .map(|(_, v)| v.clone())
            .or_else(|| self.creds_store.clone().filter(|s| !s.is_empty()));
        if let Some(helper) = helper
            && let Some(auth) = run_helper(&helper, &server, domain)?
        {
            return Ok(auth);
        }
        let entry = self
            .auths
            .iter()
            .find(|(k, _)| normalize_key(k) == normalize_key(&server));
        match entry {
            Some((_, e)) => e.to_auth(domain),
            None => Ok(RegistryAuth::Anonymous),
        }
    }
}

impl AuthEntry {
    fn to_auth(&self, domain: &str) -> Result<RegistryAuth, RegistryError> {
        let bad = |message: String| RegistryError::CredentialHelper {
            helper: "none (config.json auths)".to_string(),
            host: domain.to_string(),
            message,
        };
        if let Some(encoded) = self.auth.as_deref().filter(|a| !a.is_empty()) {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|e| bad(format!("`auth` is not base64: {e}")))?;
            let text = String::from_utf8(raw).map_err(|_| bad("`auth` is not UTF-8".into()))?;
            let (user, pass) = text
                .split_once(':')
                .ok_or_else(|| bad("`auth` is not `user:password`".into()))?;
            if self.identity_token.is_none() {
                return Ok(RegistryAuth::Basic(user.to_string(), pass.to_string()));
            }
        }
        if let Some(token) = self.identity_token.as_deref().filter(|t| !t.is_empty()) {
            return Ok(identity_token(self.username.as_deref(), token));
        }
        match (&self.username, &self.password) {
            (Some(u), Some(p)) if !u.is_empty() => Ok(RegistryAuth::Basic(u.clone(), p.clone())),
            _ => Ok(RegistryAuth::Anonymous),
        }
    }
}

/// An identity token is an OAuth2 refresh token. oci-client trades credentials for a token
/// only with a GET to the realm and HTTP Basic auth, so the token goes as the password of
/// `<token>` (or the stored user name), which is what registries that accept refresh tokens
/// by Basic auth (ACR, Harbor) expect.
fn identity_token(user: Option<&str>, token: &str) -> RegistryAuth {
    let user = user.filter(|u| !u.is_empty()).unwrap_or("<token>");
    RegistryAuth::Basic(user.to_string(), token.to_string())
}

/// The key a domain's credentials are stored under.
pub fn server_key(domain: &str) -> String {
    match domain {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB_SERVER.to_string(),
        d => d.to_string(),
    }
}

/// `https://host/v1/` and `host` name the same server in `auths` and `credHelpers`.
fn normalize_key(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        _ => host,
    }
}

/// Runs `docker-credential-<helper> get` with `server` on stdin; `None` when the helper has no
/// credentials for it.
fn run_helper(
    helper: &str,
    server: &str,
    domain: &str,
) -> Result<Option<RegistryAuth>, RegistryError> {
    let fail = |message: String| RegistryError::CredentialHelper {
        helper: helper.to_string(),
        host: domain.to_string(),
        message,
    };
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run `{program}`: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server.as_bytes())
            .map_err(|e| fail(format!("writing to `{program}`: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| fail(format!("waiting for `{program}`: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let said = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        if said.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(fail(format!("{}: {}", out.status, said.trim())));
    }
    let answer: HelperAnswer =
        serde_json::from_str(stdout.trim()).map_err(|e| fail(format!("unexpected output: {e}")))?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    if answer.username == "<token>" {
        return Ok(Some(identity_token(None, &answer.secret)));
    }
    Ok(Some(RegistryAuth::Basic(answer.username, answer.secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> DockerConfig {
        serde_json::from_str(json).unwrap()
    }

    fn basic(a: RegistryAuth) -> Option<(String, String)> {
        match a {
            RegistryAuth::Basic(u, p) => Some((u, p)),
            _ => None,
        }
    }

    #[test]
    fn auths_entries_by_any_spelling_of_the_server() {
        // "user:pass" and "hub:secret" in base64.
        let c = config(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
                "https://ghcr.io": {"auth": "dXNlcjpwYXNz"},
                "quay.io": {"identitytoken": "refresh"},
                "old.example": {"username": "u", "password": "p"}
            }}"#,
        );
        let hub = Some(("hub".into(), "secret".into()));
        assert_eq!(basic(c.credentials("docker.io").unwrap()), hub);
        assert_eq!(basic(c.credentials("registry-1.docker.io").unwrap()), hub);
        assert_eq!(
            basic(c.credentials("ghcr.io").unwrap()),
            Some(("user".into(), "pass".into()))
        );
        assert_eq!(
            basic(c.credentials("quay.io").unwrap()),
            Some(("<token>".into(), "refresh".into()))
        );
        assert_eq!(
            basic(c.credentials("old.example").unwrap()),
            Some(("u".into(), "p".into()))
        );
        assert!(matches!(
            c.credentials("127.0.0.1:5000").unwrap(),
            RegistryAuth::Anonymous
        ));
    }

    #[test]
    fn bad_auth_field_is_an_error_naming_the_host() {
        let c = config(r#"{"auths": {"ghcr.io": {"auth": "!!"}}}"#);
        let e = c.credentials("ghcr.io").unwrap_err().to_string();
        assert!(e.contains("ghcr.io") && e.contains("base64"), "{e}");
    }

    #[test]
    fn missing_helper_is_an_error_naming_it() {
        let c = config(r#"{"credHelpers": {"ghcr.io": "rbuild-test-nonexistent"}}"#);
        let e = c.credentials("ghcr.io").unwrap_err().to_string();
        assert!(
            e.contains("docker-credential-rbuild-test-nonexistent"),
            "{e}"
        );
        // Other hosts do not consult it.
        assert!(matches!(
            c.credentials("quay.io").unwrap(),
            RegistryAuth::Anonymous
        ));
    }

    #[test]
    fn missing_file_is_anonymous() {
        let c = DockerConfig::load(Path::new("/nonexistent/rbuild/config.json")).unwrap();
        assert!(matches!(
            c.credentials("docker.io").unwrap(),
            RegistryAuth::Anonymous
        ));
    }
}
