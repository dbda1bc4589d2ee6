//! rbuild's own rules: the advice of every Dockerfile guide, as checks (each documented with its
//! fix and an example in `docs/checks.md`). They read the parsed Dockerfile (and for
//! NoDockerignore the top of the context); what a mistake cost comes from the build history.

use std::path::Path;

use super::buildkit::Emit;
use super::history::{History, because, bytes_under, cost, identity_of};
use super::rule;
use crate::dockerfile::ast::{Body, Dockerfile, Instruction};

/// Commands that install dependencies from manifests a project keeps next to its sources.
const INSTALLS: &[&str] = &[
    "pip install",
    "pip3 install",
    "poetry install",
    "pipenv install",
    "uv sync",
    "npm ci",
    "npm install",
    "yarn install",
    "pnpm install",
    "cargo build",
    "cargo fetch",
    "go mod download",
    "go build",
    "bundle install",
    "composer install",
    "mvn ",
    "gradle ",
];

/// Names in a context that no image needs and that make every build slower.
const HEAVY: &[&str] = &[".git", "node_modules", "target", "__pycache__"];

/// The shell text of a RUN: its command (shell or exec form) and heredoc bodies.
fn run_text(i: &Instruction) -> String {
    let mut text = match &i.body {
        Body::Args { args, .. } => args.join(" "),
        _ => String::new(),
    };
    for h in &i.heredocs {
        text.push('\n');
        text.push_str(&h.content);
    }
    text
}

/// Whether one of the RUN's `--mount=type=cache` targets is under `dir`.
fn caches(i: &Instruction, dir: &str) -> bool {
    i.flags.iter().any(|f| {
        f.starts_with("--mount=")
            && f.contains("type=cache")
            && f.split(',').any(|kv| {
                kv.strip_prefix("target=")
                    .or_else(|| kv.strip_prefix("dst="))
                    .or_else(|| kv.strip_prefix("destination="))
                    .is_some_and(|t| t.trim_end_matches('/').starts_with(dir))
            })
    })
}

/// What a finding about the instruction at hand cost (empty without a history).
struct StepCosts<'a> {
    /// How often the step re-ran and for how long.
    run: &'a dyn Fn() -> Option<String>,
    /// How much its last layer holds under a directory.
    under: &'a dyn Fn(&str) -> Option<String>,
}

/// A stage as these rules follow it.
#[derive(Default)]
struct Stage<'d> {
    name: Option<String>,
    /// The `COPY .` of the stage, if any.
    copy_all: Option<&'d Instruction>,
    /// The user the stage's processes run as (`None`: not set in this Dockerfile).
    user: Option<String>,
}

/// The cache's history and the Dockerfile's name in step identities.
type Costs<'a> = Option<(&'a dyn History, &'a str)>;

/// Runs rbuild's rules over `df` (and NoDockerignore over `context`); `history` adds what a
/// mistake cost; a base that is one of the `named` contexts is no image.
pub(super) fn check(
    df: &Dockerfile,
    context: Option<&Path>,
    history: Costs<'_>,
    named: &[String],
    emit: &mut Emit<'_>,
) {
    let mut stages: Vec<Stage> = Vec::new();
    for i in &df.instructions {
        match i.cmd.as_str() {
            "from" => {
                let Body::Args { args, .. } = &i.body else {
                    continue;
                };
                let mut stage = Stage {
                    name: (args.len() == 3).then(|| args[2].to_lowercase()),
                    ..Stage::default()
                };
                if let Some(base) = args.first() {
                    let lower = base.to_lowercase();
                    match stages.iter().find(|s| s.name.as_deref() == Some(&lower)) {
                        Some(parent) => stage.user = parent.user.clone(),
                        None if named.iter().any(|n| crate::plan::named::same_name(n, base)) => {}
                        None => base_image(base, i, emit),
                    }
                }
                stages.push(stage);
            }
            _ => {
                if let Some(stage) = stages.last_mut() {
                    let copy_all = stage.copy_all;
                    let costs = StepCosts {
                        run: &|| {
                            let (h, name) = history?;
                            let mut text = cost(h, &identity_of(df, name, i)?)?;
                            if let Some(copy) = copy_all
                                && let Some(why) = identity_of(df, name, copy)
                                    .and_then(|id| because(h, &id, &copy.original))
                            {
                                text.push_str(&why);
                            }
                            Some(text)
                        },
                        under: &|dir: &str| {
                            let (h, name) = history?;
                            bytes_under(h, &identity_of(df, name, i)?, dir)
                        },
                    };
                    instruction(i, stage, &costs, emit);
                }
            }
        }
    }
    if let Some(last) = stages.last() {
        let root = last
            .user
            .as_deref()
            .is_none_or(|u| matches!(u.split(':').next(), Some("root" | "0" | "")));
        if root {
            let line = df
                .instructions
                .iter()
                .rev()
                .find(|i| i.cmd == "from")
                .map_or(1, |i| i.line);
            emit(
                &rule::ROOT_USER,
                "The image runs as root (no USER in its final stage): add a non-root user and \
                 `USER` it before CMD"
                    .into(),
                line,
                line,
                None,
            );
        }
    }
    if let Some(dir) = context {
        no_dockerignore(df, dir, emit);
    }
}

