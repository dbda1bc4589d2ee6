//! Cache keys of whole Dockerfiles against real context directories: what changes a key and,
//! above all, what must not.

use filetime::FileTime;
use rbuild::context::BuildContext;
use rbuild::dockerfile::{instructions, parse};
use rbuild::plan::{self, Digest, PinnedOnly, Plan, PlanRequest, Platform};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

fn plan_with(root: &Path, dockerfile: &str, args: &[(&str, &str)], target: Option<&str>) -> Plan {
    try_plan(root, dockerfile, args, target).unwrap()
}

fn try_plan(
    root: &Path,
    dockerfile: &str,
    args: &[(&str, &str)],
    target: Option<&str>,
) -> Result<Plan, String> {
    let df = parse(dockerfile).map_err(|e| e.to_string())?;
    let stages = instructions::from_dockerfile(&df).map_err(|e| e.to_string())?;
    let ctx = BuildContext::open(root, None, None).map_err(|e| e.to_string())?;
    let req = PlanRequest {
        stages: &stages,
        target: target.map(str::to_string),
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        build_platform: Platform::parse("linux/amd64").unwrap(),
        target_platform: None,
        context: &ctx,
        resolver: &PinnedOnly,
        sandbox: Default::default(),
        named: &plan::NamedContexts::default(),
    };
    plan::plan(&req).map_err(|e| e.to_string())
}

/// Every step key of every stage, by stage name.
fn keys(p: &Plan) -> BTreeMap<String, Vec<Option<Digest>>> {
    p.stages
        .iter()
        .map(|s| {
            let name = s.name.clone().unwrap_or_else(|| s.index.to_string());
            (name, s.steps.iter().map(|st| st.key.clone()).collect())
        })
        .collect()
}

const MULTI: &str = "\
FROM scratch AS web
COPY web/ /web/
RUN build-web

FROM scratch AS api
WORKDIR /api
COPY api/ ./
RUN build-api

FROM scratch AS final
COPY --from=web /web /srv/web
COPY --from=api /api/bin /srv/api
";

fn multi_context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web/index.html", "<h1>hi</h1>");
    write(dir.path(), "web/app.js", "console.log(1)");
    write(dir.path(), "api/main.go", "package main");
    write(dir.path(), "api/go.mod", "module api");
    dir
}

#[test]
fn a_change_in_one_stage_leaves_sibling_keys_alone() {
    let dir = multi_context();
    let before = keys(&plan_with(dir.path(), MULTI, &[], None));
    write(dir.path(), "api/main.go", "package main // changed");
    let after = keys(&plan_with(dir.path(), MULTI, &[], None));
    assert_eq!(before["web"], after["web"], "web does not read api/");
    assert_ne!(before["api"], after["api"]);
    assert_eq!(
        before["api"][..2],
        after["api"][..2],
        "FROM and WORKDIR come before the COPY"
    );
    assert_ne!(before["final"], after["final"], "final copies from api");

    // Changing an instruction of one stage: the sibling does not move either.
    let edited = MULTI.replace("RUN build-web", "RUN build-web --minify");
    let edited_keys = keys(&plan_with(dir.path(), &edited, &[], None));
    assert_ne!(after["web"], edited_keys["web"]);
    assert_eq!(after["api"], edited_keys["api"]);
}

#[test]
fn mtimes_change_no_key() {
    let dir = multi_context();
    let before = keys(&plan_with(dir.path(), MULTI, &[], None));
    for f in ["web/index.html", "web/app.js", "api/main.go", "api/go.mod"] {
        filetime::set_file_mtime(dir.path().join(f), FileTime::from_unix_time(1_000_000, 0))
            .unwrap();
    }
    filetime::set_file_mtime(dir.path().join("web"), FileTime::from_unix_time(7, 0)).unwrap();
    assert_eq!(before, keys(&plan_with(dir.path(), MULTI, &[], None)));
}

#[test]
fn same_inputs_in_another_directory_give_the_same_keys() {
    let a = multi_context();
    let b = multi_context();
    assert_eq!(
        keys(&plan_with(a.path(), MULTI, &[], None)),
        keys(&plan_with(b.path(), MULTI, &[], None))
    );
}

