//! The action's inputs: `action.yml` declares docker/build-push-action v7's inputs exactly
//! (names, defaults, descriptions: the list below is taken from its action.yml), then rbuild's
//! own; each reaches rbuild as the flag build-push-action gives buildx. The entry runs with a
//! recording script as rbuild (`RBUILD_ACTION_BIN`) and the tests compare the whole argv; the
//! default provenance, the default Git context, the environment switches and a refused input the
//! same way.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::{action, action_command, declared_inputs, root};

/// docker/build-push-action v7's inputs (v7.3.0's action.yml; unchanged since v6), in its
/// order: (name, default, description). No default is "".
const BUILD_PUSH_ACTION_V7_INPUTS: &[(&str, &str, &str)] = &[
    (
        "add-hosts",
        "",
        "List of a customs host-to-IP mapping (e.g., docker:10.180.0.1)",
    ),
    (
        "allow",
        "",
        "List of extra privileged entitlement (e.g., network.host,security.insecure)",
    ),
    ("annotations", "", "List of annotation to set to the image"),
    (
        "attests",
        "",
        "List of attestation parameters (e.g., type=sbom,generator=image)",
    ),
    ("build-args", "", "List of build-time variables"),
    (
        "build-contexts",
        "",
        "List of additional build contexts (e.g., name=path)",
    ),
    ("builder", "", "Builder instance"),
    (
        "cache-from",
        "",
        "List of external cache sources for buildx (e.g., user/app:cache, type=local,src=path/to/dir)",
    ),
    (
        "cache-to",
        "",
        "List of cache export destinations for buildx (e.g., user/app:cache, type=local,dest=path/to/dir)",
    ),
    ("call", "", "Set method for evaluating build (e.g., check)"),
    (
        "cgroup-parent",
        "",
        "Optional parent cgroup for the container used in the build",
    ),
    (
        "context",
        "",
        "Build's context is the set of files located in the specified PATH or URL",
    ),
    ("file", "", "Path to the Dockerfile"),
    ("labels", "", "List of metadata for an image"),
    (
        "load",
        "false",
        "Load is a shorthand for --output=type=docker",
    ),
    (
        "network",
        "",
        "Set the networking mode for the RUN instructions during build",
    ),
    (
        "no-cache",
        "false",
        "Do not use cache when building the image",
    ),
    ("no-cache-filters", "", "Do not cache specified stages"),
    (
        "outputs",
        "",
        "List of output destinations (format: type=local,dest=path)",
    ),
    ("platforms", "", "List of target platforms for build"),
    (
        "provenance",
        "",
        "Generate provenance attestation for the build (shorthand for --attest=type=provenance)",
    ),
    (
        "pull",
        "false",
        "Always attempt to pull all referenced images",
    ),
    (
        "push",
        "false",
        "Push is a shorthand for --output=type=registry",
    ),
    (
        "sbom",
        "",
        "Generate SBOM attestation for the build (shorthand for --attest=type=sbom)",
    ),
    (
        "secrets",
        "",
        "List of secrets to expose to the build (e.g., key=string, GIT_AUTH_TOKEN=mytoken)",
    ),
    (
        "secret-envs",
        "",
        "List of secret env vars to expose to the build (e.g., key=envname, MY_SECRET=MY_ENV_VAR)",
    ),
    (
        "secret-files",
        "",
        "List of secret files to expose to the build (e.g., key=filename, MY_SECRET=./secret.txt)",
    ),
    ("shm-size", "", "Size of /dev/shm (e.g., 2g)"),
    (
        "ssh",
        "",
        "List of SSH agent socket or keys to expose to the build",
    ),
    ("tags", "", "List of tags"),
    ("target", "", "Sets the target stage to build"),
    ("ulimit", "", "Ulimit options (e.g., nofile=1024:1024)"),
    (
        "github-token",
        "${{ github.token }}",
        "GitHub Token used to authenticate against a repository for Git context",
    ),
];

/// rbuild's own inputs, after build-push-action's: (name, default).
const RBUILD_INPUTS: &[(&str, &str)] = &[
    ("version", "latest"),
    ("mount-caches", "true"),
    ("cache-server", ""),
    ("cache-server-token", ""),
    ("summary", "true"),
    ("checks", "true"),
];

