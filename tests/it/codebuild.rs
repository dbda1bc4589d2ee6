//! The CodeBuild recipe (`docs/codebuild.md`, `examples/codebuild/buildspec.yml`) and the
//! example workflows (`examples/workflows/*.yml`): they parse as YAML, the workflows give
//! `rbuild/rbuild-action@v1` only inputs `action.yml` declares and read only outputs it sets,
//! the doc holds the buildspec verbatim, and the buildspec's commands work end to end against an
//! ECR stand-in: its `pre_build` and `build` phases run as written, in one bash (as CodeBuild
//! runs them) with CodeBuild's variables, first as a push to `main`, then as a pull request whose
//! fresh container starts from `main`'s cache and mount cache and writes its own scope.
//!
//! The ECR stand-in: rbuild speaks to the host `pre_build` derives from the build ARN
//! (`123456789012.dkr.ecr.eu-west-1.amazonaws.com`, plain HTTP through
//! `RBUILD_INSECURE_REGISTRIES`), which an HTTP forward proxy (`HTTP_PROXY`, a [`Relay`] in the
//! test) leads to `scripts/peers.sh`'s basic-auth registry (`RBUILD_TEST_AUTH_REGISTRY`); its
//! password is moto's ECR token, which rbuild gets from moto (`RBUILD_TEST_MOTO`, through
//! `AWS_ENDPOINT_URL_ECR`) by itself, and it creates the cache repository in moto's ECR.
//!
//! YAML is read by serde_yaml (YAML 1.2: GitHub reads `on:` as a key, not `true`; duplicate
//! keys are refused, as GitHub does).

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_ecr::config::{Credentials, Region};
use rbuild::registry::ecr::{EcrHost, ensure_repository_with};
use serde_json::Value;

use super::support::{Relay, context, skopeo};

/// The repository root.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The action every example uses, exactly as the docs spell it.
const ACTION: &str = "rbuild/rbuild-action@v1";

/// The example workflows the docs promise.
const WORKFLOWS: [&str; 3] = [
    "gha-cache.yml",
    "self-hosted-cache-server.yml",
    "monorepo-matrix.yml",
];

/// `ROOT/rel`.
fn path(rel: &str) -> PathBuf {
    Path::new(ROOT).join(rel)
}

