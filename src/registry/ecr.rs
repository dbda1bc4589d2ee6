//! Amazon ECR credentials without a credential helper: for a registry host of ECR's shape
//! (`<account>.dkr.ecr.<region>.amazonaws.com`, `.amazonaws.com.cn`, `dkr.ecr-fips`, the
//! isolated partitions), ECR's `GetAuthorizationToken` (aws-sdk-ecr) with the default AWS
//! credential chain (environment, shared config and credentials files, `credential_process`, web
//! identity, ECS container and EC2 instance credentials) gives a base64 `AWS:<password>` token,
//! used as HTTP Basic credentials until it expires (ECR: 12 hours).
//!
//! The region is the host's: a token is only good for its own region's registries, so
//! `AWS_REGION` does not override it. The standard AWS environment applies otherwise, notably
//! `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL` (a test double such as moto) and `AWS_PROFILE`.
//! A `-fips` host asks the FIPS endpoint.
//!
//! Precedence (as Docker with `docker-credential-ecr-login`): a `credHelpers` entry of
//! `config.json` for the host wins; otherwise this built-in exchange; when it fails (no AWS
//! credentials at all, say) the `config.json` entries (`credsStore`, `auths`) are tried before the
//! error is reported (see [`Registry`](super::Registry)).

use super::error::RegistryError;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_ecr::config::Region;
use base64::Engine as _;
use regex::Regex;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long before its expiry a cached token is renewed.
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// The parts of an ECR registry host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrHost {
    /// The 12-digit AWS account id (the registry id).
    pub account: String,
    /// The AWS region (`us-east-1`, `cn-north-1`, `us-gov-west-1`).
    pub region: String,
    /// Whether the host is a FIPS endpoint (`dkr.ecr-fips`).
    pub fips: bool,
}

/// ECR's private registry host names, as amazon-ecr-credential-helper matches them.
static ECR_HOST: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a constant pattern, checked by the tests
    Regex::new(
        r"^(\d{12})\.dkr[.-]ecr(-fips)?\.([a-z0-9][a-z0-9_-]*)\.(amazonaws\.com(\.cn)?|on\.aws|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$",
    )
    .expect("valid ECR host pattern")
});

impl EcrHost {
    /// Parses a registry domain (`host` or `host:port`, case-insensitive); `None` when it is not
    /// an ECR private registry.
    pub fn parse(domain: &str) -> Option<Self> {
        let host = domain.to_ascii_lowercase();
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h.to_string(),
            _ => host,
        };
        let caps = ECR_HOST.captures(&host)?;
        Some(Self {
            account: caps[1].to_string(),
            region: caps[3].to_string(),
            fips: caps.get(2).is_some(),
        })
    }
}

/// Credentials from `GetAuthorizationToken`.
#[derive(Clone, PartialEq, Eq)]
pub struct EcrToken {
    /// The user name (always `AWS` in practice).
    pub username: String,
    /// The password (the registry checks it; valid until `expires_at`).
    pub password: String,
    /// When the token expires.
    pub expires_at: SystemTime,
    /// The registry URL ECR says the token is for (`https://<host>`).
    pub proxy_endpoint: Option<String>,
}

impl std::fmt::Debug for EcrToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcrToken")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("proxy_endpoint", &self.proxy_endpoint)
            .finish()
    }
}

impl EcrToken {
    /// Whether the token can still be used at `now` (renewed [`RENEW_BEFORE_EXPIRY`] early).
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        now + RENEW_BEFORE_EXPIRY < self.expires_at
    }
}

impl EcrHost {
    /// An ECR client for this host's region (and FIPS endpoint), from `loader`.
    async fn client(&self, loader: ConfigLoader) -> aws_sdk_ecr::Client {
        let mut loader = loader.region(Region::new(self.region.clone()));
        if self.fips {
            loader = loader.use_fips(true);
        }
        aws_sdk_ecr::Client::new(&loader.load().await)
    }

    /// A [`RegistryError::Ecr`] about this host.
    fn error(&self, message: String) -> RegistryError {
        RegistryError::Ecr {
            account: self.account.clone(),
            region: self.region.clone(),
            message,
        }
    }
}

/// Asks ECR for a token for `host` with the default AWS configuration (environment, profiles,
/// the default credential chain).
pub async fn fetch_token(host: &EcrHost) -> Result<EcrToken, RegistryError> {
    fetch_token_with(host, aws_config::defaults(BehaviorVersion::latest())).await
}

/// As [`fetch_token`] with the AWS configuration `loader` starts from (tests give it an
/// endpoint and static credentials); the region and FIPS setting come from `host`.
pub async fn fetch_token_with(
    host: &EcrHost,
    loader: ConfigLoader,
) -> Result<EcrToken, RegistryError> {
    let fail = |message: String| host.error(message);
    let client = host.client(loader).await;
    let out = client.get_authorization_token().send().await.map_err(|e| {
        fail(format!(
            "GetAuthorizationToken: {}",
            aws_sdk_ecr::error::DisplayErrorContext(&e)
        ))
    })?;
    let data = out
        .authorization_data()
        .first()
        .ok_or_else(|| fail("GetAuthorizationToken returned no authorization data".into()))?;
    let encoded = data
        .authorization_token()
        .ok_or_else(|| fail("GetAuthorizationToken returned no token".into()))?;
    let (username, password) = decode_token(encoded).map_err(fail)?;
    // Without an expiry, assume ECR's documented 12 hours.
    let expires_at = match data.expires_at() {
        Some(t) => UNIX_EPOCH + Duration::from_secs(u64::try_from(t.secs()).unwrap_or(0)),
        None => SystemTime::now() + Duration::from_secs(12 * 3600),
    };
    Ok(EcrToken {
        username,
        password,
        expires_at,
        proxy_endpoint: data.proxy_endpoint().map(str::to_string),
    })
}