#[test]
fn dockerignored_files_never_affect_a_key() {
    let dir = multi_context();
    write(dir.path(), ".dockerignore", "**/*.log\nweb/tmp\n");
    write(dir.path(), "web/debug.log", "one");
    let before = keys(&plan_with(dir.path(), MULTI, &[], None));
    write(dir.path(), "web/debug.log", "two, and longer");
    write(dir.path(), "web/tmp/cache.bin", "new ignored dir");
    write(dir.path(), "api/trace.log", "new ignored file");
    assert_eq!(before, keys(&plan_with(dir.path(), MULTI, &[], None)));
    // A file that is not ignored does change the key: the test above can fail.
    write(dir.path(), "web/new.css", "body{}");
    assert_ne!(
        before["web"],
        keys(&plan_with(dir.path(), MULTI, &[], None))["web"]
    );
}

#[test]
fn unused_stages_are_skipped_and_do_not_change_the_target() {
    let dir = multi_context();
    let full = plan_with(dir.path(), MULTI, &[], None);
    let web_only = plan_with(dir.path(), MULTI, &[], Some("web"));
    assert_eq!(web_only.order, vec![0]);
    assert!(web_only.stages[1].skipped && web_only.stages[2].skipped);
    assert!(web_only.stages[1].steps.is_empty());
    assert_eq!(full.stages[0].key, web_only.stages[0].key);
    // web and api are independent: one wave; final after them.
    assert_eq!(full.waves, vec![vec![0, 1], vec![2]]);
    assert_eq!(full.stages[2].depends_on, vec![0, 1]);
}

#[test]
fn only_build_args_a_step_uses_change_its_key() {
    let dir = multi_context();
    let df = "\
ARG BASE=scratch
FROM ${BASE} AS one
ARG VERSION
ARG UNUSED_BY_COPY
COPY web/ /web/
LABEL version=$VERSION
RUN make

FROM scratch AS two
COPY api/ /api/
";
    let p = |args: &[(&str, &str)]| keys(&plan_with(dir.path(), df, args, Some("one")));
    let base = p(&[("VERSION", "1"), ("UNUSED_BY_COPY", "a")]);
    let other_unused = p(&[("VERSION", "1"), ("UNUSED_BY_COPY", "b")]);
    let other_version = p(&[("VERSION", "2"), ("UNUSED_BY_COPY", "a")]);
    // Steps: FROM, ARG, ARG, COPY, LABEL, RUN.
    assert_eq!(
        base["one"][..5],
        other_unused["one"][..5],
        "COPY and LABEL do not use it"
    );
    assert_ne!(
        base["one"][5], other_unused["one"][5],
        "RUN gets every ARG in its env"
    );
    assert_eq!(
        base["one"][3], other_version["one"][3],
        "COPY does not use VERSION"
    );
    assert_ne!(
        base["one"][4], other_version["one"][4],
        "LABEL uses VERSION"
    );
    assert_eq!(base["one"][1], None, "ARG makes no key");

    let plan = plan_with(
        dir.path(),
        df,
        &[("VERSION", "7"), ("NOBODY", "x")],
        Some("one"),
    );
    assert_eq!(plan.unused_build_args, vec!["NOBODY".to_string()]);
    let label = &plan.stages[0].steps[4];
    assert_eq!(label.text, "version=7");
    assert_eq!(
        label.inputs.args.get("VERSION").map(String::as_str),
        Some("7")
    );
}

#[test]
fn comments_do_not_change_keys_but_command_text_does() {
    let dir = multi_context();
    let before = keys(&plan_with(dir.path(), MULTI, &[], None));
    let commented = format!(
        "# a comment\n{}",
        MULTI.replace("RUN build-api", "# why\nRUN build-api")
    );
    assert_eq!(before, keys(&plan_with(dir.path(), &commented, &[], None)));
    // Docker trims the space between the keyword and the command, not inside the command.
    let leading = MULTI.replace("RUN build-api", "RUN   build-api   ");
    assert_eq!(before, keys(&plan_with(dir.path(), &leading, &[], None)));
    let double = MULTI.replace("RUN build-api", "RUN build-api  -v");
    let single = MULTI.replace("RUN build-api", "RUN build-api -v");
    assert_ne!(
        keys(&plan_with(dir.path(), &double, &[], None))["api"],
        keys(&plan_with(dir.path(), &single, &[], None))["api"]
    );
}

