//! Why two snapshots of one step have different keys: the differences of a step's current inputs
//! against a record's [`StepSnapshot`], as short sentences, the most specific first.
//!
//! [`compare`] splits them in two: the step's own inputs (context files, build args, env, user,
//! workdir, mounts, the command or instruction, images and stages it reads), and what comes from
//! above it (the config instructions just before it, the stage's base image, the parent key).
//! The builder (`build::explain`) turns a comparison into the reasons it prints, knowing which
//! earlier step of the build missed.

use super::snapshot::{ContextSnapshot, ImageRef, StepSnapshot};
use std::collections::{BTreeMap, BTreeSet};

/// How many paths a "N files changed" reason names.
const NAMED_PATHS: usize = 3;

/// The differences between a step's inputs now and a record's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Differences of the step's own inputs, most specific first.
    pub own: Vec<String>,
    /// The config instructions just before the step differ: the first difference.
    pub before: Option<String>,
    /// The stage's base image differs.
    pub base: Option<String>,
    /// The parent keys differ.
    pub parent_differs: bool,
}

impl Comparison {
    /// How far apart the two are: the number of differences (0: none the snapshots show).
    pub fn distance(&self) -> usize {
        self.own.len()
            + usize::from(self.before.is_some())
            + usize::from(self.base.is_some())
            + usize::from(self.parent_differs)
    }
}

/// Compares the step's snapshot `now` (its context listing complete) with a record's `then`.
pub fn compare(now: &StepSnapshot, then: &StepSnapshot) -> Comparison {
    let mut own = context_reasons(now.context.as_ref(), then.context.as_ref());
    own.extend(arg_reasons(&now.args, &then.args));
    let args: BTreeSet<&String> = now.args.keys().chain(then.args.keys()).collect();
    own.extend(env_reasons(&now.env, &then.env, &args));
    for (what, a, b) in [
        ("user", &now.user, &then.user),
        ("workdir", &now.workdir, &then.workdir),
        ("network", &now.network, &then.network),
    ] {
        if a != b {
            own.push(format!("{what} changed: {} -> {}", shown(b), shown(a)));
        }
    }
    if now.mounts != then.mounts {
        own.push("mounts changed".into());
    }
    if now.instruction == "RUN" {
        if now.command != then.command {
            own.push("command changed".into());
        }
    } else if now.text != then.text && now.args == then.args {
        own.push(format!(
            "instruction changed: {} {} -> {} {}",
            then.instruction, then.text, now.instruction, now.text
        ));
    }
    own.extend(image_reasons("image", &now.images, &then.images));
    own.extend(image_reasons("source", &now.urls, &then.urls));
    for s in &now.stages {
        match then.stages.iter().find(|t| t.index == s.index) {
            Some(t) if t.key != s.key => own.push(format!("stage {} changed", s.label())),
            None => own.push(format!("stage {} is read now", s.label())),
            _ => {}
        }
    }
    Comparison {
        own,
        before: before_reason(&now.before, &then.before),
        base: image_reasons("base image", now.base.as_slice(), then.base.as_slice())
            .into_iter()
            .next(),
        parent_differs: now.parent != then.parent,
    }
}

/// A digest as reasons show it: `sha256:` and 12 hex digits (a git source's `commit:<id>`:
/// `commit <12 hex digits>`).
pub fn short_digest(d: &str) -> String {
    if let Some(commit) = d.strip_prefix("commit:") {
        return format!("commit {}", commit.get(..12).unwrap_or(commit));
    }
    let hex = d.strip_prefix("sha256:").unwrap_or(d);
    format!("sha256:{}", hex.get(..12).unwrap_or(hex))
}

fn shown(v: &str) -> String {
    if v.is_empty() {
        "(default)".into()
    } else {
        v.to_string()
    }
}

/// `N files changed: a, b, c, …` or `file changed: a`.
fn paths_reason(what: &str, paths: &[&String]) -> Option<String> {
    match paths {
        [] => None,
        [one] => Some(format!("file {what}: {one}")),
        many => {
            let mut names: Vec<&str> = many.iter().take(NAMED_PATHS).map(|s| s.as_str()).collect();
            if many.len() > NAMED_PATHS {
                names.push("…");
            }
            Some(format!("{} files {what}: {}", many.len(), names.join(", ")))
        }
    }
}

