//! The `rbuild` binary: exit codes, `FILE:LINE:` errors, and the JSON contracts.

use std::fs;
use std::process::Output;

fn rbuild(args: &[&str], dir: &std::path::Path) -> Output {
    super::support::Rbuild::new(&dir.join(".rbuild-home"))
        .args(args)
        .current_dir(dir)
        .output()
}

#[test]
fn parse_prints_the_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "# syntax=docker/dockerfile:1\nFROM busybox AS b\nENV A=1 B=\"two words\"\nCOPY --from=b --chown=1:1 a \\\n  b /c/\nRUN [\"echo\", \"hi\"]\n",
    )
    .unwrap();
    let out = rbuild(&["parse", "--format", "json"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["escape"], "\\");
    assert_eq!(v["directives"]["syntax"], "docker/dockerfile:1");
    let ins = v["instructions"].as_array().unwrap();
    assert_eq!(ins[0]["cmd"], "from");
    assert_eq!(ins[0]["line"], 2);
    assert_eq!(
        ins[1]["pairs"],
        serde_json::json!([["A", "1"], ["B", "\"two words\""]])
    );
    assert_eq!(
        ins[2]["flags"],
        serde_json::json!(["--from=b", "--chown=1:1"])
    );
    assert_eq!(
        (ins[2]["line"].as_u64(), ins[2]["end_line"].as_u64()),
        (Some(4), Some(5))
    );
    assert_eq!(ins[3]["json"], true);
    assert_eq!(ins[3]["args"], serde_json::json!(["echo", "hi"]));
}

#[test]
fn rejected_dockerfiles_exit_nonzero_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "FROM busybox\nCOPY --bogus=1 a b\n",
            "Dockerfile:2: unknown flag: --bogus",
        ),
        (
            "FROM busybox\n\nFROB x\n",
            "Dockerfile:3: unknown instruction: FROB",
        ),
        (
            "FROM busybox\nRUN <<EOF\necho hi\n",
            "Dockerfile:2: unterminated heredoc",
        ),
        ("", "Dockerfile:1: file with no instructions"),
        (
            "# only a comment\n",
            "Dockerfile:1: file with no instructions",
        ),
        (
            "FROM busybox\nENV A\n",
            "Dockerfile:2: ENV must have two arguments",
        ),
    ];
    for (text, want) in cases {
        fs::write(dir.path().join("Dockerfile"), text).unwrap();
        let out = rbuild(&["parse"], dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text:?} was accepted");
        assert!(
            stderr.contains(want),
            "{text:?}: stderr {stderr:?} lacks {want:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = rbuild(&["parse", "-f", "missing/Dockerfile"], dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing/Dockerfile"));
}

#[test]
fn plan_shows_stages_order_skips_and_inputs() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/a.txt"), "a").unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch AS unused\nCOPY src/ /\nFROM scratch AS build\nARG V=1\nCOPY src/ /src/\nFROM scratch\nCOPY --from=build /src /\n",
    )
    .unwrap();
    let out = rbuild(
        &["plan", "--format", "json", "--build-arg", "V=2", "."],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["order"], serde_json::json!([1, 2]));
    assert_eq!(v["stages"][0]["skipped"], true);
    assert_eq!(v["stages"][2]["depends_on"], serde_json::json!([1]));
    let copy = &v["stages"][1]["steps"][2];
    assert_eq!(copy["instruction"], "COPY");
    assert!(copy["key"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(copy["inputs"]["files"][0][0], "src");

    let text = rbuild(&["plan", "."], dir.path());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("skipped"), "{stdout}");
    assert!(stdout.contains("order:  #1 build  ->  #2"), "{stdout}");

    let missing = rbuild(&["plan", "--target", "nope", "."], dir.path());
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("target stage \"nope\" could not be found"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

#[test]
fn plan_starts_stages_from_the_resolved_base_config() {
    let registry = std::env::var("RBUILD_TEST_REGISTRY")
        .expect("RBUILD_TEST_REGISTRY is not set: run the tests with scripts/test.sh");
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {registry}/library/busybox\nENV PATH=/opt/bin:$PATH\n"),
    )
    .unwrap();
    let out = rbuild(&["plan", "--format", "json", "."], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let config = &v["stages"][0]["config"];
    // The lab image's config (built by scripts/peers.sh) sets Cmd ["sh"] and the default PATH.
    assert_eq!(config["config"]["Cmd"], serde_json::json!(["sh"]));
    assert_eq!(
        config["config"]["Env"],
        serde_json::json!([
            "PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ])
    );
    assert_eq!(config["history"].as_array().map(Vec::len), Some(2));
}

#[test]
fn build_progress_json_and_the_final_table() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), "a\n").unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY a.txt /a.txt\nWORKDIR /w\n",
    )
    .unwrap();
    let events = |out: &Output| -> Vec<serde_json::Value> {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
            .collect()
    };
    let ends = |evs: &[serde_json::Value]| -> Vec<String> {
        evs.iter()
            .filter(|e| e["event"] == "end")
            .map(|e| e["result"].as_str().unwrap().to_string())
            .collect()
    };
    let first = events(&rbuild(&["build", "--progress=json", "."], dir.path()));
    assert_eq!(ends(&first), ["done", "done", "done"], "{first:?}");
    assert!(first.iter().any(
        |e| e["event"] == "start" && e["name"].as_str().unwrap().ends_with("COPY a.txt /a.txt")
    ));
    let second = events(&rbuild(&["build", "--progress=json", "."], dir.path()));
    assert_eq!(ends(&second), ["done", "cached", "cached"], "{second:?}");

    // Plain progress ends with the table: every layer step, CACHED or ran, and the totals.
    let out = rbuild(&["build", "--progress=plain", "."], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let table: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("STEP"))
        .collect();
    assert!(table.len() >= 4, "{stderr}");
    assert!(table[1].contains("COPY a.txt /a.txt") && table[1].contains("CACHED"));
    assert!(table[2].contains("WORKDIR /w") && table[2].contains("CACHED"));
    assert_eq!(
        table[3],
        "2 steps: 2 cached, 0 ran; layers 0B"
            .replace("0B", table[3].rsplit(' ').next().unwrap())
            .as_str()
    );
}

