//! What `--provenance`, `--sbom` and `--attest` ask for, parsed as buildx parses them, and the
//! SLSA provenance predicate of a build (BuildKit's v0.2 shape, so `docker buildx imagetools
//! inspect --format '{{json .Provenance}}'` and policy tools read rbuild's as BuildKit's).
//!
//! Unlike buildx with a BuildKit that supports attestations, `rbuild build` attaches nothing
//! unless asked: a single image stays a single manifest (what `docker build` with Docker's own
//! driver gives, and what registries and tools that predate image indexes expect). The GitHub
//! Action asks as build-push-action does (max on public repositories, min on private ones).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::error::SessionError;
use super::request::BuildRequest;
use crate::image::attestation::{Predicate, SLSA_PROVENANCE_V02, SPDX_DOCUMENT, purl};
use crate::plan::Plan;

/// How much provenance says (`mode=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvenanceMode {
    /// Materials, the Dockerfile, the platform; no build args, labels, secrets or ssh ids.
    Min,
    /// Everything min has, and the build args, labels, secret and ssh ids.
    Max,
}

/// `--provenance` / `--attest type=provenance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceOptions {
    /// `mode=` (buildx's default: min).
    pub mode: ProvenanceMode,
    /// `builder-id=`: who built it (the Action gives the workflow run's URL).
    pub builder_id: String,
}

/// What the build attaches to each image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attestations {
    /// SLSA provenance.
    pub provenance: Option<ProvenanceOptions>,
    /// An SPDX SBOM of the packages in the image.
    pub sbom: bool,
}

impl Attestations {
    /// Whether anything is attached (the result is then an index even for one platform).
    pub fn any(&self) -> bool {
        self.provenance.is_some() || self.sbom
    }

    /// Applies one `--attest` value (`type=provenance|sbom,...`).
    pub fn attest(&mut self, spec: &str) -> Result<(), SessionError> {
        let fields = fields("--attest", spec)?;
        match fields.get("type").map(String::as_str) {
            Some("provenance") => self.provenance_fields("--attest", spec, fields),
            Some("sbom") => self.sbom_fields("--attest", spec, fields),
            Some(other) => Err(flag(
                "--attest",
                spec,
                &format!("unknown attestation type {other:?} (provenance or sbom)"),
            )),
            None => Err(flag("--attest", spec, "attestation type not specified")),
        }
    }

    /// Applies `--provenance VALUE`: `true`/`false`, or attributes (`mode=max,builder-id=...`).
    pub fn provenance(&mut self, value: &str) -> Result<(), SessionError> {
        match bool_value(value) {
            Some(true) => self.provenance_fields("--provenance", value, BTreeMap::new()),
            Some(false) => {
                self.provenance = None;
                Ok(())
            }
            None => {
                let fields = fields("--provenance", value)?;
                self.provenance_fields("--provenance", value, fields)
            }
        }
    }

    /// Applies `--sbom VALUE`: `true`/`false`, or attributes.
    pub fn sbom(&mut self, value: &str) -> Result<(), SessionError> {
        match bool_value(value) {
            Some(on) => {
                self.sbom = on;
                Ok(())
            }
            None => {
                let fields = fields("--sbom", value)?;
                self.sbom_fields("--sbom", value, fields)
            }
        }
    }

    fn provenance_fields(
        &mut self,
        name: &str,
        spec: &str,
        fields: BTreeMap<String, String>,
    ) -> Result<(), SessionError> {
        let mut opts = ProvenanceOptions {
            mode: ProvenanceMode::Min,
            builder_id: String::new(),
        };
        for (k, v) in fields {
            match k.as_str() {
                "type" => {}
                "disabled" if bool_value(&v) == Some(true) => {
                    self.provenance = None;
                    return Ok(());
                }
                "disabled" => {}
                "mode" => {
                    opts.mode = match v.as_str() {
                        "min" => ProvenanceMode::Min,
                        "max" | "full" => ProvenanceMode::Max,
                        _ => return Err(flag(name, spec, &format!("invalid mode {v:?}"))),
                    }
                }
                "builder-id" => opts.builder_id = v,
                // Where BuildKit keeps the statement (inline in the image, or in the build
                // record only): rbuild has no build record, so it is always inline.
                "inline-only" => {}
                "version" if v == "v0.2" => {}
                "version" => {
                    return Err(flag(
                        name,
                        spec,
                        &format!(
                            "SLSA provenance {v} is not supported: rbuild writes v0.2 (BuildKit's default)"
                        ),
                    ));
                }
                "reproducible" | "capture-usage" | "complete-materials" | "filename" => {}
                _ => {
                    return Err(flag(
                        name,
                        spec,
                        &format!("unknown provenance attribute {k:?}"),
                    ));
                }
            }
        }
        self.provenance = Some(opts);
        Ok(())
    }

