//! Why a step missed the cache: its inputs now against the closest record the cache holds for the
//! same step.
//!
//! 1. [`snapshot`] takes what a step's key is made from (from the plan) as a
//!    [`StepSnapshot`]; the executor stores it in every record it writes.
//! 2. On a miss, [`explain_miss`] finds the records of the same step through the step index
//!    (`cache::steps`, by the step's identity, see `plan::identity`): the keys most recently
//!    stored for it, else a neighbouring identity's whose instruction text is the same (a step of
//!    the same kind was inserted above). Of those, the closest is the one with the fewest
//!    differences (the most recent on a tie).
//! 3. The reasons are the step's own differences (`cache::explain`), most specific first; when
//!    there are none, what changed above it: an earlier step of the stage that missed in this
//!    build, a changed config instruction just before it, a changed base image, or another
//!    parent.
//!
//! Only misses pay for this: a few small file reads. Reasons that need no record
//! (`--no-cache`, a provisional key) are decided by the executor.

use super::StepCache;
use crate::cache::explain::compare;
use crate::cache::{ContextSnapshot, ImageRef, StageRef, StepSnapshot};
use crate::digest::Digest;
use crate::plan::{ImageSource, PlannedStage, PlannedStep, StepOp};

/// The reason for a step that the cache has never seen.
pub const FIRST_BUILD: &str = "no record for this step (first build)";
/// The reason for a record whose layer blob is gone.
pub const BLOB_MISSING: &str = "record found but its layer blob is missing";

fn image_ref(i: &ImageSource) -> ImageRef {
    ImageRef {
        reference: i.reference.clone(),
        digest: i.digest.clone(),
    }
}

/// What `step` of `stage` is made from, with `before` the config-only instructions between the
/// stage's previous layer step and it (`KEYWORD text`). The context listing is complete: cap it
/// with [`StepSnapshot::for_record`] before storing it.
pub fn snapshot(stage: &PlannedStage, step: &PlannedStep, before: &[String]) -> StepSnapshot {
    let inputs = &step.inputs;
    let mut s = StepSnapshot {
        identity: inputs.identity.clone(),
        line: step.line,
        instruction: step.instruction.clone(),
        text: step.text.clone(),
        parent: inputs.parent.clone(),
        before: before.to_vec(),
        args: inputs.args.clone(),
        base: stage.base_image.as_ref().map(image_ref),
        images: inputs.images.iter().map(image_ref).collect(),
        urls: inputs
            .urls
            .iter()
            .map(|(url, digest)| ImageRef {
                reference: url.clone(),
                digest: Some(digest.clone()),
            })
            .collect(),
        stages: inputs
            .stages
            .iter()
            .map(|(index, key)| StageRef {
                index: *index,
                name: None,
                key: Some(key.clone()),
            })
            .collect(),
        context: inputs
            .context_digest
            .as_ref()
            .map(|(digest, _)| ContextSnapshot::new(digest.clone(), &inputs.listing)),
        ..StepSnapshot::default()
    };
    match &step.op {
        StepOp::Run(r) => {
            s.command = r.args.clone();
            s.env = r.env.clone();
            s.user = r.user.clone();
            s.workdir = r.workdir.clone();
            s.network = r.network.clone();
            s.mounts = r.mounts.iter().map(mount_summary).collect();
        }
        StepOp::Copy(f) => s.workdir = f.workdir.clone(),
        StepOp::Workdir { user, .. } => s.user = user.clone(),
        StepOp::Config | StepOp::From(_) => {}
    }
    s
}

/// A mount as the explanation compares it: type, id, target, source and options (secrets and
/// ssh agents by id only: their values are never in a plan).
fn mount_summary(m: &crate::plan::RunMount) -> String {
    let from = match &m.from {
        None => String::new(),
        Some(crate::plan::FileSource::Context) => ",from=context".into(),
        Some(crate::plan::FileSource::Stage(i)) => format!(",from=stage {i}"),
        Some(crate::plan::FileSource::Image(img)) => format!(",from={}", img.reference),
        Some(crate::plan::FileSource::Local(n)) => format!(",from=build context {n}"),
        Some(crate::plan::FileSource::Layout(n)) => format!(",from=oci-layout build context {n}"),
    };
    format!(
        "type={},id={},target={}{from},source={},readonly={},sharing={}",
        m.kind.as_str(),
        m.id,
        m.target,
        m.source,
        m.readonly,
        m.sharing.as_str()
    )
}