/// Without `-f`, a context whose Dockerfile is named `dockerfile` is found, as BuildKit finds
/// it (issue 23); `Dockerfile` wins when both exist.
#[test]
fn a_lowercase_dockerfile_is_found() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("dockerfile"),
        "FROM scratch\nCOPY a /lower\n",
    )
    .unwrap();
    fs::write(dir.path().join("a"), "a").unwrap();
    let out = rbuild(&["plan", "--offline", "--format", "json", "."], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("/lower"));
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY a /upper\n",
    )
    .unwrap();
    let out = rbuild(&["plan", "--offline", "--format", "json", "."], dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("/upper"));
}

/// `ARG BAR=${FOO:?required}` in a stage with FOO unset fails at its line with the message, as
/// BuildKit's dispatch does (issue 23); a build arg for BAR skips the default.
#[test]
fn an_arg_default_that_does_not_expand_fails_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nARG FOO\nARG BAR=${FOO:?required}\nCOPY a /a\n",
    )
    .unwrap();
    fs::write(dir.path().join("a"), "a").unwrap();
    let out = rbuild(&["plan", "--offline", "."], dir.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Dockerfile:3: "), "{stderr}");
    assert!(stderr.contains("FOO: required"), "{stderr}");
    let given = rbuild(
        &["plan", "--offline", "--build-arg", "BAR=x", "."],
        dir.path(),
    );
    assert!(
        given.status.success(),
        "{}",
        String::from_utf8_lossy(&given.stderr)
    );
}

/// A proxy build arg is not part of any key: another proxy address rebuilds nothing (issue 23).
#[test]
fn a_proxy_build_arg_changes_no_key() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY a /a\nRUN true\n",
    )
    .unwrap();
    fs::write(dir.path().join("a"), "a").unwrap();
    let key = |proxy: &str| {
        let out = rbuild(
            &[
                "plan",
                "--offline",
                "--format",
                "json",
                "--build-arg",
                &format!("HTTP_PROXY={proxy}"),
                ".",
            ],
            dir.path(),
        );
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        plan["stages"][0]["key"].clone()
    };
    assert_eq!(key("http://a:1"), key("http://b:2"));
    assert!(key("http://a:1").is_string());
}

/// `BUILDKIT_SANDBOX_HOSTNAME` is part of RUN's key when given, as the host name is of
/// BuildKit's exec op; without it (or empty, which BuildKit ignores) the keys are unchanged.
#[test]
fn the_sandbox_hostname_is_part_of_runs_key() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY a /a\nRUN true\n",
    )
    .unwrap();
    fs::write(dir.path().join("a"), "a").unwrap();
    let key = |args: &[&str]| {
        let mut all = vec!["plan", "--offline", "--format", "json"];
        all.extend(args);
        all.push(".");
        let out = rbuild(&all, dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        plan["stages"][0]["key"].clone()
    };
    let none = key(&[]);
    assert!(none.is_string());
    let arg = |v: &str| format!("BUILDKIT_SANDBOX_HOSTNAME={v}");
    assert_eq!(key(&["--build-arg", &arg("")]), none);
    assert_ne!(key(&["--build-arg", &arg("foo")]), none);
    assert_ne!(
        key(&["--build-arg", &arg("foo")]),
        key(&["--build-arg", &arg("bar")])
    );
}

/// BuildKit's "did you mean" hints for an unknown instruction, an unknown flag and an unknown
/// target stage, with BuildKit's exact wording (suggest.WrapError; issue 23).
#[test]
fn misspellings_get_buildkits_hints() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a"), "a").unwrap();
    let stderr = |dockerfile: &str, args: &[&str]| {
        fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
        let mut all = vec!["plan", "--offline"];
        all.extend(args);
        all.push(".");
        let out = rbuild(&all, dir.path());
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = stderr("FROM scratch\nRUNN true\n", &[]);
    assert!(
        err.contains("Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)"),
        "{err}"
    );
    // As written: BuildKit keeps the keyword's case, and the hint follows it.
    let err = stderr("FROM scratch\nentrypiont [\"x\"]\n", &[]);
    assert!(
        err.contains("unknown instruction: entrypiont (did you mean entrypoint?)"),
        "{err}"
    );
    let err = stderr("FROM scratch\nCOPY --chwon=1 a /a\n", &[]);
    assert!(
        err.contains("Dockerfile:2: unknown flag: --chwon (did you mean chown?)"),
        "{err}"
    );
    let err = stderr("FROM scratch\nFROBNICATE x\n", &[]);
    assert!(err.contains("unknown instruction: FROBNICATE\n"), "{err}");
    let err = stderr(
        "FROM scratch AS build\nFROM scratch\n",
        &["--target", "bulid"],
    );
    assert!(
        err.contains("target stage \"bulid\" could not be found (did you mean build?)"),
        "{err}"
    );
}
