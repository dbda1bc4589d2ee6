//! Stages -> a graph of steps, each with its cache key: what `rbuild plan` prints and what the
//! builder executes.
//!
//! [`plan`] takes the typed stages of a Dockerfile, the build args, the platform and the build
//! context, and
//! 1. evaluates the global ARGs and every FROM line (base image, stage name, `--platform`);
//! 2. finds each stage's dependencies (`FROM <stage>`, `COPY --from`, `RUN --mount from=`), the
//!    stages the target needs and the order in which they can run (stages in the same wave are
//!    independent and run in parallel); stages the target does not need are skipped and never
//!    evaluated, like BuildKit does;
//! 3. walks each needed stage's instructions, expanding variables as Docker does, tracking the
//!    image config (ENV, WORKDIR, USER, SHELL, ...), and computes every step's input key (the
//!    encoding is in [`key`], the fields of each kind of step in `steps`).
//!
//! A stage's keys depend only on its own instructions, the stages it copies from and its base:
//! a change in one stage never changes a sibling's keys.

mod files;
mod heads;
mod history;
pub mod identity;
pub mod key;
pub mod named;
pub mod op;
pub mod remote_source;
mod render;
pub mod resolve;
mod run;
mod steps;
pub mod vars;

pub use crate::oci::{Platform, platform, reference};
pub use key::{Digest, KeyHasher};
pub use named::{NamedContext, NamedContexts, NamedValue};
pub use op::{FileOp, FileSource, MountType, RunMount, RunOp, RunSandbox, Sharing, StepOp, Ulimit};
pub use resolve::{BaseResolver, ImageSource, PinnedOnly, Source};

use crate::context::{BuildContext, ContextError};
use crate::dockerfile::instructions::Stages;
use crate::dockerfile::shell::Lexer;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use vars::BuildArgs;

/// Everything a plan is made from.
pub struct PlanRequest<'a> {
    /// The Dockerfile's stages.
    pub stages: &'a Stages,
    /// `--target`: the stage to build (default: the last).
    pub target: Option<String>,
    /// `--build-arg` values.
    pub build_args: BTreeMap<String, String>,
    /// The platform rbuild runs on.
    pub build_platform: Platform,
    /// `--platform`: the platform to build for (default: the build platform).
    pub target_platform: Option<Platform>,
    /// The build context that COPY/ADD read.
    pub context: &'a BuildContext,
    /// Resolves base image tags to digests.
    pub resolver: &'a dyn BaseResolver,
    /// What every RUN step gets besides its instruction (`--add-host`, `--ulimit`, ...).
    pub sandbox: RunSandbox,
    /// `--build-context` names, which FROM, `COPY --from` and `RUN --mount from=` resolve to
    /// before stages and images.
    pub named: &'a NamedContexts,
}

/// Why a plan could not be made. Every variant that comes from an instruction names its line.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A problem with one instruction (expansion, a bad mount, an unknown stage, ...).
    #[error("line {line}: {message}")]
    Instruction {
        /// 1-based line of the instruction.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A COPY/ADD source could not be read or hashed.
    #[error("line {line}: {source}")]
    Context {
        /// 1-based line of the instruction.
        line: usize,
        /// The context error.
        #[source]
        source: ContextError,
    },
    /// `--target` names no stage (BuildKit's message and "did you mean" hint).
    #[error("target stage {target:?} could not be found{hint}")]
    UnknownTarget {
        /// The target as given.
        target: String,
        /// `" (did you mean <stage>?)"` when a stage's name is near, else empty.
        hint: String,
    },
}

impl PlanError {
    /// The Dockerfile line the error is about, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            PlanError::Instruction { line, .. } | PlanError::Context { line, .. } => Some(*line),
            PlanError::UnknownTarget { .. } => None,
        }
    }

    pub(crate) fn at(line: usize, message: impl Into<String>) -> Self {
        PlanError::Instruction {
            line,
            message: message.into(),
        }
    }
}

