//! The SDK client of an S3 cache, from its spec: `region=` (else the standard AWS environment and
//! profile, else `us-east-1`), `endpoint_url=`, `use_path_style=`, static credentials from the
//! spec or the standard AWS chain (environment, profile, web identity, ECS/EC2 roles); the SDK's
//! standard retry mode with enough attempts to ride out throttling (`503 SlowDown`, 429), connect
//! and read timeouts; and an interceptor counting every HTTP attempt in the backend's [`Meter`].

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_s3::config::{
    ConfigBag, Credentials, Intercept, Region, RequestChecksumCalculation,
    ResponseChecksumValidation, RuntimeComponents,
};
use aws_sdk_s3::error::BoxError;

use super::super::meter::Meter;
use super::super::spec::S3Spec;

/// Region used when neither the spec nor the AWS environment names one.
const FALLBACK_REGION: &str = "us-east-1";

/// Tunables of an S3 cache; [`Default`] is what builds use, tests shorten the waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S3Options {
    /// Attempts per request, the first included (standard retry mode: exponential backoff with
    /// jitter, throttling and 5xx and connection errors retried).
    pub max_attempts: u32,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
    /// Bound of establishing a connection.
    pub connect_timeout: Duration,
    /// Bound of waiting for the next bytes of a response.
    pub read_timeout: Duration,
    /// Blobs uploaded or refreshed at once.
    pub blob_concurrency: usize,
    /// `HeadObject` requests in flight at once (`lacking`).
    pub head_concurrency: usize,
    /// Parts of one multipart upload in flight at once.
    pub part_concurrency: usize,
}

impl Default for S3Options {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            max_backoff: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(60),
            blob_concurrency: 4,
            head_concurrency: 16,
            part_concurrency: 4,
        }
    }
}

/// Builds the client of `s3` (no request is made).
pub async fn build(s3: &S3Spec, options: &S3Options, meter: Arc<Meter>) -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(options.max_attempts.max(1))
                .with_max_backoff(options.max_backoff),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(options.connect_timeout)
                .read_timeout(options.read_timeout)
                .build(),
        );
    if let Some(region) = &s3.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &s3.endpoint_url {
        loader = loader.endpoint_url(endpoint.clone());
    }
    if let Some(c) = &s3.credentials {
        loader = loader.credentials_provider(Credentials::new(
            c.access_key_id.clone(),
            c.secret_access_key.clone(),
            c.session_token.clone(),
            None,
            "rbuild-cache-spec",
        ));
    }
    let sdk = loader.load().await;
    let mut builder = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(s3.use_path_style)
        .interceptor(CountRequests(meter));
    if sdk.region().is_none() {
        builder = builder.region(Region::new(FALLBACK_REGION));
    }
    if s3.endpoint_url.is_some() {
        // S3-compatible servers (MinIO, moto, R2) rarely implement the newer checksums.
        builder = builder
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
    }
    Client::from_conf(builder.build())
}

/// Counts each HTTP attempt (retries included) in the meter.
#[derive(Debug)]
struct CountRequests(Arc<Meter>);

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "rbuild-cache-meter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.request();
        Ok(())
    }
}