fn instruction<'d>(
    i: &'d Instruction,
    stage: &mut Stage<'d>,
    cost: &StepCosts<'_>,
    emit: &mut Emit<'_>,
) {
    match i.cmd.as_str() {
        "user" => {
            if let Body::Args { args, .. } = &i.body {
                stage.user = args.first().cloned();
            }
        }
        "copy" | "add" if !i.flags.iter().any(|f| f.starts_with("--from=")) => {
            if let Body::Args { args, .. } = &i.body
                && let Some((_, sources)) = args.split_last()
                && sources
                    .iter()
                    .any(|s| matches!(s.as_str(), "." | "./" | "/"))
            {
                stage.copy_all = Some(i);
            }
        }
        "run" => run(i, stage, cost, emit),
        _ => {}
    }
}

fn run(i: &Instruction, stage: &Stage, cost: &StepCosts<'_>, emit: &mut Emit<'_>) {
    let text = run_text(i);
    let at = |rule, message: String, emit: &mut Emit<'_>| {
        emit(rule, message, i.line, i.end_line, Some(i));
    };
    if let Some(install) = INSTALLS.iter().find(|c| text.contains(*c))
        && let Some(copy) = stage.copy_all
    {
        let (line, copy) = (copy.line, &copy.original);
        at(
            &rule::COPY_ALL_BEFORE_INSTALL,
            format!(
                "`{}` runs after `{copy}` (line {line}) copied the whole context: any file change \
                 reruns it{}; copy its manifests first, install, then copy the rest",
                install.trim(),
                (cost.run)().unwrap_or_default()
            ),
            emit,
        );
    }
    let apt_install = text.contains("apt-get install") || text.contains("apt install");
    let apt_update = text.contains("apt-get update") || text.contains("apt update");
    if apt_update && !apt_install {
        at(
            &rule::APT_UPDATE_ALONE,
            "apt-get update without apt-get install in the same RUN: its cached layer makes \
             later installs use stale lists"
                .into(),
            emit,
        );
    }
    if apt_install {
        // Removed when a command of the RUN is an `rm` of the lists.
        let removed = text
            .split(['&', ';', '|', '\n'])
            .any(|cmd| cmd.trim().starts_with("rm ") && cmd.contains("/var/lib/apt/lists"));
        if !removed && !caches(i, "/var/lib/apt") {
            at(
                &rule::APT_LISTS_LEFT,
                format!(
                    "apt lists stay in this layer{}: end the RUN with \
                     `rm -rf /var/lib/apt/lists/*`, or mount a cache at /var/lib/apt",
                    (cost.under)("/var/lib/apt").unwrap_or_default()
                ),
                emit,
            );
        }
        if !text.contains("--no-install-recommends") && !text.contains("Install-Recommends") {
            at(
                &rule::APT_RECOMMENDS,
                "apt-get install without --no-install-recommends installs recommended packages \
                 the image does not need"
                    .into(),
                emit,
            );
        }
    }
    let pip = (text.contains("pip install") || text.contains("pip3 install"))
        && !text.contains("--no-cache-dir")
        && !text.contains("PIP_NO_CACHE_DIR")
        && !caches(i, "/root/.cache");
    let npm = (text.contains("npm ci") || text.contains("npm install"))
        && !text.contains("npm cache clean")
        && !caches(i, "/root/.npm");
    for (yes, tool, dir) in [(pip, "pip", "/root/.cache/pip"), (npm, "npm", "/root/.npm")] {
        if yes {
            at(
                &rule::PACKAGE_CACHE_IN_LAYER,
                format!(
                    "{tool}'s download cache goes into this layer{}: add \
                     `--mount=type=cache,target={dir}` to the RUN",
                    (cost.under)(dir).unwrap_or_default()
                ),
                emit,
            );
        }
    }
}