/// The result: every stage, which ones run and in what order, and every step's key.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Index of the target stage.
    pub target: usize,
    /// The platform built for.
    pub platform: String,
    /// Stages the target needs, in an order that respects dependencies.
    pub order: Vec<usize>,
    /// Groups of stages that can run at the same time: every stage of a wave depends only on
    /// stages of earlier waves.
    pub waves: Vec<Vec<usize>>,
    /// All stages in file order (skipped ones included, with no steps).
    pub stages: Vec<PlannedStage>,
    /// The ARGs declared before the first FROM and their values (FROM lines use them; the
    /// automatic platform args are available too but not listed).
    pub global_args: Vec<(String, String)>,
    /// Build args that no ARG consumed (Docker warns about them).
    pub unused_build_args: Vec<String>,
    /// The Dockerfile's path relative to the context, as step identities name it
    /// ([`identity`]); `Dockerfile` until [`Plan::set_dockerfile`] says otherwise.
    #[serde(skip)]
    pub dockerfile: String,
}

impl Plan {
    /// Names the Dockerfile the plan was made from (relative to the context, `-` for standard
    /// input) and gives every step the identity that goes with it.
    pub fn set_dockerfile(&mut self, dockerfile: &str) {
        identity::assign(self, dockerfile);
    }

    /// The stages whose steps make the final image: the target and the stages it is built
    /// `FROM`, transitively. The others' layers exist only in caches (`mode=max` exports them).
    pub fn image_stages(&self) -> Vec<usize> {
        let mut out = vec![self.target];
        let mut at = self.target;
        while let Some(stage) = self.stages.get(at) {
            match stage.steps.first().map(|s| &s.op) {
                Some(StepOp::From(Source::Stage(j))) if !out.contains(j) => {
                    out.push(*j);
                    at = *j;
                }
                _ => break,
            }
        }
        out
    }
}

/// The stages that plans of several target platforms share: needed by every plan with the same
/// key in each (a `FROM --platform=$BUILDPLATFORM` stage that does not read the target's
/// args). A build runs each once; `rbuild plan` lists them.
pub fn shared_stages(plans: &[Plan]) -> Vec<usize> {
    let Some((first, rest)) = plans.split_first() else {
        return Vec::new();
    };
    first
        .order
        .iter()
        .copied()
        .filter(|&i| {
            let key = first.stages.get(i).and_then(|s| s.key.as_ref());
            key.is_some()
                && rest.iter().all(|p| {
                    p.order.contains(&i) && p.stages.get(i).and_then(|s| s.key.as_ref()) == key
                })
        })
        .collect()
}

/// One stage of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStage {
    /// Position in the Dockerfile.
    pub index: usize,
    /// Name after `AS`.
    pub name: Option<String>,
    /// Line of its FROM.
    pub line: usize,
    /// True when the target does not need it: it is neither evaluated nor built.
    pub skipped: bool,
    /// The FROM line's base, expanded (`scratch`, a stage name or an image reference).
    pub base: String,
    /// The resolved base, for needed stages.
    pub base_image: Option<ImageSource>,
    /// Its platform.
    pub platform: String,
    /// Stages it needs (FROM, COPY --from, RUN --mount from=).
    pub depends_on: Vec<usize>,
    /// Its steps (empty when skipped); the first is the FROM.
    pub steps: Vec<PlannedStep>,
    /// The input key of the stage's result (its last step's key).
    pub key: Option<Digest>,
    /// The image config the stage ends with (env, cmd, labels, history, ...), for needed stages.
    /// A base image's own config joins it once the registry is consulted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<crate::image::config::ImageConfig>,
}

/// One instruction of a stage and its key.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// First line of the instruction.
    pub line: usize,
    /// The instruction keyword (`RUN`, `COPY`, ...).
    pub instruction: String,
    /// The instruction after variable expansion, as it is recorded in the image history.
    pub text: String,
    /// Whether the step makes a filesystem layer (RUN, COPY, ADD, WORKDIR) or only changes the
    /// image config.
    pub layer: bool,
    /// The step's input key; ARG steps have none (they only bring variables into scope).
    pub key: Option<Digest>,
    /// What went into the key besides the parent key and the instruction text.
    pub inputs: StepInputs,
    /// What the builder does for it.
    #[serde(skip)]
    pub op: StepOp,
    /// True for a trigger from the base's ONBUILD instructions (run before the stage's own).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub onbuild: bool,
}

