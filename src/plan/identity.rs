//! Step identities: which step of which Dockerfile a step is, whatever its inputs are, so that a
//! cache miss can be explained against the record the cache holds for "the same step".
//!
//! A step's identity is sha256 over the [`KeyHasher`] encoding (kind `step-identity`) of:
//!
//! | field | value |
//! |---|---|
//! | `dockerfile` | the Dockerfile's path relative to the context (`-` for standard input; an absolute path when it lies outside the context) |
//! | `stage` | the stage's name, or `#<index>` for an unnamed stage |
//! | `platform` | the stage's platform (`linux/arm64`): the steps of a multi-platform build are compared with their own platform's records |
//! | `instruction` | the keyword (`RUN`, `COPY`, ...), `ONBUILD <keyword>` for a base's trigger |
//! | `ordinal` | how many steps with the same `instruction` come before it in the stage |
//!
//! Counting per keyword rather than per position keeps identities across the most common edit:
//! inserting or removing a step of another kind (a new `COPY` leaves every `RUN` its identity).
//! Inserting a step of the same kind shifts the identities of the later ones by one; for that,
//! each step also carries its neighbours' identities ([`StepInputs::near`]), and a miss with no
//! record under its own identity may use a neighbour's record whose instruction text is the
//! same.
//!
//! Identities are not cache keys: they never decide a hit, only which record a miss is compared
//! with. Changing this encoding only costs one build of poorer explanations.

use super::{Digest, KeyHasher, Plan, StepInputs};
use std::collections::BTreeMap;

/// The identity of one step (see the module docs).
pub fn step_identity(
    dockerfile: &str,
    stage: &str,
    platform: &str,
    instruction: &str,
    ordinal: usize,
) -> Digest {
    let mut h = KeyHasher::new("step-identity");
    h.str("dockerfile", dockerfile)
        .str("stage", stage)
        .str("platform", platform)
        .str("instruction", instruction)
        .str("ordinal", &ordinal.to_string());
    h.finish()
}

/// Gives every keyed step of `plan` its identity and its neighbours', for the Dockerfile at
/// `dockerfile` (relative to the context).
pub(super) fn assign(plan: &mut Plan, dockerfile: &str) {
    for stage in &mut plan.stages {
        let label = match &stage.name {
            Some(n) => n.clone(),
            None => format!("#{}", stage.index),
        };
        let platform = stage.platform.clone();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for step in &mut stage.steps {
            let keyword = if step.onbuild {
                format!("ONBUILD {}", step.instruction)
            } else {
                step.instruction.clone()
            };
            let ordinal = seen.entry(keyword.clone()).or_default();
            let id = |n: usize| step_identity(dockerfile, &label, &platform, &keyword, n);
            let inputs: &mut StepInputs = &mut step.inputs;
            inputs.identity = step.key.as_ref().map(|_| id(*ordinal));
            inputs.near = if step.key.is_some() {
                let mut near = vec![id(*ordinal + 1)];
                if let Some(before) = ordinal.checked_sub(1) {
                    near.push(id(before));
                }
                near
            } else {
                Vec::new()
            };
            *ordinal += 1;
        }
    }
    plan.dockerfile = dockerfile.to_string();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_differ_by_every_field_and_are_stable() {
        let p = "linux/amd64";
        let base = step_identity("Dockerfile", "build", p, "RUN", 0);
        assert_eq!(base, step_identity("Dockerfile", "build", p, "RUN", 0));
        for other in [
            step_identity("other.Dockerfile", "build", p, "RUN", 0),
            step_identity("Dockerfile", "#0", p, "RUN", 0),
            step_identity("Dockerfile", "build", "linux/arm64", "RUN", 0),
            step_identity("Dockerfile", "build", p, "COPY", 0),
            step_identity("Dockerfile", "build", p, "RUN", 1),
        ] {
            assert_ne!(base, other);
        }
    }
}
