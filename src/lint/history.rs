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
    /// The context files that differed between the step's recorded runs (a COPY's), and the
    /// ones that never did; `None` without two runs that listed their files.
    fn context_changes(&self, identity: &Digest) -> Option<ContextChanges> {
        let _ = identity;
        None
    }
}

/// Which context files a COPY's recorded runs saw change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextChanges {
    /// Paths that differed between consecutive runs (added, removed or changed).
    pub changed: Vec<String>,
    /// Paths every run saw the same.
    pub unchanged: Vec<String>,
}

/// Dependency manifests, whose change is what should rerun an install.
const MANIFESTS: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.toml",
    "Cargo.lock",
    "go.mod",
    "go.sum",
    "Gemfile",
    "Gemfile.lock",
    "composer.json",
    "composer.lock",
    "pom.xml",
    "build.gradle",
];

/// `", each time after COPY copied changed files (a, b); requirements.txt did not change"`.
pub(super) fn because(history: &dyn History, copy: &Digest, what: &str) -> Option<String> {
    let changes = history.context_changes(copy)?;
    if changes.changed.is_empty() {
        return None;
    }
    let shown: Vec<&str> = changes.changed.iter().take(3).map(String::as_str).collect();
    let more = changes.changed.len().saturating_sub(shown.len());
    let mut out = format!(
        ", after `{what}` copied changed files ({}{})",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    let steady: Vec<&str> = changes
        .unchanged
        .iter()
        .filter(|p| MANIFESTS.contains(&p.rsplit('/').next().unwrap_or(p)))
        .map(String::as_str)
        .collect();
    if !steady.is_empty() {
        out.push_str(&format!("; {} did not change", steady.join(", ")));
    }
    Some(out)
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
        fn context_changes(&self, _: &Digest) -> Option<ContextChanges> {
            Some(ContextChanges {
                changed: vec!["a.py".into(), "b.py".into(), "c.py".into(), "d.py".into()],
                unchanged: vec!["README".into(), "requirements.txt".into()],
            })
        }
    }

    #[test]
    fn the_reason_names_changed_files_and_the_steady_manifests() {
        let why = because(&Fixed(Vec::new()), &Digest::of(b"c"), "COPY . .").unwrap();
        assert_eq!(
            why,
            ", after `COPY . .` copied changed files (a.py, b.py, c.py and 1 more); \
             requirements.txt did not change"
        );
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