    fn sbom_fields(
        &mut self,
        name: &str,
        spec: &str,
        fields: BTreeMap<String, String>,
    ) -> Result<(), SessionError> {
        for (k, v) in fields {
            match k.as_str() {
                "type" => {}
                "disabled" => {
                    if bool_value(&v) == Some(true) {
                        self.sbom = false;
                        return Ok(());
                    }
                }
                "generator" => {
                    return Err(flag(
                        name,
                        spec,
                        "rbuild scans the image's packages itself and runs no generator image; drop generator=",
                    ));
                }
                "scan-context" | "scan-stage" => {
                    return Err(flag(
                        name,
                        spec,
                        &format!("{k} is not supported: the SBOM lists the final image's packages"),
                    ));
                }
                _ => return Err(flag(name, spec, &format!("unknown sbom attribute {k:?}"))),
            }
        }
        self.sbom = true;
        Ok(())
    }
}

/// `true`/`false` as Go's strconv.ParseBool reads them, `None` for anything else.
fn bool_value(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The `key=value` fields of a CSV attribute list.
fn fields(name: &str, spec: &str) -> Result<BTreeMap<String, String>, SessionError> {
    let mut out = BTreeMap::new();
    for field in crate::csv::fields(spec).map_err(|e| flag(name, spec, &e.to_string()))? {
        let Some((k, v)) = field.split_once('=') else {
            return Err(flag(
                name,
                spec,
                &format!("invalid value {field:?}: expected key=value"),
            ));
        };
        out.insert(k.trim().to_lowercase(), v.trim().to_string());
    }
    Ok(out)
}

fn flag(name: &str, spec: &str, reason: &str) -> SessionError {
    SessionError::Flag {
        flag: format!("{name} {spec:?}"),
        reason: reason.to_string(),
    }
}

/// What provenance records about the build besides its plan.
pub struct BuildFacts<'a> {
    /// The request (build args, labels, target, secrets, ssh).
    pub request: &'a BuildRequest,
    /// The Dockerfile's path relative to the context (`Dockerfile`).
    pub dockerfile: &'a str,
    /// When the build started and finished (seconds since the epoch).
    pub started: i64,
    /// See `started`.
    pub finished: i64,
    /// The build's id (one per `rbuild build`).
    pub invocation_id: &'a str,
    /// The context's git remote and commit, when it is a git checkout.
    pub vcs: BTreeMap<String, String>,
}

/// The context's git facts as buildx records them (`vcs:source` with credentials removed,
/// `vcs:revision`); empty outside a git checkout or when `BUILDX_GIT_INFO=false`.
pub fn vcs_facts(context: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if std::env::var("BUILDX_GIT_INFO").is_ok_and(|v| bool_value(&v) == Some(false)) {
        return out;
    }
    use crate::cache::remote::scope::git;
    if let Some(rev) = git(context, &["rev-parse", "HEAD"]) {
        out.insert("revision".into(), rev);
        if let Some(url) = git(context, &["remote", "get-url", "origin"]) {
            out.insert("source".into(), redact_credentials(&url));
        }
    }
    out
}

