//! What a front end asks a build session for, in plain values: the CLI's flags parsed, or a
//! library user's request.

use std::path::PathBuf;

use super::input::PlanInput;
use crate::builder::mounts::{SecretSource, SshSource};
use crate::cache::remote::CacheSpec;
use crate::exec::IsolationChoice;
use crate::image::layer::Compression;
use crate::output::OutputSpec;
use crate::registry::RegistryOptions;

/// Where the image goes.
#[derive(Debug, Clone)]
pub enum Output {
    /// An OCI layout or docker archive.
    Local(OutputSpec),
    /// A push to these names (`-t` values or `name=`).
    Registry(Vec<String>),
}

/// One build, as `docker buildx build` would be asked for it.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The Dockerfile, context, target, build arguments and platform.
    pub input: PlanInput,
    /// The state directory (`None`: `$RBUILD_HOME`, else the default, `home::state_dir`).
    pub state_dir: Option<PathBuf>,
    /// How registries are reached.
    pub registry: RegistryOptions,
    /// Where the image goes; empty keeps it in the state directory only (with a warning).
    pub outputs: Vec<Output>,
    /// `--iidfile`: the image id (config digest) is written there.
    pub iidfile: Option<PathBuf>,
    /// `--metadata-file`: buildx's metadata, plus rbuild's own keys, is written there.
    pub metadata_file: Option<PathBuf>,
    /// The compression of new layers.
    pub compression: Compression,
    /// `SOURCE_DATE_EPOCH`: the timestamps of everything the build writes.
    pub source_date_epoch: Option<i64>,
    /// `--no-cache`: every step runs.
    pub no_cache: bool,
    /// `--no-cache-filter`: the steps of these stages run.
    pub no_cache_filter: Vec<String>,
    /// `--explain`: each miss says why as it starts, and in the metadata file.
    pub explain: bool,
    /// `--secret` sources.
    pub secrets: Vec<SecretSource>,
    /// `--ssh` agents.
    pub ssh: Vec<SshSource>,
    /// The OCI runtime (`None`: runc, else crun).
    pub runtime: Option<String>,
    /// `--isolation`: how RUN steps are isolated (auto: runc where rbuild may mount, else the
    /// container rbuild runs in).
    pub isolation: IsolationChoice,
    /// With the container isolation, `/` is cleared after the build (Kaniko's `--cleanup`).
    pub cleanup: bool,
    /// At most this many stages at once (0: the number of cores).
    pub jobs: usize,
    /// `--label`s of the image.
    pub labels: Vec<(String, String)>,
    /// `--cache-from` backends, read in order.
    pub cache_from: Vec<CacheSpec>,
    /// `--cache-to` backends.
    pub cache_to: Vec<CacheSpec>,
    /// The largest size one mount cache may export.
    pub mount_cache_max_size: Option<u64>,
    /// `--provenance`, `--sbom`, `--attest`: what is attached to each image.
    pub attestations: super::attest::Attestations,
    /// `--annotation`s.
    pub annotations: super::annotations::Annotations,
    /// `--allow`: the entitlements RUN steps may use.
    pub entitlements: super::entitlements::Entitlements,
}

impl BuildRequest {
    /// A request to build `input` with every option at its default (no output, gzip layers).
    pub fn new(input: PlanInput) -> Self {
        Self {
            input,
            state_dir: None,
            registry: RegistryOptions::default(),
            outputs: Vec::new(),
            iidfile: None,
            metadata_file: None,
            compression: Compression::gzip(),
            source_date_epoch: None,
            no_cache: false,
            no_cache_filter: Vec::new(),
            explain: false,
            secrets: Vec::new(),
            ssh: Vec::new(),
            runtime: None,
            isolation: IsolationChoice::Auto,
            cleanup: false,
            jobs: 0,
            labels: Vec::new(),
            cache_from: Vec::new(),
            cache_to: Vec::new(),
            mount_cache_max_size: None,
            attestations: Default::default(),
            annotations: Default::default(),
            entitlements: Default::default(),
        }
    }
}
