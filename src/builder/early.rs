//! Start early: before any stage runs, which lower layers the build will have to make present.
//!
//! On a fresh runner the steps a cache holds are hits, and the first step of a stage that
//! misses needs the layers below it (the base image's and the hits' layers) made present before
//! it can run, and, when it is a RUN, its cache mounts restored. Both are known as soon as the
//! cache is imported: walking each stage's steps through the cache lookup, up to its first miss,
//! names them. The executor makes them present on threads of their own while the stages pull,
//! take their hits and run other stages' steps: a stage that waits for three others
//! no longer starts its downloads only when they are done, and a RUN no longer starts restoring
//! its mount caches only once its layers are there.
//!
//! The walk only reads: it never runs a step, and a stage whose outcome depends on something
//! unknown (a step with unresolved inputs, a stage that will run) ends the walk of the stages
//! that depend on it. Whatever it names is made once: the materializer's per-chain-id locks make
//! a step that needs a layer wait for the early thread instead of fetching it again.

use std::collections::{BTreeMap, HashSet};

use super::layers::{BlobOrigin, LayerRef, push_layer};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::plan::{
    FileSource, ImageSource, MountType, Plan, PlannedStage, PlannedStep, RunOp, Source, StepOp,
};

/// What the walk needs from the executor.
pub(super) trait Lookahead {
    /// Whether the executor consults the cache for `stage`'s steps (`--no-cache`, filters).
    fn caching(&self, stage: &PlannedStage) -> bool;
    /// The cached result of the step with `key`: its layer (`None`: it made none) and where
    /// that layer's blob comes from; `None` when the step will run.
    fn hit(&self, key: &Digest) -> Option<(Option<LayerDescriptor>, Option<BlobOrigin>)>;
    /// The layers of a base image; `None` when it cannot be resolved now (the stage's own pull
    /// will report why).
    fn base(&self, img: &ImageSource, platform: &str, line: usize) -> Option<Vec<LayerRef>>;
}

/// What the build will need before the first missing step of each stage can run.
#[derive(Default)]
pub(super) struct Needs<'p> {
    /// The layers those steps stand on (their lower layers, and the stages or images they copy
    /// from), each once, in the order the stages are built.
    pub(super) layers: Vec<LayerRef>,
    /// The RUN steps with cache mounts that will run (their line and op): every one from the
    /// first miss of a stage on, all of a stage the walk cannot see through. Their mount caches
    /// can be restored at once.
    pub(super) runs: Vec<(usize, &'p RunOp)>,
}

/// What the first missing step of each of `plan`'s stages needs.
pub(super) fn needs<'p>(plan: &'p Plan, look: &dyn Lookahead) -> Needs<'p> {
    let provisional = provisional_stages(plan);
    // The layers of every stage whose steps are all hits.
    let mut known: BTreeMap<usize, Vec<LayerRef>> = BTreeMap::new();
    let mut wanted = Vec::new();
    let mut runs = Vec::new();
    for &i in &plan.order {
        let Some(stage) = plan.stages.get(i) else {
            continue;
        };
        if !look.caching(stage) || provisional.contains(&i) {
            runs.extend(cache_runs(&stage.steps));
            continue;
        }
        match walk(stage, &known, look) {
            Walk::AllHits(layers) => {
                known.insert(i, layers);
            }
            Walk::Miss(needed, at) => {
                wanted.extend(needed);
                runs.extend(cache_runs(stage.steps.get(at..).unwrap_or_default()));
            }
            Walk::Unknown => runs.extend(cache_runs(&stage.steps)),
        }
    }
    let mut seen = HashSet::new();
    wanted.retain(|l: &LayerRef| seen.insert(l.chain_id.clone()));
    Needs {
        layers: wanted,
        runs,
    }
}

/// The RUN steps of `steps` that have cache mounts, with their lines.
fn cache_runs(steps: &[PlannedStep]) -> impl Iterator<Item = (usize, &RunOp)> {
    steps.iter().filter_map(|s| match &s.op {
        StepOp::Run(op) if op.mounts.iter().any(|m| m.kind == MountType::Cache) => {
            Some((s.line, op))
        }
        _ => None,
    })
}

/// How far one stage's walk got.
enum Walk {
    /// Every step is a hit: the stage's layers.
    AllHits(Vec<LayerRef>),
    /// The step at this index will run: the layers it needs present.
    Miss(Vec<LayerRef>, usize),
    /// The walk could not tell (a base that did not resolve, a stage it needs that will run).
    Unknown,
}

fn walk(
    stage: &PlannedStage,
    known: &BTreeMap<usize, Vec<LayerRef>>,
    look: &dyn Lookahead,
) -> Walk {
    let mut layers: Vec<LayerRef> = Vec::new();
    for (at, step) in stage.steps.iter().enumerate() {
        match &step.op {
            StepOp::From(Source::Scratch) => layers.clear(),
            StepOp::From(Source::Stage(j)) => match known.get(j) {
                Some(l) => layers.clone_from(l),
                None => return Walk::Unknown,
            },
            StepOp::From(Source::Image(img)) => match look.base(img, &stage.platform, step.line) {
                Some(l) => layers = l,
                None => return Walk::Unknown,
            },
            // A `--build-context` directory's layer is made when the stage runs.
            StepOp::From(Source::Local(_) | Source::Layout(_)) => return Walk::Unknown,
            StepOp::Config => {}
            StepOp::Workdir { .. } | StepOp::Copy(_) | StepOp::Run(_) => {
                let Some(key) = &step.key else {
                    return Walk::Unknown;
                };
                match look.hit(key) {
                    Some((layer, origin)) => {
                        if let Some(desc) = layer {
                            push_layer(&mut layers, desc, origin);
                        }
                    }
                    None => return Walk::Miss(needed_by(step, stage, layers, known, look), at),
                }
            }
        }
    }
    Walk::AllHits(layers)
}

/// The layers a step that will run needs present: those below it unless it is a `COPY --link`
/// that needs nothing of them, and the stage or image it copies from.
fn needed_by(
    step: &PlannedStep,
    stage: &PlannedStage,
    lower: Vec<LayerRef>,
    known: &BTreeMap<usize, Vec<LayerRef>>,
    look: &dyn Lookahead,
) -> Vec<LayerRef> {
    let StepOp::Copy(f) = &step.op else {
        return lower;
    };
    let mut needed = if f.needs_lower() { lower } else { Vec::new() };
    match &f.from {
        FileSource::Context | FileSource::Local(_) | FileSource::Layout(_) => {}
        FileSource::Stage(j) => needed.extend(known.get(j).cloned().unwrap_or_default()),
        FileSource::Image(img) => {
            needed.extend(
                look.base(img, &stage.platform, step.line)
                    .unwrap_or_default(),
            );
        }
    }
    needed
}

/// The stages whose steps the executor never looks up (their keys rest on inputs resolved only
/// while building, or on such a stage).
fn provisional_stages(plan: &Plan) -> HashSet<usize> {
    let mut out = HashSet::new();
    for &i in &plan.order {
        let Some(stage) = plan.stages.get(i) else {
            continue;
        };
        let unresolved = stage.steps.iter().any(|s| {
            !s.inputs.unresolved.is_empty()
                || s.inputs.stages.iter().any(|(j, _)| out.contains(j))
                || matches!(&s.op, StepOp::From(Source::Stage(j)) if out.contains(j))
        });
        if unresolved {
            out.insert(i);
        }
    }
    out
}