/// The inputs of a step's key that a user may want to see when a key changes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StepInputs {
    /// Build args (declared with ARG) that the step used, with their values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    /// Context paths and their content digests (COPY/ADD from the context, bind mounts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<(String, String)>,
    /// The digest over all selected context files, and how many entries they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_digest: Option<(String, usize)>,
    /// Stages the step reads from, with their keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<(usize, Digest)>,
    /// Images the step reads from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageSource>,
    /// `--build-context` directories the step reads from: the name and the digest of what the
    /// step selected in it (the key's `from.context` field, `context.local` for a FROM).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub named: Vec<(String, String)>,
    /// `ADD` URLs without `--checksum` and the sha256 of what they served when the build
    /// planned (`sha256:<hex>`, the key's `url.sha256` fields); `ADD` git sources and the
    /// commit their ref named (`commit:<id>`, the key's `git.commit`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<(String, String)>,
    /// Inputs not known until the build runs (an unresolved tag, an ADD URL without
    /// `--checksum` when planning without fetching): the key is provisional.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
    /// The previous step's key (the parent field of this step's key); `None` for FROM and ARG.
    #[serde(skip)]
    pub parent: Option<Digest>,
    /// Every context entry the step reads (COPY/ADD sources, bind mounts) by path, with what it
    /// is (`file 644 <digest prefix>`, `dir 755`, ...): what explains a changed
    /// [`context_digest`](Self::context_digest).
    #[serde(skip)]
    pub listing: Vec<(String, String)>,
    /// The step's identity (see [`identity`]), for keyed steps: which cache records a miss is
    /// compared with.
    #[serde(skip)]
    pub identity: Option<Digest>,
    /// The identities of the same-kind steps just after and just before it, tried when its own
    /// has no record (a step of the same kind was inserted or removed above it).
    #[serde(skip)]
    pub near: Vec<Digest>,
}

/// Makes the plan.
pub fn plan(req: &PlanRequest<'_>) -> Result<Plan, PlanError> {
    let stages = &req.stages.stages;
    let target_platform = req
        .target_platform
        .clone()
        .unwrap_or_else(|| req.build_platform.clone());
    let target = match &req.target {
        Some(t) => {
            let lower = t.to_lowercase();
            stages
                .iter()
                .position(|s| s.name.as_deref() == Some(lower.as_str()))
                .ok_or_else(|| {
                    let names: Vec<&str> =
                        stages.iter().filter_map(|s| s.name.as_deref()).collect();
                    PlanError::UnknownTarget {
                        target: t.clone(),
                        hint: crate::dockerfile::suggest::search(t, &names, true)
                            .map(|m| format!(" (did you mean {m}?)"))
                            .unwrap_or_default(),
                    }
                })?
        }
        None => stages.len().saturating_sub(1),
    };
    let mut build_args = BuildArgs::new(req.build_args.clone());
    let target_name = stages
        .get(target)
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| "default".to_string());
    let lexer = Lexer::new(req.stages.escape);
    let global = heads::global_args(req, &lexer, &mut build_args, &target_platform, &target_name)?;

    // FROM lines and dependencies of every stage (cheap: no context, no registry).
    let heads = heads::stage_heads(req, &lexer, &global, &target_platform)?;
    let deps = with_image_triggers(req, &heads, target);
    let needed = needed_stages(target, &deps);
    let waves = waves(&needed, &deps);
    let order: Vec<usize> = waves.iter().flatten().copied().collect();

    let mut planned: Vec<PlannedStage> = heads
        .iter()
        .enumerate()
        .map(|(i, h)| PlannedStage {
            index: i,
            name: stages[i].name.clone(),
            line: stages[i].line,
            skipped: !needed.contains(&i),
            base: h.base.clone(),
            base_image: None,
            platform: h.platform.to_string(),
            depends_on: deps[i].iter().copied().collect(),
            steps: Vec::new(),
            key: None,
            config: None,
        })
        .collect();
    let mut finals: BTreeMap<usize, steps::StageResult> = BTreeMap::new();
    for &i in &order {
        let result =
            steps::plan_stage(req, &lexer, &global, &mut build_args, i, &heads[i], &finals)?;
        planned[i].base_image = result.base_image.clone();
        planned[i].steps = result.steps.clone();
        planned[i].key = Some(result.key.clone());
        planned[i].config = Some(result.config().clone());
        finals.insert(i, result);
    }
    let mut plan = Plan {
        target,
        platform: target_platform.to_string(),
        order,
        waves,
        stages: planned,
        global_args: global
            .entries()
            .iter()
            .filter(|(k, _)| declared_meta_args(req.stages).contains(k.as_str()))
            .cloned()
            .collect(),
        unused_build_args: build_args.unconsumed(),
        dockerfile: String::new(),
    };
    plan.set_dockerfile("Dockerfile");
    Ok(plan)
}