/// Names stages in `s` by the plan's stage names.
pub fn name_stages(s: &mut StepSnapshot, stages: &[PlannedStage]) {
    for r in &mut s.stages {
        r.name = stages.get(r.index).and_then(|st| st.name.clone());
    }
}

/// Why the step whose inputs are `now` and whose key is `key` missed; `near` are the identities
/// of its same-kind neighbours; `earlier_miss` the line of the last step of its stage that
/// missed in this build, if one did. Never empty.
pub fn explain_miss(
    cache: &dyn StepCache,
    now: &StepSnapshot,
    key: &Digest,
    near: &[Digest],
    earlier_miss: Option<usize>,
) -> Vec<String> {
    if cache.peek(key).is_some() {
        return vec![BLOB_MISSING.into()];
    }
    let records = |identity: &Digest| {
        cache
            .recent(identity)
            .into_iter()
            .filter(|k| k != key)
            .filter_map(|k| cache.peek(&k)?.snapshot)
            .collect::<Vec<StepSnapshot>>()
    };
    let mut candidates = now.identity.as_ref().map(records).unwrap_or_default();
    if candidates.is_empty() {
        candidates = near
            .iter()
            .flat_map(records)
            .filter(|s| s.instruction == now.instruction && s.text == now.text)
            .collect();
    }
    let Some(closest) = candidates
        .iter()
        .map(|then| compare(now, then))
        .enumerate()
        .min_by_key(|(i, c)| (c.distance(), *i))
        .map(|(_, c)| c)
    else {
        return vec![FIRST_BUILD.into()];
    };
    let mut reasons = closest.own;
    let upstream = if let Some(line) = earlier_miss {
        Some(format!("an earlier step missed (line {line})"))
    } else if let Some(before) = closest.before {
        Some(before)
    } else if let Some(base) = closest.base {
        Some(base)
    } else {
        closest
            .parent_differs
            .then(|| "an earlier step changed (the record was built on another parent)".into())
    };
    if let Some(up) = upstream
        && (closest.parent_differs || reasons.is_empty())
    {
        reasons.push(up);
    }
    if reasons.is_empty() {
        reasons.push("an input changed that the record does not show".into());
    }
    reasons
}

/// One layer step of a plan as [`explain_plan`] sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedVerdict {
    /// Stage index.
    pub stage: usize,
    /// Dockerfile line.
    pub line: usize,
    /// `KEYWORD text`.
    pub step: String,
    /// Why it would miss; `None` when the cache holds a usable record of its key.
    pub miss_reason: Option<String>,
}

