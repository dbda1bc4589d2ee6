//! What a mistake cost: the local cache's history of a step. Every time a step ran with other
//! inputs the cache kept a record (the step index lists the last few per step identity,
//! `cache::steps`), with how long it took; a finding about a step says how often it re-ran and
//! for how long. The identity is computed from the Dockerfile as the planner computes it
//! (`plan::identity`): file, stage, platform, keyword and ordinal.

use crate::digest::Digest;
use crate::dockerfile::ast::{Body, Dockerfile, Instruction};
use crate::oci::platform::Platform;
use crate::plan::identity::step_identity;

/// One run of a step, as the cache recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRun {
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// The recorded runs of a step identity, most recent first.
pub trait History {
    /// The runs of the step `identity` this machine's cache remembers.
    fn runs(&self, identity: &Digest) -> Vec<PastRun>;
    /// Bytes of the files under `dir` (`/var/lib/apt`) in the layer the step's latest run
    /// made, when the cache has that layer; none by default.
    fn layer_bytes_under(&self, identity: &Digest, dir: &str) -> Option<u64> {
        let _ = (identity, dir);
        None
    }
}

/// The identity of instruction `target` of `df` (named `dockerfile` in the context), as plans
/// give it for the machine's platform; `None` for instructions outside a stage.
pub(super) fn identity_of(
    df: &Dockerfile,
    dockerfile: &str,
    target: &Instruction,
) -> Option<Digest> {
    let mut stage: Option<(String, usize)> = None;
    let mut index = 0usize;
    let mut ordinal = 0usize;
    for i in &df.instructions {
        if i.cmd == "from" {
            let label = match &i.body {
                Body::Args { args, .. } if args.len() == 3 => args[2].to_lowercase(),
                _ => format!("#{index}"),
            };
            stage = Some((label, index));
            index += 1;
            ordinal = 0;
            continue;
        }
        let keyword = i.cmd.to_uppercase();
        if std::ptr::eq(i, target) {
            let (label, _) = stage?;
            return Some(step_identity(
                dockerfile,
                &label,
                &Platform::host().to_string(),
                &keyword,
                ordinal,
            ));
        }
        if i.cmd == target.cmd {
            ordinal += 1;
        }
    }
    None
}

/// `", it re-ran N times in this cache's history (Xs in all)"`, when it ran more than once.
pub(super) fn cost(history: &dyn History, identity: &Digest) -> Option<String> {
    let runs = history.runs(identity);
    if runs.len() < 2 {
        return None;
    }
    let ms: u64 = runs.iter().map(|r| r.duration_ms).sum();
    Some(format!(
        "; it ran {} times in the builds this cache recorded ({} in all)",
        runs.len(),
        human_duration(ms)
    ))
}

/// `" (N MB of them in this step's last layer)"`, when the layer is in the cache.
pub(super) fn bytes_under(history: &dyn History, identity: &Digest, dir: &str) -> Option<String> {
    let n = history.layer_bytes_under(identity, dir)?;
    (n > 0).then(|| {
        format!(
            " ({:.1} MB under {dir} in the layer its last run made)",
            n as f64 / 1e6
        )
    })
}

fn human_duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{:.1}s", ms as f64 / 1000.0),
        1..=59 => format!("{s}s"),
        _ => format!("{}m{:02}s", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<PastRun>);
    impl History for Fixed {
        fn runs(&self, _: &Digest) -> Vec<PastRun> {
            self.0.clone()
        }
    }

    #[test]
    fn identities_match_the_planners_and_costs_add_up() {
        let df = crate::dockerfile::parse("FROM scratch AS b\nRUN a\nCOPY x y\nRUN b\n").unwrap();
        let second_run = &df.instructions[3];
        assert_eq!(
            identity_of(&df, "Dockerfile", second_run),
            Some(step_identity(
                "Dockerfile",
                "b",
                &Platform::host().to_string(),
                "RUN",
                1
            ))
        );
        let id = Digest::of(b"x");
        let runs = |ms: &[u64]| {
            Fixed(
                ms.iter()
                    .map(|&duration_ms| PastRun { duration_ms })
                    .collect(),
            )
        };
        assert_eq!(cost(&runs(&[5000]), &id), None);
        assert_eq!(
            cost(&runs(&[61_000, 90_000, 101_000]), &id).unwrap(),
            "; it ran 3 times in the builds this cache recorded (4m12s in all)"
        );
    }
}