fn context_reasons(now: Option<&ContextSnapshot>, then: Option<&ContextSnapshot>) -> Vec<String> {
    let (Some(now), Some(then)) = (now, then) else {
        return Vec::new();
    };
    if now.digest == then.digest {
        return Vec::new();
    }
    // A capped record lists the first paths only: paths after its last are not known.
    let limit = then
        .is_capped()
        .then(|| then.entries.keys().next_back())
        .flatten();
    let known = |p: &String| limit.is_none_or(|l| p <= l);
    let (mut changed, mut modes, mut added) = (Vec::new(), Vec::new(), Vec::new());
    for (path, value) in &now.entries {
        if !known(path) {
            continue;
        }
        match then.entries.get(path) {
            None => added.push(path),
            Some(old) if old == value => {}
            Some(old) if same_but_mode(old, value) => modes.push(path),
            Some(_) => changed.push(path),
        }
    }
    let removed: Vec<&String> = then
        .entries
        .keys()
        .filter(|p| !now.entries.contains_key(*p))
        .collect();
    let mut out: Vec<String> = [
        paths_reason("changed", &changed),
        paths_reason("added", &added),
        paths_reason("removed", &removed),
        paths_reason("mode changed", &modes),
    ]
    .into_iter()
    .flatten()
    .collect();
    if then.is_capped() {
        out.push(format!(
            "context files beyond the first {} of the {} the record lists may differ too",
            then.entries.len(),
            then.total
        ));
    } else if out.is_empty() {
        out.push(format!(
            "context files changed: {} -> {}",
            short_digest(&then.digest),
            short_digest(&now.digest)
        ));
    }
    out
}

/// Whether two listing values (`file 644 <digest>`) differ only in their mode.
fn same_but_mode(a: &str, b: &str) -> bool {
    fn parts(s: &str) -> (Option<&str>, Option<&str>) {
        let mut words = s.split(' ');
        let kind = words.next();
        (kind, words.nth(1))
    }
    parts(a) == parts(b)
}

fn arg_reasons(now: &BTreeMap<String, String>, then: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in now {
        match then.get(name) {
            Some(old) if old != value => {
                out.push(format!("build arg {name} changed: {old:?} -> {value:?}"))
            }
            None => out.push(format!("build arg {name} is used now: {value:?}")),
            _ => {}
        }
    }
    for (name, old) in then {
        if !now.contains_key(name) {
            out.push(format!("build arg {name} is no longer used (was {old:?})"));
        }
    }
    out
}

fn env_map(env: &[String]) -> BTreeMap<&str, &str> {
    env.iter()
        .map(|e| e.split_once('=').unwrap_or((e.as_str(), "")))
        .collect()
}

/// Env changes by name only (values may be private); build args are reported as args.
fn env_reasons(now: &[String], then: &[String], args: &BTreeSet<&String>) -> Vec<String> {
    let (now, then) = (env_map(now), env_map(then));
    let mut out = Vec::new();
    for (name, value) in &now {
        if args.iter().any(|a| a.as_str() == *name) {
            continue;
        }
        match then.get(name) {
            Some(old) if old != value => out.push(format!("env {name} changed")),
            None => out.push(format!("env {name} added")),
            _ => {}
        }
    }
    for name in then.keys() {
        if !now.contains_key(name) && !args.iter().any(|a| a.as_str() == *name) {
            out.push(format!("env {name} removed"));
        }
    }
    out
}

fn image_reasons(what: &str, now: &[ImageRef], then: &[ImageRef]) -> Vec<String> {
    let mut out = Vec::new();
    for img in now {
        match then.iter().find(|t| t.reference == img.reference) {
            Some(t) if t.digest != img.digest => out.push(format!(
                "{what} {} changed: {} -> {}",
                img.reference,
                t.digest
                    .as_deref()
                    .map_or("(unresolved)".into(), short_digest),
                img.digest
                    .as_deref()
                    .map_or("(unresolved)".into(), short_digest),
            )),
            Some(_) => {}
            None => match then {
                [old] if now.len() == 1 => out.push(format!(
                    "{what} changed: {} -> {}",
                    old.reference, img.reference
                )),
                _ => out.push(format!("{what} {} is read now", img.reference)),
            },
        }
    }
    out
}

