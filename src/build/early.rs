//! Start early: before any stage runs, which lower layers the build will have to make present.
//!
//! On a fresh runner the steps a cache holds are hits, and the first step of a stage that
//! misses needs the layers below it (the base image's and the hits' layers) made present before
//! it can run. Those layers are known as soon as the cache is imported: walking each stage's
//! steps through the cache lookup, up to its first miss, names them. The executor makes them
//! present on a thread of their own while the stages pull, take their hits, restore mount caches
//! and run other stages' steps (issue 17): a stage that waits for three others no longer starts
//! its downloads only when they are done.
//!
//! The walk only reads: it never runs a step, and a stage whose outcome depends on something
//! unknown (a step with unresolved inputs, a stage that will run) ends the walk of the stages
//! that depend on it. Whatever it names is made once: the materializer's per-chain-id locks make
//! a step that needs a layer wait for the early thread instead of fetching it again.

use std::collections::{BTreeMap, HashSet};

use super::layers::{BlobOrigin, LayerRef, push_layer};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::plan::{FileSource, ImageSource, Plan, PlannedStage, PlannedStep, Source, StepOp};

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

/// The layer stacks the first missing step of each of `plan`'s stages stands on (its lower
/// layers, and the stages or images it copies from), each layer once, in the order the stages
/// are built.
pub(super) fn stacks(plan: &Plan, look: &dyn Lookahead) -> Vec<LayerRef> {
    let provisional = provisional_stages(plan);
    // The layers of every stage whose steps are all hits.
    let mut known: BTreeMap<usize, Vec<LayerRef>> = BTreeMap::new();
    let mut wanted = Vec::new();
    for &i in &plan.order {
        let Some(stage) = plan.stages.get(i) else {
            continue;
        };
        if !look.caching(stage) || provisional.contains(&i) {
            continue;
        }
        match walk(stage, &known, look) {
            Walk::AllHits(layers) => {
                known.insert(i, layers);
            }
            Walk::Miss(needed) => wanted.extend(needed),
            Walk::Unknown => {}
        }
    }
    let mut seen = HashSet::new();
    wanted.retain(|l: &LayerRef| seen.insert(l.chain_id.clone()));
    wanted
}

/// How far one stage's walk got.
enum Walk {
    /// Every step is a hit: the stage's layers.
    AllHits(Vec<LayerRef>),
    /// A step will run: the layers it needs present.
    Miss(Vec<LayerRef>),
    /// The walk could not tell (a base that did not resolve, a stage it needs that will run).
    Unknown,
}

fn walk(
    stage: &PlannedStage,
    known: &BTreeMap<usize, Vec<LayerRef>>,
    look: &dyn Lookahead,
) -> Walk {
    let mut layers: Vec<LayerRef> = Vec::new();
    for step in &stage.steps {
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
                    None => return needed_by(step, stage, layers, known, look),
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
) -> Walk {
    let StepOp::Copy(f) = &step.op else {
        return Walk::Miss(lower);
    };
    let mut needed = if f.needs_lower() { lower } else { Vec::new() };
    match &f.from {
        FileSource::Context => {}
        FileSource::Stage(j) => needed.extend(known.get(j).cloned().unwrap_or_default()),
        FileSource::Image(img) => {
            needed.extend(
                look.base(img, &stage.platform, step.line)
                    .unwrap_or_default(),
            );
        }
    }
    Walk::Miss(needed)
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
