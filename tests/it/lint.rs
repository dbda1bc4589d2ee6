//! The checks against BuildKit's own expectations: every case of BuildKit's lint tests
//! (`tests/data/lint/buildkit/*.case`, from `frontend/dockerfile/dockerfile_check_test.go`; see
//! its README) is checked by rbuild, and the findings must be exactly BuildKit's warnings (rule,
//! line, message) as `docker build --check` reports them (every stage), and its error under
//! `error=true`. Rules rbuild does not have yet are listed in [`NOT_YET`]: their expected
//! warnings are set aside (and counted), never produced.

use std::collections::BTreeMap;
use std::path::Path;

use rbuild::context::dockerignore::PatternMatcher;
use rbuild::context::ignore_file::parse as parse_ignore;
use rbuild::lint::{CheckConfig, Input, check};

/// BuildKit rules the checks do not have yet.
const NOT_YET: &[&str] = &[];

/// The ENV of the images BuildKit's cases build on (what their registries serve), for
/// UndefinedVar.
fn base_env(base: &str) -> Option<Vec<String>> {
    matches!(base, "alpine" | "busybox" | "debian" | "ubuntu")
        .then(|| vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()])
}

struct Case {
    name: String,
    expect: Vec<(String, usize, String)>,
    build_args: BTreeMap<String, String>,
    build_error: Option<String>,
    /// The patterns of the case's `.dockerignore`.
    dockerignore: Vec<String>,
    dockerfile: String,
}

fn parse_expect(v: &str) -> (String, usize, String) {
    let mut parts = v.splitn(3, " | ");
    let rule = parts.next().unwrap().trim().to_string();
    let line = parts.next().unwrap().trim().parse().unwrap();
    let message = parts.next().unwrap().to_string();
    (rule, line, message)
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lint/buildkit");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, dockerfile) = text.split_once("\n---\n").unwrap();
        let (mut expect, mut check_expect) = (Vec::new(), Vec::new());
        let mut build_args = BTreeMap::new();
        let mut build_error = None;
        let mut dockerignore = Vec::new();
        for line in head.lines() {
            let (k, v) = line.split_once(": ").unwrap_or((line, ""));
            match k {
                "expect" => expect.push(parse_expect(v)),
                "check-expect" => check_expect.push(parse_expect(v)),
                "build-arg" => {
                    let (k, v) = v.split_once('=').unwrap();
                    build_args.insert(k.to_string(), v.to_string());
                }
                "build-error" => build_error = Some(v.to_string()),
                "file" => {
                    let (path, content) = v.split_once(" = ").unwrap();
                    assert_eq!(path, ".dockerignore", "{}", path);
                    dockerignore = parse_ignore(&content.replace("\\n", "\n"))
                        .into_iter()
                        .map(|(_, p)| p)
                        .collect();
                }
                _ => {}
            }
        }
        out.push(Case {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            // `docker build --check`'s warnings where they differ from a build's.
            expect: if check_expect.is_empty() {
                expect
            } else {
                check_expect
            },
            build_args,
            build_error,
            dockerignore,
            dockerfile: dockerfile.to_string(),
        });
    }
    out
}