#[test]
fn platform_and_pinned_base_are_inputs() {
    let dir = multi_context();
    let digest = format!("sha256:{}", "ab".repeat(32));
    let df = format!("FROM busybox@{digest}\nCOPY web/ /web/\n");
    let p = plan_with(dir.path(), &df, &[], None);
    let img = p.stages[0].base_image.clone().unwrap();
    assert_eq!(img.reference, format!("docker.io/library/busybox@{digest}"));
    assert!(p.stages[0].steps[0].inputs.unresolved.is_empty());
    let arm = format!("FROM --platform=linux/arm64 busybox@{digest}\nCOPY web/ /web/\n");
    let q = plan_with(dir.path(), &arm, &[], None);
    assert_ne!(p.stages[0].key, q.stages[0].key);
    // An unpinned tag plans, with its key marked provisional.
    let tagged = plan_with(dir.path(), "FROM busybox\nCOPY web/ /web/\n", &[], None);
    assert!(!tagged.stages[0].steps[0].inputs.unresolved.is_empty());
}

#[test]
fn errors_name_the_line() {
    let dir = multi_context();
    let err = try_plan(
        dir.path(),
        "FROM scratch\n\nCOPY missing.txt /\n",
        &[],
        None,
    )
    .unwrap_err();
    assert!(err.starts_with("line 3: "), "{err}");
    let err = try_plan(
        dir.path(),
        "FROM scratch AS a\nCOPY --from=b /x /x\nFROM scratch AS b\n",
        &[],
        None,
    )
    .unwrap_err();
    assert!(
        err.contains("line 2") && err.contains("needs to be defined before"),
        "{err}"
    );
    let err = try_plan(
        dir.path(),
        "FROM scratch\nRUN --mount=type=cache,mode=x true\n",
        &[],
        None,
    )
    .unwrap_err();
    assert!(err.starts_with("line 2: "), "{err}");
    let err = try_plan(dir.path(), "FROM scratch AS a\n", &[], Some("nope")).unwrap_err();
    assert_eq!(err, "target stage \"nope\" could not be found");
    let err = try_plan(
        dir.path(),
        "FROM scratch\nWORKDIR ${X:?must be set}\n",
        &[],
        None,
    )
    .unwrap_err();
    assert!(
        err.starts_with("line 2: ") && err.contains("must be set"),
        "{err}"
    );
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    /// Lines built from Dockerfile fragments: every instruction, flags, variables, stage refs.
    fn line() -> impl Strategy<Value = String> {
        let kw = prop::sample::select(vec![
            "FROM",
            "RUN",
            "COPY",
            "ADD",
            "ENV",
            "ARG",
            "LABEL",
            "WORKDIR",
            "USER",
            "EXPOSE",
            "VOLUME",
            "CMD",
            "ENTRYPOINT",
            "SHELL",
            "HEALTHCHECK",
            "ONBUILD",
            "STOPSIGNAL",
            "MAINTAINER",
        ]);
        let word = prop::sample::select(vec![
            "scratch",
            "a",
            "AS",
            "b",
            "$X",
            "${X:-web/}",
            "${X:?no}",
            "${X#*/}",
            "web/",
            "api/*",
            "/dst/",
            ".",
            "..",
            "--from=a",
            "--from=0",
            "--from=9",
            "--chown=$U",
            "--mount=type=cache,target=/c",
            "--mount=type=bind,from=a,target=/s",
            "--mount=type=secret",
            "--platform=$TARGETPLATFORM",
            "--exclude=*.js",
            "X=1",
            "[\"sh\", \"-c\"]",
            "<<EOF",
            "CMD",
            "NONE",
            "\\",
            "'q'",
            "\"",
            "=",
            "--network=none",
        ]);
        (kw, prop::collection::vec(word, 0..5)).prop_map(|(k, ws)| format!("{k} {}", ws.join(" ")))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        #[test]
        fn planning_never_panics(lines in prop::collection::vec(line(), 1..8), x in "[a-z/]{0,6}") {
            let dir = multi_context();
            let text = format!("FROM scratch AS a\n{}\nEOF\n", lines.join("\n"));
            let _ = try_plan(dir.path(), &text, &[("X", &x)], None);
            let _ = try_plan(dir.path(), &text, &[], Some("a"));
        }
    }
}

