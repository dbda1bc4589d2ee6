//! The GitHub Action: `action.yml` at the repository root, its entry `action/index.js` and
//! `action/inputs.js` (the inputs as `rbuild build` flags).
//!
//! * `inputs`: `action.yml` declares docker/build-push-action v7's inputs exactly, then
//!   rbuild's own, and each reaches rbuild as the flag build-push-action gives buildx.
//! * A job is played on a fake runner: the `GITHUB_*`/`ACTIONS_*`/`RUNNER_*` variables and
//!   `INPUT_*` values GitHub would set, the Actions cache served by the cache server, temporary
//!   `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files; `node action/index.js` builds a demo
//!   project twice with `type=gha` across a wiped state directory. It installs rbuild with
//!   `version: source`: the entry's own `cargo build`, in the `dev` profile and the target
//!   directory of this test run (`RBUILD_ACTION_CARGO_PROFILE`), so it finds the binary fresh.
//!   The other jobs hand the entry the built binary (`RBUILD_ACTION_BIN`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::remote_backends::{cache_server, main_token};
use super::support::context;

/// The inputs and the flags they become, recorded.
mod inputs;

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `action.yml`, parsed.
fn action() -> serde_yaml::Value {
    let text = fs::read_to_string(root().join("action.yml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// The inputs of `action.yml` in their order: (name, default, description).
fn declared_inputs() -> Vec<(String, String, String)> {
    let action = action();
    let map = action["inputs"].as_mapping().expect("inputs");
    map.iter()
        .map(|(k, v)| {
            let name = k.as_str().unwrap().to_string();
            let description = v["description"].as_str().unwrap_or_default().to_string();
            let default = match &v["default"] {
                serde_yaml::Value::String(s) => s.clone(),
                serde_yaml::Value::Null => String::new(),
                other => panic!("input {name}: default {other:?} is not a string"),
            };
            (name, default, description)
        })
        .collect()
}

/// What one run of the action left.
struct Job {
    outputs: BTreeMap<String, String>,
    stdout: String,
    /// The job summary rbuild wrote.
    summary: String,
}

/// Reads a `GITHUB_OUTPUT` file (`name<<DELIM`, lines, `DELIM`).
fn read_outputs(path: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((name, delim)) = line.split_once("<<") else {
            continue;
        };
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delim {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_string(), value.join("\n"));
    }
    out
}

/// The command that runs the action's entry as the runner would, with `inputs` (the others at
/// their defaults), state in `home`, the runner's files (`output`, `summary.md`, temp) in
/// `runner`.
fn action_command(
    workspace: &Path,
    home: &Path,
    runner: &Path,
    env: &[(&str, &str)],
    inputs: &[(&str, &str)],
) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(root().join("action/index.js"))
        .current_dir(workspace)
        .env("RBUILD_HOME", home)
        .env("GITHUB_OUTPUT", runner.join("output"))
        .env("GITHUB_STEP_SUMMARY", runner.join("summary.md"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/demo")
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_REF_NAME", "main")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", "123456789")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("GITHUB_WORKSPACE", workspace)
        .env("RUNNER_TEMP", runner)
        .env("RUNNER_TOOL_CACHE", runner.join("tools"))
        .env("DOCKER_CONFIG", "/nonexistent/rbuild-test")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("SOURCE_DATE_EPOCH");
    for key in [
        "DOCKER_BUILD_SUMMARY",
        "DOCKER_BUILD_CHECKS_ANNOTATIONS",
        "DOCKER_BUILD_RECORD_UPLOAD",
        "BUILDX_NO_DEFAULT_ATTESTATIONS",
    ] {
        cmd.env_remove(key);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    // GitHub fills every input, with its default when the workflow gives none.
    let given: BTreeMap<&str, &str> = inputs.iter().copied().collect();
    for name in given.keys() {
        assert!(
            declared_inputs().iter().any(|(n, _, _)| n == name),
            "{name} is no input"
        );
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_rbuild"));
    if given.get("version") == Some(&"source") {
        // The action's own cargo build, in the profile and target directory `cargo test` built
        // this binary in: it finds the binary fresh instead of a release build's minutes.
        // Without the CARGO_PKG_* and other variables cargo set for this test process: build
        // scripts that watch them (ring's) would see a change and rebuild the dependents.
        let target_dir = bin.parent().and_then(Path::parent).unwrap();
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("CARGO_") && key != "CARGO_HOME" {
                cmd.env_remove(key.as_ref());
            }
        }
        cmd.env("CARGO_TARGET_DIR", target_dir)
            .env("RBUILD_ACTION_CARGO_PROFILE", "dev")
            .env_remove("RBUILD_ACTION_BIN");
    } else {
        cmd.env("RBUILD_ACTION_BIN", bin);
    }
    for (name, default, _) in declared_inputs() {
        let value = given
            .get(name.as_str())
            .map_or(default.clone(), |v| v.to_string());
        let value = if value.contains("${{") {
            String::new()
        } else {
            value
        };
        cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
    }
    cmd
}

/// Runs the action's entry as the runner would, with `inputs`, state in `home`.
fn run_action(workspace: &Path, home: &Path, env: &[(&str, &str)], inputs: &[(&str, &str)]) -> Job {
    let runner = tempfile::tempdir().unwrap();
    let out = action_command(workspace, home, runner.path(), env, inputs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the action failed:\n{stdout}\n{stderr}"
    );
    Job {
        outputs: read_outputs(&runner.path().join("output")),
        stdout: format!("{stdout}\n{stderr}"),
        summary: fs::read_to_string(runner.path().join("summary.md")).unwrap_or_default(),
    }
}

#[test]
fn a_job_on_a_fake_runner_builds_twice_with_the_actions_cache() {
    let (_server, url, _) = cache_server();
    let token = main_token();
    let env = [
        ("ACTIONS_RESULTS_URL", url.as_str()),
        ("ACTIONS_RUNTIME_TOKEN", token.as_str()),
    ];
    let project = context(
        "FROM {REG}/library/busybox:latest\n\
         COPY app.txt /app.txt\n\
         RUN --mount=type=cache,target=/cache cp /app.txt /cache/ && wc -c /app.txt > /size\n",
        &[("app.txt", "hello\n")],
    );
    let inputs = [
        ("version", "source"),
        ("context", "."),
        ("cache-from", "type=gha"),
        ("cache-to", "type=gha,mode=max"),
        (
            "labels",
            "org.opencontainers.image.source=https://example.invalid/demo",
        ),
    ];
    let first_home = tempfile::tempdir().unwrap();
    let first = run_action(project.path(), first_home.path(), &env, &inputs);
    assert!(
        first.stdout.contains("Finished `dev` profile"),
        "version: source ran cargo build:\n{}",
        first.stdout
    );
    let digest = first.outputs.get("digest").cloned().unwrap_or_default();
    assert!(
        digest.starts_with("sha256:"),
        "{:?}\n{}",
        first.outputs,
        first.stdout
    );
    assert!(
        first.outputs["imageid"].starts_with("sha256:"),
        "{:?}",
        first.outputs
    );
    let metadata: serde_json::Value = serde_json::from_str(&first.outputs["metadata"]).unwrap();
    assert_eq!(metadata["containerimage.digest"], digest.as_str());
    assert!(
        first.stdout.contains("exported cache to gha"),
        "{}",
        first.stdout
    );
    // The job summary: every step, why it ran, the caches, the layers by size.
    for part in [
        "### Steps",
        "COPY app.txt /app.txt` | **ran** |",
        "no record for this step",
        "| `gha:rbuild` |",
        "### Mount caches",
        "### Layers by size",
    ] {
        assert!(
            first.summary.contains(part),
            "{part:?} in:\n{}",
            first.summary
        );
    }

    // A fresh runner: every step comes from the Actions cache, the same image.
    let second_home = tempfile::tempdir().unwrap();
    let second = run_action(project.path(), second_home.path(), &env, &inputs);
    // The same image (its config); the index differs, as BuildKit's does, by the
    // provenance's times and invocation id (build-push-action's default: mode=max here).
    assert_eq!(
        second.outputs["imageid"], first.outputs["imageid"],
        "{}",
        second.stdout
    );
    assert_ne!(
        second.outputs["digest"], digest,
        "provenance differs per build"
    );
    let cached = second
        .stdout
        .lines()
        .filter(|l| l.ends_with(" CACHED"))
        .count();
    assert!(
        cached >= 2,
        "both steps hit on the fresh runner:\n{}",
        second.stdout
    );
    assert!(
        second.summary.contains("2 steps, 2 cached, 0 ran"),
        "{}",
        second.summary
    );
}

/// `platforms: linux/amd64,linux/arm64` on an amd64 runner: the action registers QEMU for the
/// foreign one (no setup-qemu step in the workflow), rbuild builds both, and the outputs name
/// the index.
#[test]
fn a_job_with_two_platforms_registers_qemu_and_outputs_the_index() {
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("SKIPPED: the foreign platform of this test is arm64, for an amd64 runner");
        return;
    }
    let project = context(
        "FROM {REG}/library/busybox:latest\nRUN uname -m > /arch\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = format!("type=oci,dest={}", out.path().join("image.tar").display());
    let job = run_action(
        project.path(),
        home.path(),
        &[],
        &[
            ("context", "."),
            ("platforms", "linux/amd64,linux/arm64"),
            ("outputs", dest.as_str()),
        ],
    );
    assert!(
        job.stdout.contains("registering QEMU for linux/arm64"),
        "{}",
        job.stdout
    );
    assert!(
        job.stdout.contains("[linux/arm64 2/2] RUN uname -m"),
        "{}",
        job.stdout
    );
    let metadata: serde_json::Value = serde_json::from_str(&job.outputs["metadata"]).unwrap();
    assert_eq!(
        metadata["containerimage.descriptor"]["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(job.outputs["digest"], job.outputs["imageid"]);
    assert!(job.outputs["digest"].starts_with("sha256:"));
}

/// The checks in a job: each finding is an annotation on its Dockerfile line; `checks: false`
/// turns them off; `call: check` checks without building.
#[test]
fn the_checks_are_annotations_and_call_check_builds_nothing() {
    let project = context(
        "FROM {REG}/library/busybox:latest AS Build\nMAINTAINER me\nRUN true\nUSER 1000\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let job = run_action(project.path(), home.path(), &[], &[("context", ".")]);
    assert!(
        job.stdout.contains(
            "::warning file=Dockerfile,line=1,endLine=1,title=StageNameCasing::Stage name 'Build' should be lowercase"
        ),
        "{}",
        job.stdout
    );
    assert!(
        job.stdout.contains("title=MaintainerDeprecated::"),
        "{}",
        job.stdout
    );
    assert!(
        job.stdout.contains("title=BaseImageLatest::"),
        "{}",
        job.stdout
    );
    assert!(job.summary.contains("### Checks"), "{}", job.summary);

    let quiet = run_action(
        project.path(),
        home.path(),
        &[],
        &[("context", "."), ("checks", "false")],
    );
    assert!(!quiet.stdout.contains("::warning"), "{}", quiet.stdout);

    let check = run_action(
        project.path(),
        home.path(),
        &[],
        &[("context", "."), ("call", "check")],
    );
    assert!(
        check
            .stdout
            .contains("Check complete, 3 warnings have been found!"),
        "{}",
        check.stdout
    );
    assert!(
        !check.stdout.contains("#1 ["),
        "nothing built: {}",
        check.stdout
    );
    assert!(
        check.stdout.contains("\nDockerfile:1\n"),
        "{}",
        check.stdout
    );
}

#[test]
fn the_workflows_parse_and_release_what_the_action_downloads() {
    let dir = root().join(".github/workflows");
    let read = |name: &str| -> serde_yaml::Value {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let ci = read("ci.yml");
    let steps = ci["jobs"]["test"]["steps"].as_sequence().unwrap();
    assert!(
        steps.iter().any(|s| s["run"]
            .as_str()
            .is_some_and(|r| r.contains("bash .ci/run"))),
        "ci.yml runs .ci/run"
    );
    let release = read("release.yml");
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["target"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
    );
    let text = fs::read_to_string(dir.join("release.yml")).unwrap();
    assert!(text.contains(r#"name="$bin-${{ matrix.target }}.tar.gz""#));
    assert!(text.contains(r#"sha256sum "$name" > "$name.sha256""#));
    // The action asks for exactly those names.
    let entry = fs::read_to_string(root().join("action/index.js")).unwrap();
    assert!(entry.contains("/rbuild-${triple}.tar.gz`"), "asset name");
    assert!(entry.contains("`${base}.sha256`"), "checksum name");
    assert!(entry.contains("x64: 'x86_64', arm64: 'aarch64'"));
    assert!(entry.contains("-unknown-linux-musl`"));
}

/// `rbuild build --progress plain` of `dockerfile` as a step of a GitHub Actions job
/// (`GITHUB_ACTIONS=true`, the project as `GITHUB_WORKSPACE`).
fn build_in_actions(dockerfile: &str) -> std::process::Output {
    let project = context(dockerfile, &[]);
    let home = tempfile::tempdir().unwrap();
    super::support::rbuild_build(project.path(), home.path(), &["--progress", "plain"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", project.path())
        .output()
        .unwrap()
}

#[test]
fn in_github_actions_a_dockerfile_error_is_an_annotation_on_its_line() {
    let out = build_in_actions("FROM {REG}/library/busybox:latest\nFOO bar\n");
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error file=Dockerfile,line=2::unknown instruction: FOO"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn in_github_actions_each_step_that_ran_is_folded_in_the_log() {
    let out = build_in_actions("FROM {REG}/library/busybox:latest\nRUN echo one && echo two\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let open = lines
        .iter()
        .position(|l| l.starts_with("::group::#") && l.contains("RUN echo one"))
        .unwrap_or_else(|| panic!("no group for the RUN step:\n{stderr}"));
    let close = open
        + lines[open..]
            .iter()
            .position(|l| *l == "::endgroup::")
            .unwrap_or_else(|| panic!("the group is not closed:\n{stderr}"));
    let inside = &lines[open..close];
    assert!(
        inside.iter().any(|l| l.ends_with(" one")) && inside.iter().any(|l| l.ends_with(" two")),
        "the step's output is inside its group:\n{stderr}"
    );
    assert!(
        inside.last().is_some_and(|l| l.contains(" DONE ")),
        "{stderr}"
    );
}

#[test]
fn in_github_actions_a_failing_run_step_is_an_annotation_on_its_line() {
    let out = build_in_actions(
        "FROM {REG}/library/busybox:latest\n\nRUN echo preparing && \\\n    echo broken-dependency >&2 && exit 3\n",
    );
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let annotation = stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| {
            panic!(
                "no annotation:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    // The RUN instruction's first line; its exit code and its last output inside.
    assert!(
        annotation.starts_with("::error file=Dockerfile,line=3::"),
        "{annotation}"
    );
    assert!(annotation.contains('3'), "{annotation}");
    assert!(stdout.contains("broken-dependency"), "{stdout}");
}