/// The text of `ROOT/rel`; fails the test naming the file when it cannot be read.
fn read(rel: &str) -> String {
    fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `ROOT/rel` parsed as YAML (serde_yaml: YAML 1.2, so `on:` is a key and not `true`, as
/// GitHub reads it; a duplicate key is an error, as GitHub makes it), as JSON; fails the test
/// with the parser's message (line, column) when it does not parse.
fn yaml(rel: &str) -> Value {
    serde_yaml::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

/// The example workflows, as `(path, document)`; fails the test when one the docs promise is
/// missing.
fn workflows() -> Vec<(String, Value)> {
    let dir = path("examples/workflows");
    let mut found: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    found.sort();
    for want in WORKFLOWS {
        assert!(
            found.iter().any(|f| f == want),
            "examples/workflows/{want} is missing (found {found:?})"
        );
    }
    found
        .into_iter()
        .map(|f| {
            let rel = format!("examples/workflows/{f}");
            let doc = yaml(&rel);
            (rel, doc)
        })
        .collect()
}

/// Every step of every job of `workflow`, as `(job id, step)`.
fn steps(workflow: &Value) -> Vec<(String, &Value)> {
    let jobs = workflow["jobs"].as_object().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for (id, _) in jobs {
        if let Some(list) = workflow["jobs"][&id]["steps"].as_array() {
            out.extend(list.iter().map(|s| (id.clone(), s)));
        }
    }
    out
}

/// The names under `key` (`inputs`, `outputs`) of `action.yml`.
fn action_names(key: &str) -> BTreeSet<String> {
    yaml("action.yml")[key]
        .as_object()
        .unwrap_or_else(|| panic!("action.yml has no `{key}` mapping"))
        .keys()
        .cloned()
        .collect()
}

/// The commands of the buildspec's `phase`; fails the test unless each is a string (a command
/// holding `: ` unquoted becomes a mapping, which CodeBuild refuses).
fn phase_commands(spec: &Value, phase: &str) -> Vec<String> {
    let list = spec["phases"][phase]["commands"]
        .as_array()
        .unwrap_or_else(|| panic!("the buildspec has no phases.{phase}.commands list"));
    list.iter()
        .map(|c| {
            c.as_str()
                .unwrap_or_else(|| panic!("phases.{phase}.commands holds a non-string: {c}"))
                .to_string()
        })
        .collect()
}

#[test]
fn buildspec_and_workflows_parse_as_yaml() {
    let spec = yaml("examples/codebuild/buildspec.yml");
    assert_eq!(
        spec["version"], 0.2,
        "buildspec version: {}",
        spec["version"]
    );
    for phase in ["install", "pre_build", "build"] {
        assert!(!phase_commands(&spec, phase).is_empty(), "{phase} is empty");
    }
    for (name, value) in spec["env"]["variables"].as_object().unwrap() {
        assert!(
            value.is_string(),
            "env.variables.{name} is {value}: CodeBuild wants strings (quote it)"
        );
    }

    for (rel, wf) in workflows() {
        assert!(wf["on"].is_object(), "{rel}: no `on:` mapping: {wf}");
        let jobs = wf["jobs"].as_object();
        assert!(jobs.is_some_and(|j| !j.is_empty()), "{rel}: no jobs");
        for (job, step) in steps(&wf) {
            assert!(
                step.get("uses").is_some() != step.get("run").is_some(),
                "{rel}: a step of {job} needs exactly one of `uses` and `run`: {step}"
            );
        }
    }
}

#[test]
fn workflows_set_minimal_permissions() {
    for (rel, wf) in workflows() {
        let perms = wf["permissions"].as_object().unwrap_or_else(|| {
            panic!(
                "{rel}: no top-level `permissions:` mapping (the default token may write \
                 everything): {}",
                wf["permissions"]
            )
        });
        for (scope, access) in perms {
            let write_ok = scope == "packages"; // pushing to ghcr.io
            assert!(
                access == "read" || access == "none" || (access == "write" && write_ok),
                "{rel}: permissions.{scope}: {access} is more than the example needs"
            );
        }
        assert_eq!(perms.get("contents"), Some(&Value::from("read")), "{rel}");
    }
}

#[test]
fn workflows_give_the_action_only_its_inputs_and_read_only_its_outputs() {
    let inputs = action_names("inputs");
    let outputs = action_names("outputs");
    for (rel, wf) in workflows() {
        let text = read(&rel);
        let mut used = 0;
        for (job, step) in steps(&wf) {
            let Some(uses) = step["uses"].as_str() else {
                continue;
            };
            if !uses.starts_with("rbuild/") {
                continue;
            }
            assert_eq!(uses, ACTION, "{rel} ({job}): the action is {ACTION}");
            used += 1;
            let with = step["with"].as_object().cloned().unwrap_or_default();
            for key in with.keys() {
                assert!(
                    inputs.contains(key),
                    "{rel} ({job}): `with: {key}` is not an input of action.yml ({inputs:?})"
                );
            }
            let Some(id) = step["id"].as_str() else {
                continue;
            };
            let needle = format!("steps.{id}.outputs.");
            for (at, _) in text.match_indices(&needle) {
                let name: String = text[at + needle.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                assert!(
                    outputs.contains(&name),
                    "{rel}: `{needle}{name}` is not an output of action.yml ({outputs:?})"
                );
            }
        }
        assert!(used > 0, "{rel} does not use {ACTION}");
    }
}

#[test]
fn the_doc_holds_the_buildspec_verbatim() {
    let spec = read("examples/codebuild/buildspec.yml");
    let doc = read("docs/codebuild.md");
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block))
        .collect();
    if blocks.contains(&spec.as_str()) {
        return;
    }
    // The block that agrees longest with the file, and where it stops agreeing.
    let agree = |b: &str| {
        b.lines()
            .zip(spec.lines())
            .take_while(|(x, y)| x == y)
            .count()
    };
    let best = blocks.iter().max_by_key(|b| agree(b)).copied();
    let Some(best) = best else {
        panic!("docs/codebuild.md has no ```yaml block: include examples/codebuild/buildspec.yml")
    };
    let n = agree(best);
    panic!(
        "docs/codebuild.md's buildspec differs from examples/codebuild/buildspec.yml at line {}:\n\
         doc:  {:?}\nfile: {:?}",
        n + 1,
        best.lines().nth(n),
        spec.lines().nth(n)
    );
}

/// Ran twice by the buildspec test: a base step, then a cache-filling step whose output says
/// whether its cache mount was warm. `src.txt` changes invalidate the second.
const DOCKERFILE: &str = "\
FROM {REG}/library/busybox:latest
RUN seq 1 1000 > /numbers
COPY src.txt /src.txt
RUN --mount=type=cache,id=downloads,target=/cache,sharing=locked \\
    if [ -f /cache/big ]; then echo REUSED; else seq 1 100000 > /cache/big; echo FETCHED; fi; \\
    cp /src.txt /cache/last
";

/// The ECR registry the buildspec must derive from [`BUILD_ARN`].
const ECR_HOST: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

/// [`ECR_HOST`]'s account.
const ACCOUNT: &str = "123456789012";

/// [`ECR_HOST`]'s region.
const REGION: &str = "eu-west-1";

/// A CodeBuild build ARN (account 123456789012, eu-west-1).
const BUILD_ARN: &str =
    "arn:aws:codebuild:eu-west-1:123456789012:build/app:4a1f9c2e-0d7b-4a64-9d1e-6c1f2b3a4d5e";

/// The credentials the auth registry accepts: moto's fixed `GetAuthorizationToken` answer.
const ECR_CREDS: &str = "AWS:123456789012-auth-token";

/// `host:port` of the ECR stand-in's registry (`scripts/peers.sh`: basic auth, [`ECR_CREDS`]).
fn auth_registry() -> String {
    std::env::var("RBUILD_TEST_AUTH_REGISTRY").unwrap_or_else(|_| {
        panic!(
            "RBUILD_TEST_AUTH_REGISTRY is not set: run the tests with scripts/test.sh \
             (scripts/peers.sh starts the basic-auth registry and exports the variable)"
        )
    })
}

/// moto's endpoint URL (`scripts/peers.sh`).
fn moto() -> String {
    std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| {
        panic!("RBUILD_TEST_MOTO is not set: run the tests with scripts/test.sh")
    })
}

/// An AWS configuration for moto, [`ACCOUNT`]'s static test keys.
fn moto_aws() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
}