#[test]
fn image_config_follows_docker_rules() {
    let dir = multi_context();
    let df = "\
FROM scratch AS base
ENV A=1 PATH=/opt/bin:$PATH
CMD [\"serve\"]
WORKDIR app
USER 1000:1000
EXPOSE 80 53/udp 9000-9001
LABEL a=b
SHELL [\"/bin/bash\", \"-c\"]
HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/
ONBUILD RUN make

FROM base
ENTRYPOINT /entry $A
WORKDIR /
";
    let p = plan_with(dir.path(), df, &[], None);
    let base = p.stages[0].config.clone().unwrap();
    let c = &base.config;
    assert_eq!(
        c.env,
        vec![
            "PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "A=1"
        ]
    );
    assert_eq!(c.cmd, Some(vec!["serve".to_string()]));
    assert_eq!(c.working_dir, "/app");
    assert_eq!(c.user, "1000:1000");
    let ports: Vec<&str> = c.exposed_ports.keys().map(String::as_str).collect();
    assert_eq!(ports, ["53/udp", "80/tcp", "9000/tcp", "9001/tcp"]);
    assert_eq!(c.healthcheck.as_ref().unwrap().interval, 30_000_000_000);
    assert_eq!(c.on_build, vec!["RUN make".to_string()]);
    assert_eq!(base.history.len(), 8, "ONBUILD makes no history entry");
    assert!(
        base.history
            .iter()
            .all(|h| h.comment == "buildkit.dockerfile.v0")
    );
    assert!(!base.history[2].empty_layer, "WORKDIR app makes a layer");
    assert_eq!(base.history[2].created_by, "WORKDIR /app");

    let fin = p.stages[1].config.clone().unwrap();
    // ENTRYPOINT in a new stage clears the CMD inherited from the base stage, and shell form
    // runs under the SHELL the base stage set; the ENTRYPOINT text is not expanded.
    assert_eq!(fin.config.cmd, None);
    assert_eq!(
        fin.config.entrypoint,
        Some(vec!["/bin/bash".into(), "-c".into(), "/entry $A".into()])
    );
    assert_eq!(fin.config.working_dir, "/");
    assert!(
        fin.history.last().unwrap().empty_layer,
        "WORKDIR / makes no layer"
    );
}

/// A resolver that knows one image: its digest and its config, as a registry would report them.
struct OneImage {
    digest: String,
    config: rbuild::image::config::ImageConfig,
}

impl plan::BaseResolver for OneImage {
    fn resolve(
        &self,
        _: &rbuild::oci::reference::Reference,
        _: &Platform,
    ) -> Result<Option<String>, String> {
        Ok(Some(self.digest.clone()))
    }

    fn config(
        &self,
        _: &rbuild::oci::reference::Reference,
        _: &Platform,
    ) -> Result<Option<rbuild::image::config::ImageConfig>, String> {
        Ok(Some(self.config.clone()))
    }
}

#[test]
fn a_stage_starts_from_its_base_image_config() {
    let dir = multi_context();
    let config: rbuild::image::config::ImageConfig = serde_json::from_str(
        r#"{"architecture":"amd64","os":"linux","config":{"Env":["GOPATH=/go","TOOLS=/opt"],
            "Cmd":["sh"],"WorkingDir":"/go/src","User":"nobody"},
            "rootfs":{"type":"layers","diff_ids":[]},
            "history":[{"created_by":"base step"}]}"#,
    )
    .unwrap();
    let resolver = OneImage {
        digest: format!("sha256:{}", "cd".repeat(32)),
        config,
    };
    let df = "FROM golang\nENV BIN=$GOPATH/bin:$TOOLS\nCOPY web/ site/\nENTRYPOINT [\"/app\"]\n";
    let parsed = parse(df).unwrap();
    let stages = instructions::from_dockerfile(&parsed).unwrap();
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let req = PlanRequest {
        stages: &stages,
        target: None,
        build_args: BTreeMap::new(),
        build_platform: Platform::parse("linux/amd64").unwrap(),
        target_platform: None,
        context: &ctx,
        resolver: &resolver,
        sandbox: Default::default(),
        named: &plan::NamedContexts::default(),
    };
    let p = plan::plan(&req).unwrap();
    let steps = &p.stages[0].steps;
    assert_eq!(
        steps[1].text, "BIN=/go/bin:/opt",
        "ENV expands the base image's variables"
    );
    assert_eq!(steps[2].text, "web/ site/");
    let c = p.stages[0].config.clone().unwrap();
    assert_eq!(
        c.config.env,
        [
            "GOPATH=/go",
            "TOOLS=/opt",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "BIN=/go/bin:/opt"
        ]
    );
    assert_eq!(c.config.working_dir, "/go/src");
    assert_eq!(c.config.user, "nobody");
    assert_eq!(c.config.cmd, None, "ENTRYPOINT clears the base image's CMD");
    assert_eq!(
        c.history.first().map(|h| h.created_by.as_str()),
        Some("base step")
    );
    assert_eq!(c.history.len(), 4);
}