#[test]
fn buildkits_lint_cases_give_buildkits_warnings() {
    let cases = cases();
    assert!(cases.len() >= 80, "{} cases", cases.len());
    let mut failures = Vec::new();
    let mut set_aside = 0;
    let mut compared = 0;
    for case in &cases {
        let df = rbuild::dockerfile::parse(&case.dockerfile)
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        let config = CheckConfig::of(
            df.directives.get("check").map(String::as_str),
            case.build_args
                .get(rbuild::lint::CHECK_BUILD_ARG)
                .map(String::as_str),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let matcher = PatternMatcher::new(&case.dockerignore).unwrap();
        let found = check(
            &Input {
                dockerfile: &df,
                build_args: &case.build_args,
                dockerignore: Some(&matcher),
                context: None,
                base_env: Some(&base_env),
                history: None,
                named_contexts: &[],
            },
            &config,
        );
        let mut got: Vec<(String, usize, String)> = found
            .iter()
            .filter(|f| rbuild::lint::rule::BUILDKIT_RULES.contains(f.rule))
            .map(|f| (f.rule.name.to_string(), f.line, f.message.clone()))
            .collect();
        let mut want: Vec<(String, usize, String)> = case
            .expect
            .iter()
            .filter(|(rule, _, _)| {
                let later = NOT_YET.contains(&rule.as_str());
                set_aside += usize::from(later);
                !later
            })
            .cloned()
            .collect();
        got.sort();
        want.sort();
        compared += want.len();
        if got != want {
            failures.push(format!(
                "{}:\n  BuildKit: {want:?}\n  rbuild:   {got:?}",
                case.name
            ));
        }
        // error=true: BuildKit's error names the rules found.
        if let Some(e) = case
            .build_error
            .as_deref()
            .filter(|e| e.starts_with("lint violation found for rules"))
        {
            let mut rules: Vec<&str> = found
                .iter()
                .filter(|f| f.level == rbuild::lint::Level::Error)
                .map(|f| f.rule.name)
                .collect();
            rules.sort_unstable();
            rules.dedup();
            let ours = format!("lint violation found for rules: {}", rules.join(", "));
            if !rbuild::lint::fails(&found) || ours != e {
                failures.push(format!("{}: error {e:?}, rbuild {ours:?}", case.name));
            }
        }
    }
    eprintln!(
        "{} cases, {compared} warnings compared, {set_aside} of rules not implemented yet set aside",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn dir_with(dockerfile: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    std::fs::write(dir.path().join("a"), "a").unwrap();
    dir
}

fn rbuild(args: &[&str], home: &Path) -> std::process::Output {
    super::support::Rbuild::new(home)
        .args(args)
        .command()
        .output()
        .unwrap()
}

/// `rbuild check CTX`'s report, with the state in `home`.
fn check_report(ctx: &Path, home: &Path) -> String {
    let out = rbuild(&["check", ctx.to_str().unwrap()], home);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `rbuild build ARGS CTX`, which must succeed.
fn build_ok(args: &[&str], ctx: &Path, home: &Path) {
    let mut all = vec!["build", "--progress", "plain"];
    all.extend_from_slice(args);
    all.push(ctx.to_str().unwrap());
    let out = rbuild(&all, home);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `rbuild check`, `rbuild build --check` and `--call=check,format=json`: the report, exit 0
/// with warnings, exit 1 with BuildKit's error under `error=true`; nothing is built.
#[test]
fn rbuild_check_reports_and_fails_only_under_error_true() {
    let home = tempfile::tempdir().unwrap();
    let ctx = dir_with("FROM scratch AS Build\nMAINTAINER me\nCOPY a /a\nUSER 1000\n");
    let c = ctx.path().to_str().unwrap();
    let out = rbuild(&["check", c], home.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("Check complete, 2 warnings have been found!"),
        "{stdout}"
    );
    assert!(stdout.contains(
        "WARN: StageNameCasing - https://docs.docker.com/go/dockerfile/rule/stage-name-casing/"
    ));
    assert!(stdout.contains("   2 | >>> MAINTAINER me"), "{stdout}");

    let json = rbuild(&["build", "--call", "check,format=json", c], home.path());
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let rules: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["ruleName"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["StageNameCasing", "MaintainerDeprecated"]);
    let check = rbuild(&["build", "--check", c], home.path());
    assert_eq!(check.stdout, out.stdout, "--check is rbuild check");
    assert!(
        !String::from_utf8_lossy(&check.stderr).contains("COPY a"),
        "nothing built"
    );

    let strict = dir_with("# check=error=true\nFROM scratch AS Build\nCOPY a /a\nUSER 1\n");
    let failed = rbuild(&["check", strict.path().to_str().unwrap()], home.path());
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("Dockerfile:2: lint violation found for rules: StageNameCasing"),
        "{stderr}"
    );
    // The build arg replaces the directive.
    let relaxed = rbuild(
        &[
            "check",
            "--build-arg",
            "BUILDKIT_DOCKERFILE_CHECK=skip=StageNameCasing",
            strict.path().to_str().unwrap(),
        ],
        home.path(),
    );
    assert!(relaxed.status.success());
    assert!(String::from_utf8_lossy(&relaxed.stdout).contains("no warnings found"));
}

/// Every build runs the checks: warnings first, in BuildKit's one-line shape; under
/// `error=true` the build stops before any step.
#[test]
fn a_build_prints_the_warnings_first_and_stops_under_error_true() {
    let home = tempfile::tempdir().unwrap();
    let ctx = dir_with("FROM scratch AS Build\nCOPY a /a\n");
    let out = rbuild(
        &["build", "--progress", "plain", ctx.path().to_str().unwrap()],
        home.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warn = stderr
        .find("WARN: StageNameCasing: Stage name 'Build' should be lowercase (line 1)")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        warn < stderr.find("COPY a /a").unwrap(),
        "before the steps: {stderr}"
    );

    let strict = dir_with("# check=error=true\nFROM scratch AS Build\nCOPY a /a\n");
    let failed = rbuild(
        &[
            "build",
            "--progress",
            "plain",
            strict.path().to_str().unwrap(),
        ],
        home.path(),
    );
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success());
    assert!(
        stderr.contains("lint violation found for rules: StageNameCasing"),
        "{stderr}"
    );
    assert!(!stderr.contains("COPY a /a"), "no step ran: {stderr}");
}

/// rbuild's own rules (`docs/checks.md`): for each, a Dockerfile that has the mistake (the
/// rule's finding, at its line) and the same Dockerfile fixed (no finding of that rule).
#[test]
fn own_rules_find_the_mistake_and_not_its_fix() {
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "CopyAllBeforeInstall",
            "FROM python:3.12-slim@sha256:0\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\nUSER 1000\n",
            4,
            "FROM python:3.12-slim@sha256:0\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nUSER 1000\n",
        ),
        (
            "BaseImageLatest",
            "FROM alpine\nUSER 1000\n",
            1,
            "FROM alpine:3.20@sha256:0\nUSER 1000\n",
        ),
        (
            "BaseImageUnpinned",
            "FROM alpine:3.20\nUSER 1000\n",
            1,
            "FROM alpine:3.20@sha256:0\nUSER 1000\n",
        ),
        (
            "RootUser",
            "FROM scratch\nCOPY a /a\n",
            1,
            "FROM scratch\nCOPY a /a\nUSER 65534\n",
        ),
        (
            "AptUpdateAlone",
            "FROM debian:12@sha256:0\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
            2,
            "FROM debian:12@sha256:0\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
        ),
        (
            "AptListsLeft",
            "FROM debian:12@sha256:0\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nUSER 1000\n",
            2,
            "FROM debian:12@sha256:0\nRUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y --no-install-recommends curl\nUSER 1000\n",
        ),
        (
            "AptRecommends",
            "FROM debian:12@sha256:0\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
            2,
            "FROM debian:12@sha256:0\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
        ),
        (
            "PackageCacheInLayer",
            "FROM node:22@sha256:0\nCOPY package.json package-lock.json ./\nRUN npm ci\nUSER 1000\n",
            3,
            "FROM node:22@sha256:0\nCOPY package.json package-lock.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\nUSER 1000\n",
        ),
        (
            "EndOfLifeBase",
            "FROM python:3.8-slim@sha256:0\nUSER 1000\n",
            1,
            "FROM python:3.12-slim@sha256:0\nUSER 1000\n",
        ),
    ];
    let run = |text: &str| {
        let df = rbuild::dockerfile::parse(text).unwrap();
        check(
            &Input {
                dockerfile: &df,
                build_args: &BTreeMap::new(),
                dockerignore: None,
                context: None,
                base_env: None,
                history: None,
                named_contexts: &[],
            },
            &CheckConfig::default(),
        )
    };
    for (rule, bad, line, good) in cases {
        let found = run(bad);
        let hit: Vec<_> = found.iter().filter(|f| f.rule.name == *rule).collect();
        assert_eq!(hit.len(), 1, "{rule} in:\n{bad}\nfound {found:?}");
        assert_eq!(hit[0].line, *line, "{rule}");
        assert!(
            !hit[0].rule.url.is_empty() && hit[0].message.len() > 20,
            "{rule}: {:?}",
            hit[0]
        );
        let fixed = run(good);
        assert!(
            fixed.iter().all(|f| f.rule.name != *rule),
            "{rule} still found in the fix:\n{good}\n{fixed:?}"
        );
    }
    // Every own rule is documented in docs/checks.md under its name.
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checks.md"))
            .unwrap();
    for rule in rbuild::lint::rule::OWN_RULES {
        assert!(
            docs.contains(&format!("## {}", rule.name)),
            "{} undocumented",
            rule.name
        );
        let anchor = rule.url.rsplit('#').next().unwrap();
        assert_eq!(anchor, rule.name.to_lowercase(), "{}", rule.name);
    }
}

/// NoDockerignore looks at the context: `.git` and `node_modules` without a `.dockerignore`.
#[test]
fn no_dockerignore_names_what_the_context_holds() {
    let home = tempfile::tempdir().unwrap();
    let ctx = dir_with("FROM scratch\nCOPY . /\nUSER 1000\n");
    std::fs::create_dir(ctx.path().join(".git")).unwrap();
    std::fs::create_dir(ctx.path().join("node_modules")).unwrap();
    let stdout = check_report(ctx.path(), home.path());
    assert!(
        stdout.contains("The context has .git, node_modules and no .dockerignore"),
        "{stdout}"
    );
    std::fs::write(ctx.path().join(".dockerignore"), ".git\nnode_modules\n").unwrap();
    assert!(!check_report(ctx.path(), home.path()).contains("NoDockerignore"));
}

/// What CopyAllBeforeInstall cost, from a real sequence of builds: three builds with one source
/// file edited each time re-run the install each time; the check then says so.
#[test]
fn the_cost_of_copying_everything_before_the_install_comes_from_the_builds() {
    let home = tempfile::tempdir().unwrap();
    let reg = super::support::registry();
    let ctx = dir_with(&format!(
        "FROM {reg}/library/busybox:latest\nWORKDIR /app\nCOPY . .\n\
         RUN echo pip install -r requirements.txt > /log && sleep 0.3\nUSER 1000\n"
    ));
    std::fs::write(ctx.path().join("requirements.txt"), "flask\n").unwrap();
    for n in 0..3 {
        std::fs::write(ctx.path().join("app.py"), format!("print({n})\n")).unwrap();
        build_ok(&[], ctx.path(), home.path());
    }
    let stdout = check_report(ctx.path(), home.path());
    assert!(
        stdout.contains("`pip install` runs after `COPY . .` (line 3) copied the whole context"),
        "{stdout}"
    );
    assert!(
        stdout.contains("it ran 3 times in the builds this cache recorded ("),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "after `COPY . .` copied changed files (app.py); requirements.txt did not change"
        ),
        "{stdout}"
    );
    // A fresh state knows no history: the advice alone.
    let fresh = tempfile::tempdir().unwrap();
    assert!(!check_report(ctx.path(), fresh.path()).contains("times in the builds"));
}