fn before_reason(now: &[String], then: &[String]) -> Option<String> {
    if now == then {
        return None;
    }
    let common = now.iter().zip(then).position(|(a, b)| a != b);
    Some(match common {
        Some(i) => format!("earlier instruction changed: {} -> {}", then[i], now[i]),
        None if now.len() > then.len() => {
            format!("instruction added before it: {}", now[then.len()])
        }
        None => format!("instruction removed before it: {}", then[now.len()]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::snapshot::StageRef;
    use crate::digest::Digest;

    fn run(cmd: &str) -> StepSnapshot {
        StepSnapshot {
            instruction: "RUN".into(),
            text: cmd.into(),
            command: vec!["/bin/sh".into(), "-c".into(), cmd.into()],
            env: vec!["PATH=/bin".into()],
            parent: Some(Digest::of(b"parent")),
            ..StepSnapshot::default()
        }
    }

    fn copy(files: &[(&str, &str)]) -> StepSnapshot {
        let listing: Vec<(String, String)> = files
            .iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect();
        let digest = format!(
            "sha256:{}",
            Digest::of(format!("{listing:?}").as_bytes()).hex()
        );
        StepSnapshot {
            instruction: "COPY".into(),
            text: ". /app".into(),
            context: Some(ContextSnapshot::new(digest, &listing)),
            ..StepSnapshot::default()
        }
    }

    #[test]
    fn equal_snapshots_have_no_differences() {
        let c = compare(&run("make"), &run("make"));
        assert_eq!(c, Comparison::default());
        assert_eq!(c.distance(), 0);
    }

    #[test]
    fn files_changed_added_removed_are_named() {
        let then = copy(&[
            ("a", "file 644 1"),
            ("b", "file 644 2"),
            ("c", "file 644 3"),
        ]);
        let now = copy(&[
            ("a", "file 644 9"),
            ("b", "file 755 2"),
            ("d", "file 644 4"),
        ]);
        assert_eq!(
            compare(&now, &then).own,
            [
                "file changed: a",
                "file added: d",
                "file removed: c",
                "file mode changed: b"
            ]
        );
        let many = copy(&[
            ("a", "file 644 9"),
            ("b", "file 644 9"),
            ("c", "file 644 9"),
            ("e", "file 644 9"),
        ]);
        let then = copy(&[
            ("a", "file 644 1"),
            ("b", "file 644 1"),
            ("c", "file 644 1"),
            ("e", "file 644 1"),
        ]);
        assert_eq!(compare(&many, &then).own, ["4 files changed: a, b, c, …"]);
    }

    #[test]
    fn a_capped_record_compares_the_paths_it_lists() {
        let listing: Vec<(String, String)> = (0..crate::cache::snapshot::MAX_LISTED + 5)
            .map(|i| (format!("f{i:06}"), "file 644 1".to_string()))
            .collect();
        let then = StepSnapshot {
            context: Some(ContextSnapshot::new("sha256:old".into(), &listing).capped()),
            ..StepSnapshot::default()
        };
        let mut changed = listing.clone();
        changed[1].1 = "file 644 2".into();
        // Beyond the recorded ones: not reported as added.
        changed.last_mut().unwrap().1 = "file 644 3".into();
        let now = StepSnapshot {
            context: Some(ContextSnapshot::new("sha256:new".into(), &changed)),
            ..StepSnapshot::default()
        };
        let own = compare(&now, &then).own;
        assert_eq!(own[0], "file changed: f000001");
        assert!(own[1].contains("beyond the first 2000"), "{own:?}");
    }

    #[test]
    fn args_env_user_and_command_are_named() {
        let mut then = run("make");
        then.args.insert("VERSION".into(), "1".into());
        then.env.push("VERSION=1".into());
        then.env.push("GONE=x".into());
        let mut now = run("make all");
        now.args.insert("VERSION".into(), "2".into());
        now.env.push("VERSION=2".into());
        now.env[0] = "PATH=/usr/bin".into();
        now.user = "1000".into();
        let own = compare(&now, &then).own;
        assert_eq!(
            own,
            [
                r#"build arg VERSION changed: "1" -> "2""#,
                "env PATH changed",
                "env GONE removed",
                "user changed: (default) -> 1000",
                "command changed",
            ]
        );
    }

    #[test]
    fn base_images_stages_and_earlier_instructions_are_named() {
        let img = |d: &str| ImageRef {
            reference: "docker.io/library/busybox:latest".into(),
            digest: Some(format!("sha256:{}", d.repeat(64))),
        };
        let mut then = copy(&[("a", "file 644 1")]);
        then.base = Some(img("a"));
        then.before = vec!["ENV A=1".into()];
        then.stages = vec![StageRef {
            index: 0,
            name: Some("build".into()),
            key: Some(Digest::of(b"1")),
        }];
        let mut now = then.clone();
        now.base = Some(img("b"));
        now.before = vec!["ENV A=2".into()];
        now.stages[0].key = Some(Digest::of(b"2"));
        now.parent = Some(Digest::of(b"other"));
        let c = compare(&now, &then);
        assert_eq!(c.own, ["stage build changed"]);
        assert_eq!(
            c.base.as_deref(),
            Some(
                "base image docker.io/library/busybox:latest changed: sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb"
            )
        );
        assert_eq!(
            c.before.as_deref(),
            Some("earlier instruction changed: ENV A=1 -> ENV A=2")
        );
        assert!(c.parent_differs);
        assert_eq!(c.distance(), 4);
    }

    #[test]
    fn a_changed_url_content_is_named() {
        let with = |digest: &str| StepSnapshot {
            instruction: "ADD".into(),
            text: "https://example.com/a.tgz /a/".into(),
            urls: vec![ImageRef {
                reference: "https://example.com/a.tgz".into(),
                digest: Some(digest.into()),
            }],
            ..StepSnapshot::default()
        };
        let c = compare(
            &with(&format!("sha256:{}", "b".repeat(64))),
            &with(&format!("sha256:{}", "a".repeat(64))),
        );
        assert_eq!(
            c.own,
            [
                "source https://example.com/a.tgz changed: sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb"
            ]
        );
    }

    #[test]
    fn a_changed_copy_instruction_is_named() {
        let then = copy(&[("a", "file 644 1")]);
        let mut now = then.clone();
        now.text = ". /srv".into();
        assert_eq!(
            compare(&now, &then).own,
            ["instruction changed: COPY . /app -> COPY . /srv"]
        );
    }
}