/// `url` without a `user:password@` part.
fn redact_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((creds, host))
                if !creds.contains('/') && (creds.contains(':') || scheme.starts_with("http")) =>
            {
                format!("{scheme}://{host}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The digest an image reference resolved to (the index a tag names, or the manifest), for a
/// platform: `None` when unknown.
pub type TopDigest<'a> = dyn Fn(&str, &str) -> Option<String> + 'a;

/// The images a plan read (bases, `COPY --from`, mounts from images), each once, as package
/// URLs with their digests: provenance's materials.
fn materials(plan: &Plan, top_digest: &TopDigest<'_>) -> Vec<Value> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for &i in &plan.order {
        let Some(stage) = plan.stages.get(i) else {
            continue;
        };
        // Each step's resolved images (FROM, COPY --from, mounts from images), with digests.
        let images = stage.steps.iter().flat_map(|step| &step.inputs.images);
        for src in images {
            let Some(uri) = purl(&src.reference, Some(&stage.platform)) else {
                continue;
            };
            if !seen.insert(uri.clone()) {
                continue;
            }
            let mut m = json!({ "uri": uri });
            // What the name resolved to (an index for a multi-platform tag), as BuildKit
            // records it; the platform's manifest when that is all that is known.
            let digest = top_digest(&src.reference, &stage.platform).or(src.digest.clone());
            if let Some(d) = digest.as_deref().and_then(|d| d.strip_prefix("sha256:")) {
                m["digest"] = json!({ "sha256": d });
            }
            out.push(m);
        }
    }
    out
}

/// The SLSA v0.2 provenance predicate of the image `plan` built, in BuildKit's shape
/// (`solver/llbsolver/provenance`): builder, build type, materials, the invocation (the
/// Dockerfile, the frontend's args, the locals) and metadata (times, completeness, VCS).
pub fn provenance(
    plan: &Plan,
    facts: &BuildFacts<'_>,
    opts: &ProvenanceOptions,
    top_digest: &TopDigest<'_>,
) -> Predicate {
    let req = facts.request;
    let max = opts.mode == ProvenanceMode::Max;
    let mut args = BTreeMap::new();
    let mut scrubbed = false;
    for a in &req.input.build_args {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (a.clone(), std::env::var(a).unwrap_or_default()),
        };
        if max {
            args.insert(format!("build-arg:{k}"), v);
        } else {
            scrubbed = true;
        }
    }
    for (k, v) in &req.labels {
        if max {
            args.insert(format!("label:{k}"), v.clone());
        } else {
            scrubbed = true;
        }
    }
    if let Some(t) = &req.input.target {
        args.insert("target".into(), t.clone());
    }
    if req.no_cache {
        args.insert("no-cache".into(), String::new());
    }
    let mut parameters = json!({ "frontend": "dockerfile.v0" });
    if !args.is_empty() {
        parameters["args"] = json!(args);
    }
    if max && !req.secrets.is_empty() {
        parameters["secrets"] = json!(
            req.secrets
                .iter()
                .map(|s| json!({ "id": s.id, "optional": true }))
                .collect::<Vec<_>>()
        );
    }
    if max && !req.ssh.is_empty() {
        parameters["ssh"] = json!(
            req.ssh
                .iter()
                .map(|s| json!({ "id": s.id, "optional": true }))
                .collect::<Vec<_>>()
        );
    }
    parameters["locals"] = json!([{ "name": "context" }, { "name": "dockerfile" }]);
    let mut buildkit_metadata = json!({});
    if !facts.vcs.is_empty() {
        buildkit_metadata["vcs"] = json!(facts.vcs);
    }
    let predicate = json!({
        "builder": { "id": opts.builder_id },
        "buildType": "https://mobyproject.org/buildkit@v1",
        "materials": materials(plan, top_digest),
        "invocation": {
            "configSource": { "entryPoint": facts.dockerfile },
            "parameters": parameters,
            "environment": { "platform": crate::oci::platform::Platform::host().to_string() },
        },
        "metadata": {
            "buildInvocationID": facts.invocation_id,
            "buildStartedOn": crate::builder::time::rfc3339(facts.started),
            "buildFinishedOn": crate::builder::time::rfc3339(facts.finished),
            "completeness": {
                "parameters": !scrubbed,
                "environment": true,
                // The context is a local directory: BuildKit never calls that complete.
                "materials": false,
            },
            "reproducible": false,
            "https://mobyproject.org/buildkit@v1#metadata": buildkit_metadata,
        },
    });
    Predicate {
        predicate_type: SLSA_PROVENANCE_V02.into(),
        predicate,
    }
}

/// The SBOM predicate: an SPDX document of the packages found in the image.
pub fn sbom(document: Value) -> Predicate {
    Predicate {
        predicate_type: SPDX_DOCUMENT.into(),
        predicate: document,
    }
}

/// A build's id: 25 lowercase letters and digits, as BuildKit's `identity.NewID`.
pub fn invocation_id() -> String {
    use sha2::{Digest as _, Sha256};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let hash = Sha256::digest(format!("{nanos}:{}", std::process::id()));
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    hash.iter()
        .take(25)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_as_buildx_reads_them() {
        let mut a = Attestations::default();
        a.provenance("true").unwrap();
        assert_eq!(a.provenance.as_ref().unwrap().mode, ProvenanceMode::Min);
        a.provenance("mode=max,builder-id=https://x/run/1").unwrap();
        let p = a.provenance.clone().unwrap();
        assert_eq!(
            (p.mode, p.builder_id.as_str()),
            (ProvenanceMode::Max, "https://x/run/1")
        );
        a.provenance("false").unwrap();
        assert!(a.provenance.is_none());
        a.attest("type=provenance,mode=min,inline-only=true")
            .unwrap();
        assert!(a.provenance.is_some());
        a.attest("type=sbom").unwrap();
        assert!(a.sbom && a.any());
        a.sbom("false").unwrap();
        assert!(!a.sbom);
        let e = a
            .attest("type=sbom,generator=docker/scout-sbom-indexer")
            .unwrap_err();
        assert!(e.to_string().contains("generator"), "{e}");
        assert!(a.attest("mode=max").is_err());
        assert!(a.provenance("mode=medium").is_err());
        assert!(a.provenance("version=v1").is_err());
    }

    #[test]
    fn credentials_are_left_out_of_the_source() {
        assert_eq!(
            redact_credentials("https://user:token@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            redact_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }

    #[test]
    fn invocation_ids_look_like_buildkit_ones() {
        let id = invocation_id();
        assert_eq!(id.len(), 25);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }
}