/// Runs `f` on a fresh single-threaded tokio runtime.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Creates the ECR repository `name` in moto (as the recipe asks for the image repository).
fn create_ecr_repository(name: &str) {
    let host = EcrHost::parse(ECR_HOST).unwrap();
    block_on(ensure_repository_with(&host, name, moto_aws()))
        .unwrap_or_else(|e| panic!("creating {name} in moto's ECR: {e}"));
}

/// Whether moto's ECR holds the repository `name` (`DescribeRepositories`).
fn ecr_has_repository(name: &str) -> bool {
    block_on(async {
        let client = aws_sdk_ecr::Client::new(&moto_aws().load().await);
        match client
            .describe_repositories()
            .registry_id(ACCOUNT)
            .repository_names(name)
            .send()
            .await
        {
            Ok(out) => out
                .repositories()
                .iter()
                .any(|r| r.repository_name() == Some(name)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_repository_not_found_exception()) =>
            {
                false
            }
            Err(e) => panic!(
                "DescribeRepositories {name} in moto: {}",
                aws_sdk_ecr::error::DisplayErrorContext(&e)
            ),
        }
    })
}

/// What one run of the buildspec's phases did.
struct Run {
    /// bash's stderr (rbuild's plain progress).
    stderr: String,
    /// `REGISTRY` and `IMAGE_TAG` as `pre_build` computed them.
    computed: (String, String),
    /// The `--metadata-file` document.
    metadata: Value,
}

impl Run {
    /// Whether the RUN step printed `word` on a line of its own.
    fn said(&self, word: &str) -> bool {
        self.stderr
            .lines()
            .any(|l| l.starts_with('#') && l.ends_with(&format!(" {word}")))
    }

    /// Whether the step whose progress title contains `step` was `CACHED`.
    fn cached(&self, step: &str) -> bool {
        let id = self.stderr.lines().find_map(|l| {
            let (id, title) = l.strip_prefix('#')?.split_once(' ')?;
            (title.starts_with('[') && title.contains(step)).then_some(id)
        });
        let id = id.unwrap_or_else(|| panic!("no step `{step}` in:\n{}", self.stderr));
        self.stderr.lines().any(|l| l == format!("#{id} CACHED"))
    }
}