/// BaseImageLatest, BaseImageUnpinned and EndOfLifeBase for a FROM naming an image.
fn base_image(base: &str, i: &Instruction, emit: &mut Emit<'_>) {
    if base.contains('$') || base.eq_ignore_ascii_case("scratch") {
        return;
    }
    let (name_tag, digest) = match base.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (base, None),
    };
    // A tag is after the last `:` that comes after the last `/` (not a registry port).
    let last = name_tag.rsplit('/').next().unwrap_or(name_tag);
    let tag = last.split_once(':').map(|(_, t)| t);
    let repo = match tag {
        Some(t) => &name_tag[..name_tag.len() - t.len() - 1],
        None => name_tag,
    };
    if digest.is_none() {
        if tag.is_none_or(|t| t == "latest") {
            emit(
                &rule::BASE_IMAGE_LATEST,
                format!(
                    "Base image '{base}' names no version ({}): builds change whenever it is \
                     updated; use a version tag",
                    if tag.is_some() { ":latest" } else { "no tag" }
                ),
                i.line,
                i.end_line,
                Some(i),
            );
        } else {
            emit(
                &rule::BASE_IMAGE_UNPINNED,
                format!(
                    "Base image '{base}' is not pinned by digest: `{base}@sha256:...` keeps every \
                     build on the same image"
                ),
                i.line,
                i.end_line,
                Some(i),
            );
        }
    }
    if let Some(t) = tag
        && let Some(why) = end_of_life(repo.rsplit('/').next().unwrap_or(repo), t)
    {
        emit(
            &rule::END_OF_LIFE_BASE,
            format!("Base image '{base}' is {why}: it gets no security updates"),
            i.line,
            i.end_line,
            Some(i),
        );
    }
}

/// Why a release is past its end of life, for the images whose versions are known.
fn end_of_life(image: &str, tag: &str) -> Option<String> {
    let version = tag.split('-').next().unwrap_or(tag);
    let number = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        Some((major, minor))
    };
    match image {
        "debian" => match version {
            "buster" | "stretch" | "jessie" | "wheezy" => {
                Some(format!("Debian {version}, past its end of life"))
            }
            _ => number(version)
                .filter(|(m, _)| *m <= 10)
                .map(|(m, _)| format!("Debian {m}, past its end of life")),
        },
        "ubuntu" => match version {
            "bionic" | "xenial" | "trusty" => Some(format!(
                "Ubuntu {version}, past its end of standard support"
            )),
            _ => number(version)
                .filter(|v| *v <= (18, 10))
                .map(|(m, n)| format!("Ubuntu {m}.{n:02}, past its end of standard support")),
        },
        "python" => number(version)
            .filter(|v| *v <= (3, 8))
            .map(|(m, n)| format!("Python {m}.{n}, past its end of life")),
        "node" => number(version)
            .filter(|(m, _)| *m <= 16)
            .map(|(m, _)| format!("Node.js {m}, past its end of life")),
        _ => None,
    }
}

/// NoDockerignore: the context holds `.git`, `node_modules`... and no `.dockerignore`.
fn no_dockerignore(df: &Dockerfile, dir: &Path, emit: &mut Emit<'_>) {
    if dir.join(".dockerignore").exists() {
        return;
    }
    let found: Vec<&str> = HEAVY
        .iter()
        .copied()
        .filter(|n| dir.join(n).exists())
        .collect();
    if found.is_empty() {
        return;
    }
    let Some(first) = df.instructions.iter().find(|i| i.cmd == "from") else {
        return;
    };
    emit(
        &rule::NO_DOCKERIGNORE,
        format!(
            "The context has {} and no .dockerignore: every build reads and hashes them (and \
             `COPY .` puts them in the image); add a .dockerignore naming them",
            found.join(", ")
        ),
        first.line,
        first.line,
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_life_releases_are_known_by_name_and_number() {
        assert!(end_of_life("debian", "buster-slim").is_some());
        assert!(end_of_life("debian", "10").is_some());
        assert!(end_of_life("debian", "bookworm").is_none());
        assert!(end_of_life("ubuntu", "18.04").is_some());
        assert!(end_of_life("ubuntu", "22.04").is_none());
        assert!(end_of_life("python", "3.8-slim").is_some());
        assert!(end_of_life("python", "3.12").is_none());
        assert!(end_of_life("node", "16-alpine").is_some());
        assert!(end_of_life("node", "22").is_none());
        assert!(end_of_life("golang", "1.10").is_none());
    }
}