/// What a build of `plan` would find in `cache` without building anything: every layer step
/// of the needed stages, a hit when `usable` says its key's record is, else why it would miss.
/// `no_cache` gives the `--no-cache` reason to every step.
pub fn explain_plan(
    plan: &crate::plan::Plan,
    cache: &dyn StepCache,
    usable: &dyn Fn(&Digest) -> bool,
) -> Vec<PlannedVerdict> {
    let mut out = Vec::new();
    let mut provisional_stages = std::collections::BTreeSet::new();
    for &i in &plan.order {
        let Some(stage) = plan.stages.get(i) else {
            continue;
        };
        let mut before = Vec::new();
        let mut earlier_miss = None;
        let mut provisional = false;
        for step in &stage.steps {
            provisional |= !step.inputs.unresolved.is_empty()
                || step
                    .inputs
                    .stages
                    .iter()
                    .any(|(j, _)| provisional_stages.contains(j));
            let key = match (&step.op, &step.key) {
                (StepOp::Workdir { .. } | StepOp::Copy(_) | StepOp::Run(_), Some(key)) => key,
                (StepOp::Config, _) => {
                    if step.instruction != "ARG" {
                        before.push(format!("{} {}", step.instruction, step.text));
                    }
                    continue;
                }
                _ => continue,
            };
            let miss_reason = if provisional {
                Some(match step.inputs.unresolved.first() {
                    Some(why) => format!("not cacheable: {why}"),
                    None => {
                        "not cacheable: an earlier step or a stage it reads is not cacheable".into()
                    }
                })
            } else if usable(key) {
                None
            } else {
                let mut now = snapshot(stage, step, &before);
                name_stages(&mut now, &plan.stages);
                Some(explain_miss(cache, &now, key, &step.inputs.near, earlier_miss).join("; "))
            };
            before.clear();
            if miss_reason.is_some() {
                earlier_miss = Some(step.line);
            }
            out.push(PlannedVerdict {
                stage: i,
                line: step.line,
                step: format!("{} {}", step.instruction, step.text),
                miss_reason,
            });
        }
        if provisional {
            provisional_stages.insert(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheRecord;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// A cache in memory with an index, as `LocalCache` keeps one.
    #[derive(Default)]
    struct Memory {
        records: Mutex<BTreeMap<Digest, CacheRecord>>,
        index: Mutex<BTreeMap<Digest, Vec<Digest>>>,
    }

    impl StepCache for Memory {
        fn get(&self, _: &Digest) -> Option<CacheRecord> {
            None
        }
        fn put(&self, record: &CacheRecord) -> Result<(), String> {
            if let Some(id) = record.snapshot.as_ref().and_then(|s| s.identity.clone()) {
                self.index
                    .lock()
                    .unwrap()
                    .entry(id)
                    .or_default()
                    .insert(0, record.key.clone());
            }
            self.records
                .lock()
                .unwrap()
                .insert(record.key.clone(), record.clone());
            Ok(())
        }
        fn peek(&self, key: &Digest) -> Option<CacheRecord> {
            self.records.lock().unwrap().get(key).cloned()
        }
        fn recent(&self, identity: &Digest) -> Vec<Digest> {
            self.index
                .lock()
                .unwrap()
                .get(identity)
                .cloned()
                .unwrap_or_default()
        }
    }

    fn store(cache: &Memory, key: &str, snapshot: StepSnapshot) {
        cache
            .put(&CacheRecord {
                key: Digest::of(key.as_bytes()),
                layer: None,
                chain_id: None,
                created: String::new(),
                created_by: String::new(),
                duration_ms: 0,
                lower_layers: Vec::new(),
                lower_chain_ids: Vec::new(),
                snapshot: Some(snapshot),
            })
            .unwrap();
    }

    fn run(identity: &str, cmd: &str, parent: &str) -> StepSnapshot {
        StepSnapshot {
            identity: Some(Digest::of(identity.as_bytes())),
            instruction: "RUN".into(),
            text: cmd.into(),
            command: vec![cmd.into()],
            parent: Some(Digest::of(parent.as_bytes())),
            ..StepSnapshot::default()
        }
    }

    #[test]
    fn first_build_and_missing_blob() {
        let cache = Memory::default();
        let now = run("id", "make", "p");
        let key = Digest::of(b"k");
        assert_eq!(explain_miss(&cache, &now, &key, &[], None), [FIRST_BUILD]);
        store(&cache, "k", now.clone());
        assert_eq!(explain_miss(&cache, &now, &key, &[], None), [BLOB_MISSING]);
    }

    #[test]
    fn the_closest_record_explains_and_earlier_misses_are_named() {
        let cache = Memory::default();
        store(&cache, "old", run("id", "make", "p"));
        store(&cache, "other", run("id", "make test", "p2"));
        let key = Digest::of(b"new");
        // Closest: the same command on another parent; an earlier step missed.
        let now = run("id", "make", "p3");
        assert_eq!(
            explain_miss(&cache, &now, &key, &[], Some(4)),
            ["an earlier step missed (line 4)"]
        );
        // Its own command changed, on the same parent.
        let now = run("id", "make all", "p");
        assert_eq!(
            explain_miss(&cache, &now, &key, &[], None),
            ["command changed"]
        );
        // Both: own reasons first.
        let now = run("id", "make all", "p9");
        assert_eq!(
            explain_miss(&cache, &now, &key, &[], Some(2)),
            ["command changed", "an earlier step missed (line 2)"]
        );
    }

    #[test]
    fn a_shifted_identity_falls_back_to_a_neighbour_with_the_same_text() {
        let cache = Memory::default();
        store(&cache, "old", run("RUN#0", "make", "p"));
        let now = run("RUN#1", "make", "p2");
        let near = [Digest::of(b"RUN#2"), Digest::of(b"RUN#0")];
        assert_eq!(
            explain_miss(&cache, &now, &Digest::of(b"k"), &near, Some(3)),
            ["an earlier step missed (line 3)"]
        );
        let other = run("RUN#1", "make other", "p2");
        assert_eq!(
            explain_miss(&cache, &other, &Digest::of(b"k"), &near, None),
            [FIRST_BUILD]
        );
    }
}