#[test]
fn base_onbuild_triggers_run_first_and_do_not_carry_over() {
    let dir = multi_context();
    let config: rbuild::image::config::ImageConfig = serde_json::from_str(
        r#"{"architecture":"amd64","os":"linux","config":{"Env":["A=1"],
            "OnBuild":["ENV FROM_TRIGGER=$A","COPY web/ /site/"]},
            "rootfs":{"type":"layers","diff_ids":[]},"history":[]}"#,
    )
    .unwrap();
    let resolver = OneImage {
        digest: format!("sha256:{}", "cd".repeat(32)),
        config,
    };
    let parsed = parse("FROM base AS one\nONBUILD RUN echo next\nFROM one\nLABEL x=y\n").unwrap();
    let stages = instructions::from_dockerfile(&parsed).unwrap();
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let req = PlanRequest {
        stages: &stages,
        target: None,
        build_args: BTreeMap::new(),
        build_platform: Platform::parse("linux/amd64").unwrap(),
        target_platform: None,
        context: &ctx,
        resolver: &resolver,
        sandbox: Default::default(),
        named: &plan::NamedContexts::default(),
    };
    let p = plan::plan(&req).unwrap();
    let one: Vec<(&str, &str, bool)> = p.stages[0]
        .steps
        .iter()
        .map(|s| (s.instruction.as_str(), s.text.as_str(), s.onbuild))
        .collect();
    assert_eq!(
        one,
        [
            ("FROM", "base AS one", false),
            ("ENV", "FROM_TRIGGER=1", true),
            ("COPY", "web/ /site/", true),
            ("ONBUILD", "RUN echo next", false),
        ]
    );
    let c0 = p.stages[0].config.clone().unwrap();
    assert_eq!(c0.config.on_build, ["RUN echo next"]);
    // The stage built on `one` runs one's own ONBUILD and its image keeps none.
    let two: Vec<(&str, bool)> = p.stages[1]
        .steps
        .iter()
        .map(|s| (s.instruction.as_str(), s.onbuild))
        .collect();
    assert_eq!(two, [("FROM", false), ("RUN", true), ("LABEL", false)]);
    assert!(
        p.stages[1]
            .config
            .clone()
            .unwrap()
            .config
            .on_build
            .is_empty()
    );
}

/// A resolver that knows no image (as a registry answering "not found" for every name).
struct NoImages;

impl rbuild::plan::BaseResolver for NoImages {
    fn resolve(
        &self,
        _: &rbuild::plan::reference::Reference,
        _: &Platform,
    ) -> Result<Option<String>, String> {
        Err("not found".into())
    }
}

/// BuildKit's "did you mean" hints (suggest.WrapError, Levenshtein distance under 3) for an
/// unknown `--target`, and for a FROM or `--from` name that is no stage and no image: the
/// message is BuildKit's `<name>: <error> (did you mean <stage>?)` (issue 23).
#[test]
fn misspelled_stage_names_get_buildkits_hints() {
    let dir = tempfile::tempdir().unwrap();
    let df = "FROM scratch AS build\nFROM scratch AS app\nCOPY --from=biuld /x /y\n";
    let err = try_plan(dir.path(), df, &[], Some("bulid")).unwrap_err();
    assert_eq!(
        err,
        "target stage \"bulid\" could not be found (did you mean build?)"
    );
    let plan_err = |df: &str| {
        let df = parse(df).unwrap();
        let stages = instructions::from_dockerfile(&df).unwrap();
        let ctx = BuildContext::open(dir.path(), None, None).unwrap();
        let req = PlanRequest {
            stages: &stages,
            target: None,
            build_args: BTreeMap::new(),
            build_platform: Platform::parse("linux/amd64").unwrap(),
            target_platform: None,
            context: &ctx,
            resolver: &NoImages,
            sandbox: Default::default(),
            named: &plan::NamedContexts::default(),
        };
        plan::plan(&req).unwrap_err().to_string()
    };
    assert_eq!(
        plan_err(df),
        "line 3: biuld: not found (did you mean build?)"
    );
    assert_eq!(
        plan_err("FROM scratch AS build\nFROM biuld\n"),
        "line 2: biuld: not found (did you mean build?)"
    );
    // Common image names are suggested too; far names get no hint.
    assert_eq!(
        plan_err("FROM busybx\n"),
        "line 1: busybx: not found (did you mean busybox?)"
    );
    assert_eq!(
        plan_err("FROM scratch AS build\nFROM something-else\n"),
        "line 2: something-else: not found"
    );
}
