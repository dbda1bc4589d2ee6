//! `--allow`: the entitlements a build grants, as buildx names them. BuildKit refuses
//! `RUN --network=host` without `network.host` and `RUN --security=insecure` without
//! `security.insecure`; rbuild refuses them the same way, before any step runs, at the line of
//! the first step that needs one.

use std::path::Path;

use super::error::SessionError;
use crate::plan::{Plan, StepOp};

/// `network.host`.
pub const NETWORK_HOST: &str = "network.host";
/// `security.insecure`.
pub const SECURITY_INSECURE: &str = "security.insecure";

/// The granted entitlements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entitlements {
    /// `network.host`: RUN steps may use the host's network namespace explicitly.
    pub network_host: bool,
    /// `security.insecure`: RUN steps may run privileged.
    pub security_insecure: bool,
}

impl Entitlements {
    /// Parses `--allow` values (each may be a comma-separated list).
    pub fn parse(values: &[String]) -> Result<Self, SessionError> {
        let mut out = Self::default();
        for v in values.iter().flat_map(|v| v.split(',')) {
            match v.trim() {
                NETWORK_HOST => out.network_host = true,
                SECURITY_INSECURE => out.security_insecure = true,
                "" => {}
                other => {
                    return Err(SessionError::Flag {
                        flag: format!("--allow {other:?}"),
                        reason: format!(
                            "invalid entitlement: {other} (rbuild grants {NETWORK_HOST} and {SECURITY_INSECURE})"
                        ),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Checks every RUN step `plan` will run: the first that needs an entitlement not granted
    /// fails the build at its line, with BuildKit's message and the flag that grants it.
    pub fn check(&self, plan: &Plan, file: &Path) -> Result<(), SessionError> {
        for &i in &plan.order {
            let Some(stage) = plan.stages.get(i) else {
                continue;
            };
            for step in &stage.steps {
                let StepOp::Run(op) = &step.op else {
                    continue;
                };
                let missing = if op.network == "host" && !self.network_host {
                    Some(NETWORK_HOST)
                } else if op.insecure && !self.security_insecure {
                    Some(SECURITY_INSECURE)
                } else {
                    None
                };
                if let Some(e) = missing {
                    return Err(SessionError::Dockerfile {
                        file: file.to_path_buf(),
                        line: Some(step.line),
                        message: format!("{e} is not allowed (grant it with --allow {e})"),
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_values() {
        let e = Entitlements::parse(&["network.host,security.insecure".into()]).unwrap();
        assert!(e.network_host && e.security_insecure);
        let err = Entitlements::parse(&["device".into()]).unwrap_err();
        assert!(
            err.to_string().contains("invalid entitlement: device"),
            "{err}"
        );
    }
}