/// What AptListsLeft and PackageCacheInLayer cost: the bytes under /var/lib/apt (and
/// /root/.npm) in the layer the step's last build made (RUNs that write 2 MB of "lists" and 1 MB
/// of "npm cache", as `apt-get update` and `npm ci` would).
#[test]
fn the_cost_of_apt_lists_is_their_size_in_the_last_layer() {
    let home = tempfile::tempdir().unwrap();
    let reg = super::support::registry();
    let ctx = dir_with(&format!(
        "FROM {reg}/library/busybox:latest\n\
         RUN mkdir -p /var/lib/apt/lists && head -c 2000000 /dev/zero > /var/lib/apt/lists/main \
         && echo apt-get install --no-install-recommends x > /log\n\
         RUN mkdir -p /root/.npm && head -c 1000000 /dev/zero > /root/.npm/blob \
         && echo npm ci > /log2\nUSER 1000\n"
    ));
    let out_dir = home.path().join("out");
    let dest = format!("type=oci,dest={},tar=false", out_dir.display());
    build_ok(&["-o", &dest], ctx.path(), home.path());
    let stdout = check_report(ctx.path(), home.path());
    assert!(
        stdout.contains("apt lists stay in this layer (2.0 MB under /var/lib/apt in the layer its last run made)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("npm's download cache goes into this layer (1.0 MB under /root/.npm in the layer its last run made)"),
        "{stdout}"
    );
}

/// SecretFileCopied: `COPY . .` of a context holding `.env` and a private key names them and the
/// COPY; excluding them in `.dockerignore` ends it.
#[test]
fn secret_files_copied_into_a_layer_are_named_with_the_copy() {
    let home = tempfile::tempdir().unwrap();
    let ctx = dir_with("FROM scratch\nCOPY a /a\nCOPY . /app\nUSER 1000\n");
    std::fs::write(ctx.path().join(".env"), "TOKEN=1\n").unwrap();
    std::fs::create_dir(ctx.path().join("tls")).unwrap();
    std::fs::write(
        ctx.path().join("tls/server.key"),
        "-----BEGIN PRIVATE KEY-----\n",
    )
    .unwrap();
    let stdout = check_report(ctx.path(), home.path());
    assert!(
        stdout.contains("`COPY . /app` (line 3) puts secret-looking files into its layer"),
        "{stdout}"
    );
    assert!(stdout.contains(".env, tls/server.key"), "{stdout}");
    assert_eq!(
        stdout.matches("SecretFileCopied").count(),
        1,
        "not COPY a: {stdout}"
    );
    std::fs::write(ctx.path().join(".dockerignore"), ".env\ntls\n").unwrap();
    assert!(!check_report(ctx.path(), home.path()).contains("SecretFileCopied"));
}