/// Makes sure the ECR repository `name` exists on `host` (ECR, unlike other registries, refuses
/// pushes to a repository nobody created): `DescribeRepositories`, then `CreateRepository` when
/// it is missing. `Ok(true)` when it was created. Uses the default AWS configuration.
pub async fn ensure_repository(host: &EcrHost, name: &str) -> Result<bool, RegistryError> {
    ensure_repository_with(host, name, aws_config::defaults(BehaviorVersion::latest())).await
}

/// As [`ensure_repository`] with the AWS configuration `loader` starts from.
pub async fn ensure_repository_with(
    host: &EcrHost,
    name: &str,
    loader: ConfigLoader,
) -> Result<bool, RegistryError> {
    let fail = |message: String| host.error(message);
    let client = host.client(loader).await;
    let described = client
        .describe_repositories()
        .registry_id(&host.account)
        .repository_names(name)
        .send()
        .await;
    match described {
        Ok(_) => return Ok(false),
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_repository_not_found_exception()) => {}
        Err(e) => {
            return Err(fail(format!(
                "DescribeRepositories {name}: {}",
                aws_sdk_ecr::error::DisplayErrorContext(&e)
            )));
        }
    }
    match client
        .create_repository()
        .registry_id(&host.account)
        .repository_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        // Created by a concurrent runner meanwhile: as good.
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_repository_already_exists_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(fail(format!(
            "CreateRepository {name}: {}",
            aws_sdk_ecr::error::DisplayErrorContext(&e)
        ))),
    }
}

/// `base64("user:password")` -> (user, password).
fn decode_token(encoded: &str) -> Result<(String, String), String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| format!("the token is not base64: {e}"))?;
    let text = String::from_utf8(raw).map_err(|_| "the token is not UTF-8".to_string())?;
    let (user, password) = text
        .split_once(':')
        .ok_or_else(|| "the token is not `user:password`".to_string())?;
    Ok((user.to_string(), password.to_string()))
}

/// Tokens per registry host, each kept until shortly before it expires.
#[derive(Debug, Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<String, EcrToken>>,
}

impl TokenCache {
    /// The cached token for `domain` if it is still fresh at `now`.
    pub fn get(&self, domain: &str, now: SystemTime) -> Option<EcrToken> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.get(domain).filter(|t| t.is_fresh(now)).cloned()
    }

    /// Remembers `token` for `domain`.
    pub fn put(&self, domain: &str, token: EcrToken) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.insert(domain.to_string(), token);
    }

    /// The token for `domain`: the cached one while fresh, else a new one from
    /// [`fetch_token`].
    pub async fn token(&self, domain: &str, host: &EcrHost) -> Result<EcrToken, RegistryError> {
        if let Some(t) = self.get(domain, SystemTime::now()) {
            return Ok(t);
        }
        let token = fetch_token(host).await?;
        self.put(domain, token.clone());
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecr_hosts_parse_and_others_do_not() {
        let host = |account: &str, region: &str, fips| EcrHost {
            account: account.into(),
            region: region.into(),
            fips,
        };
        for (domain, want) in [
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                host("123456789012", "us-east-1", false),
            ),
            (
                "210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn",
                host("210987654321", "cn-north-1", false),
            ),
            (
                "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
                host("123456789012", "us-gov-west-1", true),
            ),
            (
                "123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM:443",
                host("123456789012", "eu-west-1", false),
            ),
            (
                "123456789012.dkr-ecr.ap-south-1.on.aws",
                host("123456789012", "ap-south-1", false),
            ),
            (
                "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
                host("123456789012", "us-iso-east-1", false),
            ),
        ] {
            assert_eq!(EcrHost::parse(domain), Some(want), "{domain}");
        }
        for domain in [
            "docker.io",
            "127.0.0.1:5000",
            "public.ecr.aws",
            "12345678901.dkr.ecr.us-east-1.amazonaws.com", // 11 digits
            "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
            "evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "123456789012.dkr.ecr.us-east-1.amazonaws.co",
            "x123456789012.dkr.ecr.us-east-1.amazonaws.com",
        ] {
            assert_eq!(EcrHost::parse(domain), None, "{domain}");
        }
    }

    #[test]
    fn tokens_decode_and_bad_ones_say_why() {
        // "AWS:pass:with:colons"
        assert_eq!(
            decode_token("QVdTOnBhc3M6d2l0aDpjb2xvbnM=").unwrap(),
            ("AWS".into(), "pass:with:colons".into())
        );
        assert!(decode_token("!!").unwrap_err().contains("base64"));
        assert!(
            decode_token("bm9jb2xvbg==")
                .unwrap_err()
                .contains("user:password")
        );
    }

    #[test]
    fn cache_keeps_a_token_until_shortly_before_it_expires() {
        let now = SystemTime::now();
        let token = |expires_at| EcrToken {
            username: "AWS".into(),
            password: "p".into(),
            expires_at,
            proxy_endpoint: None,
        };
        let cache = TokenCache::default();
        let host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        assert_eq!(cache.get(host, now), None);
        cache.put(host, token(now + Duration::from_secs(3600)));
        assert!(cache.get(host, now).is_some());
        assert!(cache.get(host, now + Duration::from_secs(3300)).is_none());
        assert!(cache.get("other", now).is_none());
        cache.put(host, token(now - Duration::from_secs(1)));
        assert!(cache.get(host, now).is_none());
        assert!(!format!("{:?}", token(now)).contains("\"p\""));
    }
}