/// Every stage's dependencies, with the stages that the ONBUILD triggers of a needed stage's
/// base image copy or mount from (BuildKit's `resolveStages` loop: a trigger can make another
/// stage needed, whose base image can have triggers in turn). The image configs come from the
/// resolver (which keeps them for the stages' planning); one it cannot give adds nothing.
fn with_image_triggers(
    req: &PlanRequest<'_>,
    heads: &[heads::StageHead],
    target: usize,
) -> Vec<BTreeSet<usize>> {
    let mut deps: Vec<BTreeSet<usize>> = heads.iter().map(|h| h.depends_on.clone()).collect();
    let names = heads::stage_names(req);
    let mut asked = BTreeSet::new();
    loop {
        let mut grew = false;
        for i in needed_stages(target, &deps) {
            let (Source::Image(img), true) = (&heads[i].source, asked.insert(i)) else {
                continue;
            };
            let Ok(Some(config)) =
                resolve::image_config(&img.reference, &heads[i].platform, req.resolver)
            else {
                continue;
            };
            let line = req.stages.stages[i].line;
            for j in heads::trigger_deps(&config.config.on_build, i, &names, req.named, line) {
                grew |= deps[i].insert(j);
            }
        }
        if !grew {
            return deps;
        }
    }
}

/// Names declared by the ARGs before the first FROM.
fn declared_meta_args(stages: &Stages) -> BTreeSet<&str> {
    stages
        .meta_args
        .iter()
        .filter_map(|c| match &c.kind {
            crate::dockerfile::instructions::CommandKind::Arg(decls) => Some(decls),
            _ => None,
        })
        .flatten()
        .map(|d| d.name.as_str())
        .collect()
}

/// The target and every stage it transitively depends on.
fn needed_stages(target: usize, deps: &[BTreeSet<usize>]) -> BTreeSet<usize> {
    let mut needed = BTreeSet::new();
    let mut todo = vec![target];
    while let Some(i) = todo.pop() {
        if needed.insert(i) {
            todo.extend(deps.get(i).into_iter().flatten().copied());
        }
    }
    needed
}

/// Groups needed stages into waves: a stage's wave is one more than its deepest dependency's.
/// Dependencies always point to earlier stages, so one pass in index order suffices.
fn waves(needed: &BTreeSet<usize>, deps: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let mut depth: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in needed {
        let d = deps
            .get(i)
            .into_iter()
            .flatten()
            .filter_map(|d| depth.get(d))
            .map(|d| d + 1)
            .max()
            .unwrap_or(0);
        depth.insert(i, d);
    }
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, d) in depth {
        if waves.len() <= d {
            waves.resize(d + 1, Vec::new());
        }
        waves[d].push(i);
    }
    waves
}

pub use render::{render_json, render_shared, render_text};

#[cfg(test)]
mod tests;