/// The buildspec's `pre_build` and `build` commands, as written, in one `bash -e` (CodeBuild
/// runs a build's commands in one shell), in `ctx` with state `home` and no docker config: its
/// `env.variables`, then `vars` (CodeBuild's and the test's: `RBUILD_HOME`, the AWS and proxy
/// environment). Between the phases the script only records `REGISTRY` and `IMAGE_TAG`. Fails
/// the test unless it succeeds.
fn run_buildspec(ctx: &Path, home: &Path, vars: &[(&str, &str)]) -> Run {
    let spec = yaml("examples/codebuild/buildspec.yml");
    let pre = phase_commands(&spec, "pre_build");
    let build = phase_commands(&spec, "build");
    let computed = home.join("computed");
    let script = format!(
        "set -e\n{}\nprintf '%s\\n%s\\n' \"$REGISTRY\" \"$IMAGE_TAG\" > {}\n{}\n",
        pre.join("\n"),
        computed.display(),
        build.join("\n")
    );
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_rbuild")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(&script)
        .current_dir(ctx)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("DOCKER_CONFIG", "/nonexistent/rbuild-test");
    for (k, v) in spec["env"]["variables"].as_object().unwrap() {
        cmd.env(k, v.as_str().unwrap());
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "the buildspec's commands failed:\n{script}\n{stderr}"
    );
    let text = fs::read_to_string(&computed).unwrap();
    let mut lines = text.lines().map(str::to_string);
    let computed = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    let meta = ctx.join("rbuild-metadata.json");
    let metadata = serde_json::from_slice(
        &fs::read(&meta).unwrap_or_else(|e| panic!("{}: {e}\n{stderr}", meta.display())),
    )
    .unwrap();
    Run {
        stderr,
        computed,
        metadata,
    }
}

/// The tags of `repo` in the auth registry, read with the ECR token.
fn tags(repo: &str) -> Vec<String> {
    let out = skopeo(&[
        "list-tags",
        "--tls-verify=false",
        "--creds",
        ECR_CREDS,
        &format!("docker://{}/{repo}", auth_registry()),
    ]);
    let doc: Value = serde_json::from_slice(&out).unwrap();
    doc["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

/// The manifest digest of `repo:tag` in the auth registry, read with the ECR token.
fn digest(repo: &str, tag: &str) -> String {
    let out = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--creds",
        ECR_CREDS,
        "--format",
        "{{.Digest}}",
        &format!("docker://{}/{repo}:{tag}", auth_registry()),
    ]);
    String::from_utf8(out).unwrap().trim().to_string()
}