#[test]
fn action_yml_declares_build_push_action_v7s_inputs_then_rbuilds_own() {
    let declared = declared_inputs();
    assert_eq!(BUILD_PUSH_ACTION_V7_INPUTS.len(), 33);
    let ours: Vec<(&str, &str, &str)> = declared
        .iter()
        .map(|(n, d, s)| (n.as_str(), d.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        &ours[..BUILD_PUSH_ACTION_V7_INPUTS.len()],
        BUILD_PUSH_ACTION_V7_INPUTS,
        "build-push-action v7's inputs, as its action.yml has them"
    );
    let own: Vec<(&str, &str)> = ours[BUILD_PUSH_ACTION_V7_INPUTS.len()..]
        .iter()
        .map(|(n, d, _)| (*n, *d))
        .collect();
    assert_eq!(own, RBUILD_INPUTS, "then rbuild's own");
    let entry = fs::read_to_string(root().join("action/index.js")).unwrap()
        + &fs::read_to_string(root().join("action/inputs.js")).unwrap();
    for (name, _, description) in &ours[BUILD_PUSH_ACTION_V7_INPUTS.len()..] {
        assert!(
            description.starts_with("rbuild's own. "),
            "input {name} is marked as rbuild's: {description:?}"
        );
    }
    for (name, _, _) in &ours {
        let read = ["input", "boolInput", "listInput"]
            .iter()
            .any(|f| entry.contains(&format!("{f}('{name}'")));
        assert!(read, "input {name} is never read by the action");
    }
    let action = action();
    assert_eq!(action["runs"]["using"], "node24");
    assert_eq!(action["runs"]["main"], "action/index.js");
    for output in ["imageid", "digest", "metadata"] {
        assert!(
            action["outputs"][output]["description"].is_string(),
            "output {output}"
        );
    }
}

/// What the action handed rbuild, recorded by a script in rbuild's place.
struct Recorded {
    /// `rbuild`'s arguments, the temporary directory as `$TEMP` and the workspace as
    /// `$WORKSPACE`; empty when rbuild never ran.
    argv: Vec<String>,
    /// rbuild's environment.
    env: BTreeMap<String, String>,
    stdout: String,
    success: bool,
}

/// Runs the action's entry with a recording script as rbuild (it writes its arguments, one per
/// line, and its environment, and exits 0) in a fresh workspace holding `secret.txt`.
fn record_action(env: &[(&str, &str)], inputs: &[(&str, &str)]) -> Recorded {
    let workspace = tempfile::tempdir().unwrap();
    fs::write(workspace.path().join("secret.txt"), "s3cr3t\n").unwrap();
    let runner = tempfile::tempdir().unwrap();
    let recorder = tempfile::tempdir().unwrap();
    let script = recorder.path().join("rbuild");
    fs::write(
        &script,
        "#!/bin/sh\nd=$(dirname \"$0\")\nprintf '%s\\n' \"$@\" > \"$d/argv\"\nenv -0 > \"$d/env\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = action_command(workspace.path(), home.path(), runner.path(), env, inputs)
        .env("RBUILD_ACTION_BIN", &script)
        .output()
        .unwrap();
    let argv_text = fs::read_to_string(recorder.path().join("argv")).unwrap_or_default();
    let mut argv: Vec<String> = argv_text.lines().map(str::to_string).collect();
    // The results' directory, `$RUNNER_TEMP/rbuild-XXXXXX`, as `$TEMP`.
    if let Some(i) = argv.iter().position(|a| a == "--metadata-file") {
        let temp = Path::new(&argv[i + 1])
            .parent()
            .unwrap()
            .display()
            .to_string();
        assert!(temp.starts_with(&runner.path().display().to_string()));
        for a in &mut argv {
            *a = a.replace(&temp, "$TEMP");
        }
    }
    let ws = workspace.path().display().to_string();
    for a in &mut argv {
        *a = a.replace(&ws, "$WORKSPACE");
    }
    let env_text = fs::read(recorder.path().join("env")).unwrap_or_default();
    let env = env_text
        .split(|b| *b == 0)
        .filter_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect();
    Recorded {
        argv,
        env,
        stdout: format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        success: out.status.success(),
    }
}

/// This run's URL, the provenance's builder id (`GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT` of the
/// fake runner).
const RUN_URL: &str = "https://github.com/acme/demo/actions/runs/123456789/attempts/1";

/// Two platforms this machine runs natively (no QEMU registration in the recorded job).
fn native_platforms() -> (&'static str, &'static str) {
    if std::env::consts::ARCH == "x86_64" {
        ("linux/amd64\nlinux/386", "linux/amd64,linux/386")
    } else {
        ("linux/arm64\nlinux/arm64/v8", "linux/arm64,linux/arm64/v8")
    }
}

#[test]
fn every_input_reaches_rbuild_as_the_flag_build_push_action_gives_buildx() {
    let (platforms, platform_flag) = native_platforms();
    let inputs = [
        ("add-hosts", "docker:10.180.0.1,github:10.0.0.2"),
        ("allow", "network.host,security.insecure"),
        (
            "annotations",
            "index:org.opencontainers.image.title=demo\nmanifest:org.opencontainers.image.vendor=acme, inc",
        ),
        (
            "attests",
            "type=provenance,mode=min\ntype=sbom,generator=other",
        ),
        ("build-args", "A=1\nB=x,y"),
        (
            "build-contexts",
            "alpine=docker-image://alpine:3.20\nsrc={{defaultContext}}:src",
        ),
        ("builder", "remote-builder"),
        ("cache-from", "type=gha\nuser/app:cache"),
        ("cache-to", "type=gha,mode=max"),
        ("call", "check"),
        ("cgroup-parent", "/actions"),
        ("context", "sub"),
        ("file", "sub/Dockerfile.ci"),
        ("labels", "a=1\nb=x,y"),
        ("load", "true"),
        ("network", "host"),
        ("no-cache", "true"),
        ("no-cache-filters", "base,deps"),
        (
            "outputs",
            "type=oci,dest=image.tar\ntype=docker,dest=docker.tar",
        ),
        ("platforms", platforms),
        ("provenance", "mode=max"),
        ("pull", "true"),
        ("push", "true"),
        ("sbom", "true"),
        ("secrets", "GIT_AUTH_TOKEN=abc\n\"MYSECRET=x,y\""),
        ("secret-envs", "NPM_TOKEN=NPM_TOKEN_ENV,PIP=PIP_ENV"),
        ("secret-files", "CERT=secret.txt"),
        ("shm-size", "2g"),
        ("ssh", "default,github=/tmp/agent.sock"),
        ("tags", "acme/demo:1,acme/demo:latest\nghcr.io/acme/demo:1"),
        ("target", "release"),
        ("ulimit", "nofile=1024:1024\nnproc=512"),
        ("github-token", "ghs_test"),
        // rbuild's own.
        ("version", "1.2.3"),
        ("mount-caches", "false"),
        ("cache-server", "https://cache.example:5000"),
        ("cache-server-token", "ci:pw"),
        ("summary", "false"),
        ("checks", "false"),
    ];
    let declared = declared_inputs();
    for (name, default, _) in &declared {
        let given = inputs.iter().find(|(n, _)| n == name);
        assert!(
            given.is_some_and(|(_, v)| v != default),
            "{name} is set to a value other than its default"
        );
    }
    let job = record_action(&[], &inputs);
    assert!(job.success, "{}", job.stdout);
    let expected = [
        "build --progress plain",
        "--add-host docker:10.180.0.1 --add-host github:10.0.0.2",
        "--allow network.host --allow security.insecure",
        "--annotation index:org.opencontainers.image.title=demo",
        "--annotation manifest:org.opencontainers.image.vendor=acme, inc",
        "--build-arg A=1 --build-arg B=x,y --build-arg BUILDKIT_DOCKERFILE_CHECK=skip=all",
        "--build-context alpine=docker-image://alpine:3.20",
        "--build-context src=$WORKSPACE/src",
        "--cache-from type=gha,mount-caches=false",
        "--cache-from type=registry,ref=user/app:cache,mount-caches=false",
        "--cache-to type=gha,mode=max,mount-caches=false",
        "--call check",
        "--cgroup-parent /actions",
        "--secret id=NPM_TOKEN,env=NPM_TOKEN_ENV --secret id=PIP,env=PIP_ENV",
        "--file sub/Dockerfile.ci",
        "--iidfile $TEMP/iidfile.txt",
        "--label a=1 --label b=x,y",
        "--no-cache-filter base --no-cache-filter deps",
        "--output type=oci,dest=image.tar --output type=docker,dest=docker.tar",
        &format!("--platform {platform_flag}"),
        &format!("--attest type=provenance,mode=max,builder-id={RUN_URL}"),
        "--attest type=sbom,disabled=false",
        "--secret id=GIT_AUTH_TOKEN,env=RBUILD_SECRET_1",
        "--secret id=MYSECRET,env=RBUILD_SECRET_2",
        "--secret id=CERT,src=secret.txt",
        "--shm-size 2g",
        "--ssh default --ssh github=/tmp/agent.sock",
        "--tag acme/demo:1 --tag acme/demo:latest --tag ghcr.io/acme/demo:1",
        "--target release",
        "--ulimit nofile=1024:1024 --ulimit nproc=512",
        "--load --metadata-file $TEMP/metadata.json --network host --no-cache --pull --push",
        "sub",
    ];
    // Each line above is flags and values separated by single spaces, but the annotation's
    // value, which holds one.
    let mut want: Vec<String> = Vec::new();
    for line in expected {
        if let Some(value) = line.strip_prefix("--annotation ") {
            want.extend(["--annotation".to_string(), value.to_string()]);
        } else {
            want.extend(line.split(' ').map(str::to_string));
        }
    }
    assert_eq!(job.argv, want, "{}", job.stdout);
    // Secret values travel in the environment (and are masked in the log), never in argv.
    assert_eq!(job.env["RBUILD_SECRET_1"], "abc");
    assert_eq!(job.env["RBUILD_SECRET_2"], "x,y");
    assert!(job.stdout.contains("::add-mask::x,y"), "{}", job.stdout);
    assert_eq!(job.env["GITHUB_TOKEN"], "ghs_test");
    assert!(
        !job.env.contains_key("GITHUB_STEP_SUMMARY"),
        "summary: false"
    );
    assert_ne!(job.env["DOCKER_CONFIG"], "/nonexistent/rbuild-test");
    assert!(
        job.stdout.contains(
            "builder: rbuild builds on this runner itself, without a buildx builder; \"remote-builder\" selects nothing"
        ),
        "{}",
        job.stdout
    );
}

/// The `--attest` values of a recorded run.
fn attests(job: &Recorded) -> Vec<&str> {
    assert!(job.success, "{}", job.stdout);
    job.argv
        .windows(2)
        .filter(|w| w[0] == "--attest")
        .map(|w| w[1].as_str())
        .collect()
}

/// An event payload file whose repository is private or public.
fn event(private: bool) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let payload = serde_json::json!({"repository": {"private": private, "name": "demo"}});
    fs::write(file.path(), payload.to_string()).unwrap();
    file
}

#[test]
fn provenance_by_default_is_max_on_a_public_repository_and_min_on_a_private_one() {
    let context = [("context", ".")];
    let public = event(false);
    let private = event(true);
    let public_path = public.path().to_str().unwrap();
    let private_path = private.path().to_str().unwrap();
    let max = format!("type=provenance,mode=max,builder-id={RUN_URL}");
    let min = format!("type=provenance,mode=min,inline-only=true,builder-id={RUN_URL}");
    let job = record_action(&[("GITHUB_EVENT_PATH", public_path)], &context);
    assert_eq!(attests(&job), [max.as_str()]);
    let job = record_action(&[("GITHUB_EVENT_PATH", private_path)], &context);
    assert_eq!(attests(&job), [min.as_str()]);
    // Without an event the repository counts as public, as the toolkit's `private ?? false`.
    assert_eq!(attests(&record_action(&[], &context)), [max.as_str()]);
    // BUILDX_NO_DEFAULT_ATTESTATIONS, a load into docker or an attest of provenance: none added.
    let job = record_action(&[("BUILDX_NO_DEFAULT_ATTESTATIONS", "1")], &context);
    assert!(attests(&job).is_empty(), "{:?}", job.argv);
    let job = record_action(&[], &[("context", "."), ("load", "true")]);
    assert!(attests(&job).is_empty(), "{:?}", job.argv);
    let job = record_action(&[], &[("context", "."), ("outputs", "type=docker")]);
    assert!(attests(&job).is_empty(), "{:?}", job.argv);
    let job = record_action(
        &[("GITHUB_EVENT_PATH", private_path)],
        &[
            ("context", "."),
            (
                "attests",
                "type=provenance,mode=max\ntype=sbom,generator=image",
            ),
        ],
    );
    assert_eq!(
        attests(&job),
        [
            format!("type=provenance,mode=max,builder-id={RUN_URL}").as_str(),
            "type=sbom,generator=image"
        ]
    );
    // The provenance input: a boolean, or attributes given a builder id unless they name one.
    for (value, attest) in [
        ("false", "type=provenance,disabled=true".to_string()),
        ("true", format!("type=provenance,builder-id={RUN_URL}")),
        (
            "mode=min",
            format!("type=provenance,mode=min,builder-id={RUN_URL}"),
        ),
        (
            "builder-id=foo",
            "type=provenance,builder-id=foo".to_string(),
        ),
    ] {
        let job = record_action(&[], &[("context", "."), ("provenance", value)]);
        assert_eq!(attests(&job), [attest.as_str()], "provenance: {value}");
    }
}

#[test]
fn an_empty_context_is_the_workspace_checkout_with_the_token_for_git_sources() {
    let job = record_action(
        &[("DOCKER_BUILD_CHECKS_ANNOTATIONS", "false")],
        &[
            ("github-token", "ghs_token"),
            ("secret-envs", "GOOD=ENV_A\nbad"),
        ],
    );
    assert!(job.success, "{}", job.stdout);
    assert_eq!(job.argv.last().unwrap(), "$WORKSPACE", "{:?}", job.argv);
    let secrets: Vec<&str> = job
        .argv
        .windows(2)
        .filter(|w| w[0] == "--secret")
        .map(|w| w[1].as_str())
        .collect();
    assert_eq!(
        secrets,
        [
            "id=GOOD,env=ENV_A",
            "id=GIT_AUTH_TOKEN.github.com,env=RBUILD_SECRET_1"
        ]
    );
    assert_eq!(job.env["RBUILD_SECRET_1"], "ghs_token");
    assert!(
        job.stdout.contains("::warning::bad is not a valid secret"),
        "{}",
        job.stdout
    );
    assert!(
        job.stdout.contains(
            "build-push-action's default is the Git context https://github.com/acme/demo.git#0123456789abcdef0123456789abcdef01234567"
        ),
        "{}",
        job.stdout
    );
    // rbuild reads DOCKER_BUILD_CHECKS_ANNOTATIONS itself; the summary stays on, and a notice
    // says where the report is instead of a build record.
    assert_eq!(job.env["DOCKER_BUILD_CHECKS_ANNOTATIONS"], "false");
    assert!(job.env.contains_key("GITHUB_STEP_SUMMARY"));
    assert!(
        job.stdout.contains(
            "::notice::rbuild makes no buildx build record to upload (DOCKER_BUILD_RECORD_UPLOAD); its build report is in the job summary and the `metadata` output"
        ),
        "{}",
        job.stdout
    );

    let sub = record_action(&[], &[("context", "{{defaultContext}}:docker")]);
    assert_eq!(sub.argv.last().unwrap(), "$WORKSPACE/docker");
}

#[test]
fn docker_build_summary_false_drops_the_job_summary_and_the_record_notice() {
    let job = record_action(&[("DOCKER_BUILD_SUMMARY", "false")], &[("context", ".")]);
    assert!(job.success, "{}", job.stdout);
    assert!(
        !job.env.contains_key("GITHUB_STEP_SUMMARY"),
        "{:?}",
        job.env
    );
    assert!(!job.stdout.contains("::notice::"), "{}", job.stdout);
    let job = record_action(
        &[("DOCKER_BUILD_RECORD_UPLOAD", "false")],
        &[("context", ".")],
    );
    assert!(job.env.contains_key("GITHUB_STEP_SUMMARY"));
    assert!(!job.stdout.contains("::notice::"), "{}", job.stdout);
}

#[test]
fn a_remote_context_is_refused_before_rbuild_runs() {
    let job = record_action(
        &[],
        &[("context", "https://github.com/acme/other.git#main")],
    );
    assert!(!job.success, "{}", job.stdout);
    assert!(job.argv.is_empty(), "rbuild ran: {:?}", job.argv);
    assert!(
        job.stdout.contains(
            "::error::input context: \"https://github.com/acme/other.git#main\" is a remote context, and rbuild builds a local directory: check the repository out (actions/checkout) and give its path, or leave context empty for the workspace"
        ),
        "{}",
        job.stdout
    );
}