/// The status line of `GET path` to the auth registry without credentials.
fn status_without_credentials(path: &str) -> String {
    let addr = auth_registry();
    let mut conn = TcpStream::connect(&addr).unwrap();
    write!(conn, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut line = String::new();
    BufReader::new(conn).read_line(&mut line).unwrap();
    line.trim_end().to_string()
}

/// The `restored` flag of the mount-cache report of `id`.
fn mount_restored(run: &Run, id: &str) -> bool {
    let all = &run.metadata["rbuild.mount-caches"];
    let report = all
        .as_object()
        .and_then(|m| m.values().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("no mount-cache report of `{id}` in {all}\n{}", run.stderr));
    report["restored"] == true
}

#[test]
fn the_buildspec_builds_pushes_and_caches_per_branch() {
    // The buildspec's repository names, per test process: the registry and moto outlive a run.
    let pid = std::process::id();
    let image_repo = format!("app-{pid}");
    let cache_repo = format!("app-cache-{pid}");
    // The recipe creates the image repository beforehand; rbuild must create the cache's.
    create_ecr_repository(&image_repo);
    assert!(!ecr_has_repository(&cache_repo));
    // The HTTP proxy that leads every plain-HTTP request (the ECR host's) to the auth registry.
    let proxy = Relay::start(auth_registry());
    let proxy_url = format!("http://{}", proxy.addr);
    let moto = moto();
    let ctx = context(DOCKERFILE, &[("src.txt", "one\n")]);
    let main_sha = "0123456789abcdef0123456789abcdef01234567";
    let pr_sha = "89abcdef0123456789abcdef0123456789abcdef";
    let common = [
        ("IMAGE_REPO", image_repo.as_str()),
        ("CACHE_REPO", cache_repo.as_str()),
        ("CODEBUILD_BUILD_ARN", BUILD_ARN),
        ("CODEBUILD_BUILD_NUMBER", "1"),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        // The service role's credentials, against moto's ECR API.
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_ENDPOINT_URL_ECR", moto.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        // The ECR host over plain HTTP, through the proxy; moto and the base image's registry
        // (loopback) directly.
        ("RBUILD_INSECURE_REGISTRIES", ECR_HOST),
        ("HTTP_PROXY", proxy_url.as_str()),
        ("http_proxy", proxy_url.as_str()),
        ("NO_PROXY", "127.0.0.1,localhost"),
        ("no_proxy", "127.0.0.1,localhost"),
    ];

    // The buildspec for commit `sha` and the webhook's variables, on a fresh container (an
    // empty RBUILD_HOME, gone afterwards).
    let on_fresh_container = |sha: &str, webhook: &[(&str, &str)]| {
        let home = tempfile::tempdir().unwrap();
        let mut vars = common.to_vec();
        vars.extend([
            ("RBUILD_HOME", home.path().to_str().unwrap()),
            ("CODEBUILD_SRC_DIR", ctx.path().to_str().unwrap()),
            ("CODEBUILD_RESOLVED_SOURCE_VERSION", sha),
        ]);
        vars.extend_from_slice(webhook);
        run_buildspec(ctx.path(), home.path(), &vars)
    };

    // A push to main: every step runs, the cache goes to the tag `main`.
    let main = on_fresh_container(
        main_sha,
        &[
            ("CODEBUILD_WEBHOOK_TRIGGER", "branch/main"),
            ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/main"),
        ],
    );
    assert_eq!(
        main.computed,
        (ECR_HOST.to_string(), main_sha.to_string()),
        "pre_build's REGISTRY and IMAGE_TAG"
    );
    assert!(
        proxy.connections() > 0,
        "rbuild did not reach {ECR_HOST} through HTTP_PROXY"
    );
    assert!(
        main.stderr.contains("exported cache to"),
        "no cache export:\n{}",
        main.stderr
    );
    assert!(main.said("FETCHED"), "{}", main.stderr);
    assert!(!mount_restored(&main, "downloads"));
    let main_digest = main.metadata["containerimage.digest"]
        .as_str()
        .unwrap_or_else(|| panic!("no image digest: {}", main.metadata));
    assert!(main_digest.starts_with("sha256:"), "{}", main.metadata);
    assert_eq!(tags(&image_repo), [main_sha], "the image, tagged by commit");
    assert_eq!(
        digest(&image_repo, main_sha),
        main_digest,
        "the pushed image is the one built"
    );
    let cache_tags = tags(&cache_repo);
    assert!(
        cache_tags.iter().any(|t| t == "main")
            && cache_tags.iter().any(|t| t.starts_with("main-mount-")),
        "the cache and the mount cache in main's tags: {cache_tags:?}"
    );
    assert!(
        ecr_has_repository(&cache_repo),
        "rbuild did not create the cache repository {cache_repo} in ECR:\n{}",
        main.stderr
    );
    // The registry does want the token: it was rbuild's ECR login that got in.
    for path in ["/v2/".to_string(), format!("/v2/{cache_repo}/tags/list")] {
        let status = status_without_credentials(&path);
        assert!(
            status.split_whitespace().nth(1) == Some("401"),
            "GET {path} without credentials: {status}"
        );
    }

    // Pull request 7 from feature/Login into main, on a fresh container (an empty RBUILD_HOME)
    // with a changed source: the base step comes from main's cache, the mount cache from
    // main's too; it writes pr-7.
    fs::write(ctx.path().join("src.txt"), "two\n").unwrap();
    let pr = on_fresh_container(
        pr_sha,
        &[
            ("CODEBUILD_WEBHOOK_TRIGGER", "pr/7"),
            ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feature/Login"),
            ("CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/main"),
        ],
    );
    assert!(
        pr.cached("RUN seq 1 1000"),
        "the pull request missed main's cache:\n{}",
        pr.stderr
    );
    assert!(
        pr.said("REUSED") && !pr.said("FETCHED"),
        "the pull request did not get main's mount cache:\n{}",
        pr.stderr
    );
    assert!(mount_restored(&pr, "downloads"), "{}", pr.metadata);
    assert!(
        pr.stderr.contains("exported cache to"),
        "no cache export:\n{}",
        pr.stderr
    );
    let cache_tags = tags(&cache_repo);
    assert!(
        cache_tags.iter().any(|t| t == "pr-7")
            && cache_tags.iter().any(|t| t.starts_with("pr-7-mount-")),
        "the pull request writes pr-7: {cache_tags:?}"
    );
    assert!(
        !cache_tags.iter().any(|t| t.starts_with("feature")),
        "a pull request must not write its head branch's scope: {cache_tags:?}"
    );
    let mut images = tags(&image_repo);
    images.sort();
    assert_eq!(images, [main_sha, pr_sha]);
    let pr_digest = pr.metadata["containerimage.digest"].as_str().unwrap_or("");
    assert_eq!(digest(&image_repo, pr_sha), pr_digest);
}
