//! The stage scheduler end to end (needs root, runc and the test registry): independent stages
//! overlap and `--jobs 1` serializes them, a failure cancels a running sibling and leaves nothing
//! behind, so does SIGTERM, the progress modes, and per-stage caching of RUN steps.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::support::{context, rbuild_build};

fn rbuild(ctx: &Path, home: &Path, args: &[&str]) -> Command {
    rbuild_build(ctx, home, args)
}

fn build(ctx: &Path, home: &Path, args: &[&str]) -> Output {
    rbuild(ctx, home, args).output().unwrap()
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "rbuild build failed:\n{stderr}");
    stderr
}

/// The JSON progress events of a build's standard error.
fn events(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// One step as the JSON events show it.
#[derive(Debug)]
struct Step {
    name: String,
    /// Positions of its start and end events in the stream.
    start_pos: usize,
    end_pos: usize,
    start_time: f64,
    end_time: f64,
    result: String,
}

fn steps(events: &[Value]) -> Vec<Step> {
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e["event"] != "start" {
            continue;
        }
        let (j, end) = events
            .iter()
            .enumerate()
            .find(|(_, x)| x["event"] == "end" && x["id"] == e["id"])
            .unwrap_or_else(|| panic!("no end for {e}"));
        out.push(Step {
            name: e["name"].as_str().unwrap().to_string(),
            start_pos: i,
            end_pos: j,
            start_time: e["time"].as_f64().unwrap(),
            end_time: end["time"].as_f64().unwrap(),
            result: end["result"].as_str().unwrap().to_string(),
        });
    }
    out
}

fn step<'a>(steps: &'a [Step], needle: &str) -> &'a Step {
    steps
        .iter()
        .find(|s| s.name.contains(needle))
        .unwrap_or_else(|| panic!("no step {needle:?} in {steps:?}"))
}

const TWO_SLEEPS: &str = "FROM {REG}/library/busybox AS a
RUN sleep 3 && echo a > /a
FROM {REG}/library/busybox AS b
RUN sleep 3 && echo b > /b
FROM {REG}/library/busybox
COPY --from=a /a /a
COPY --from=b /b /b
";

#[test]
fn independent_stages_overlap_and_jobs_1_runs_one_at_a_time() {
    let ctx = context(TWO_SLEEPS, &[]);
    let home = tempfile::tempdir().unwrap();
    let stderr = ok(&build(
        ctx.path(),
        home.path(),
        &["--progress=json", "--jobs", "2"],
    ));
    let all = steps(&events(&stderr));
    let (a, b) = (step(&all, "[a 2/2] RUN"), step(&all, "[b 2/2] RUN"));
    assert_eq!((a.result.as_str(), b.result.as_str()), ("done", "done"));
    // Both started before either ended: they overlapped.
    assert!(
        a.start_pos < b.end_pos && b.start_pos < a.end_pos,
        "{a:?} {b:?}"
    );
    // And so the RUN phase took less than the two RUNs one after the other.
    let span = a.end_time.max(b.end_time) - a.start_time.min(b.start_time);
    let sum = (a.end_time - a.start_time) + (b.end_time - b.start_time);
    assert!(span < sum, "span {span} sum {sum}");
    // The final stage (it copies from both) starts after both stages ended.
    let last = step(&all, "[stage-2 1/3] FROM");
    assert!(last.start_pos > a.end_pos && last.start_pos > b.end_pos);

    let home = tempfile::tempdir().unwrap();
    let stderr = ok(&build(
        ctx.path(),
        home.path(),
        &["--progress=json", "--jobs", "1"],
    ));
    let all = steps(&events(&stderr));
    let (a, b) = (step(&all, "[a 2/2] RUN"), step(&all, "[b 2/2] RUN"));
    assert!(
        a.end_pos < b.start_pos || b.end_pos < a.start_pos,
        "--jobs 1 overlapped: {a:?} {b:?}"
    );
}

/// Asserts that a build under `home` left no container, mount, scratch dir or process behind.
fn assert_nothing_left(home: &Path, marker: &str) {
    let home_str = home.to_string_lossy().into_owned();
    let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap();
    let under: Vec<&str> = mounts.lines().filter(|l| l.contains(&home_str)).collect();
    assert!(
        under.is_empty(),
        "mounts left under the state dir: {under:?}"
    );
    let tmp = home.join("tmp");
    if tmp.exists() {
        let left: Vec<_> = fs::read_dir(&tmp)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            // The lock the finished build held while it lived (store::layout).
            .filter(|p| p.extension().is_none_or(|x| x != "lock"))
            .collect();
        assert!(left.is_empty(), "scratch dirs left: {left:?}");
    }
    // No runc state anywhere under the state dir lists a container.
    let find = Command::new("find")
        .arg(home)
        .args(["-type", "d", "-name", "runc"])
        .output()
        .unwrap();
    for dir in String::from_utf8_lossy(&find.stdout).lines() {
        let list = Command::new("runc")
            .args(["--root", dir, "list", "-q"])
            .output()
            .unwrap();
        let ids = String::from_utf8_lossy(&list.stdout);
        assert!(ids.trim().is_empty(), "containers left in {dir}: {ids}");
    }
    // The sibling's process is gone.
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            assert!(
                !cmdline.contains(marker),
                "process left: {cmdline} ({:?})",
                entry.path()
            );
        }
    }
}

#[test]
fn a_failing_stage_cancels_its_running_sibling_and_leaves_nothing_behind() {
    let ctx = context(
        "FROM {REG}/library/busybox AS slow
RUN sleep 517
FROM {REG}/library/busybox AS bad
RUN sleep 3 && echo failing now && exit 3
FROM {REG}/library/busybox
COPY --from=slow /bin/sh /slow
COPY --from=bad /bin/sh /bad
",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = build(
        ctx.path(),
        home.path(),
        &["--progress=plain", "--jobs", "2"],
    );
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        elapsed < Duration::from_secs(30),
        "took {elapsed:?}:\n{stderr}"
    );
    // The error is the failing step's, with its line and code, not the cancelled sibling's.
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("Dockerfile:4: ") && l.contains("exited with code 3")),
        "{stderr}"
    );
    assert!(!stderr.contains("Dockerfile:2:"), "{stderr}");
    assert!(stderr.contains(" CANCELED"), "{stderr}");
    assert_nothing_left(home.path(), "sleep 517");
}

#[test]
fn sigterm_cancels_a_running_build_cleanly() {
    let ctx = context(
        "FROM {REG}/library/busybox
RUN echo started && sleep 518
",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let mut child = rbuild(ctx.path(), home.path(), &["--progress=json"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "no output:\n{seen}"
        );
        seen.push_str(&line);
        if line.contains("\"line\":\"started\"") {
            break;
        }
    }
    let started = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(!status.success(), "{seen}{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(rest.contains("\"result\":\"canceled\""), "{rest}");
    assert_nothing_left(home.path(), "sleep 518");
}

const SMALL: &str = "FROM {REG}/library/busybox
RUN echo hi > /hi
";

/// Runs `rbuild build` under a pseudo-terminal (`script`), with `env` set; its output.
fn under_pty(ctx: &Path, home: &Path, args: &str, env: &[(&str, &str)]) -> String {
    let cmd = format!(
        "{} build {args} {}",
        env!("CARGO_BIN_EXE_rbuild"),
        ctx.display()
    );
    let mut script = Command::new("script");
    script
        .args(["-qec", &cmd, "/dev/null"])
        .env("RBUILD_HOME", home)
        .env("DOCKER_CONFIG", "/nonexistent/rbuild-test")
        .env("TERM", "xterm")
        .env_remove("CI")
        .stdin(Stdio::null());
    for (k, v) in env {
        script.env(k, v);
    }
    let out = script.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{cmd}:\n{text}");
    text
}

#[test]
fn progress_auto_is_plain_on_ci_and_tty_shows_finished_steps() {
    let ctx = context(SMALL, &[]);
    let home = tempfile::tempdir().unwrap();
    // CI=true: plain lines even on a terminal (an end on its own line).
    let text = under_pty(
        ctx.path(),
        home.path(),
        "--progress=auto",
        &[("CI", "true")],
    );
    assert!(
        text.lines()
            .any(|l| l.trim_end().ends_with("[2/2] RUN echo hi > /hi")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with('#') && l.contains(" DONE ") && !l.contains("RUN")),
        "{text}"
    );
    // Not a terminal: auto is plain too.
    let out = build(ctx.path(), home.path(), &["--progress=auto"]);
    let stderr = ok(&out);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with('#') && l.ends_with(" CACHED")),
        "{stderr}"
    );

    // tty: one line per finished step, its name and its result.
    let home = tempfile::tempdir().unwrap();
    let text = under_pty(ctx.path(), home.path(), "--progress=tty", &[]);
    assert!(
        text.contains("[2/2] RUN echo hi > /hi DONE "),
        "no finished RUN line:\n{text}"
    );
    let text = under_pty(ctx.path(), home.path(), "--progress=auto", &[]);
    assert!(
        text.contains("[2/2] RUN echo hi > /hi CACHED"),
        "no cached RUN line:\n{text}"
    );
}

const TWO_RUN_STAGES: &str = "FROM {REG}/library/busybox AS a
COPY a.txt /a.txt
RUN cat /a.txt > /a.out
FROM {REG}/library/busybox AS b
COPY b.txt /b.txt
RUN cat /b.txt > /b.out
FROM {REG}/library/busybox AS unused
RUN exit 9
FROM {REG}/library/busybox
COPY --from=a /a.out /
COPY --from=b /b.out /
";

/// The results of the RUN steps of a JSON build, by name.
fn run_results(stderr: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = steps(&events(stderr))
        .into_iter()
        .filter(|s| s.name.contains("] RUN "))
        .map(|s| (s.name, s.result))
        .collect();
    // Independent stages finish in any order.
    out.sort();
    out
}

#[test]
fn an_unchanged_rebuild_runs_no_run_and_a_change_reruns_only_its_stage() {
    let ctx = context(TWO_RUN_STAGES, &[("a.txt", "a1\n"), ("b.txt", "b1\n")]);
    let home = tempfile::tempdir().unwrap();
    let first = run_results(&ok(&build(ctx.path(), home.path(), &["--progress=json"])));
    assert_eq!(
        first,
        vec![
            ("[a 3/3] RUN cat /a.txt > /a.out".into(), "done".into()),
            ("[b 3/3] RUN cat /b.txt > /b.out".into(), "done".into()),
        ],
        "the unused stage must not run"
    );
    let iid = |name: &str| {
        let file = home.path().join(name);
        let f = file.to_str().unwrap();
        let r = run_results(&ok(&build(
            ctx.path(),
            home.path(),
            &["--progress=json", "--iidfile", f],
        )));
        (r, fs::read_to_string(&file).unwrap())
    };
    let (again, first_id) = iid("iid-1");
    assert!(again.iter().all(|(_, r)| r == "cached"), "{again:?}");
    assert_eq!(again.len(), 2);
    // Without SOURCE_DATE_EPOCH too, an unchanged rebuild makes the same image: cached steps
    // keep their records' times (as BuildKit's do).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (_, second_id) = iid("iid-2");
    assert_eq!(
        first_id, second_id,
        "an unchanged rebuild changed the image"
    );

    fs::write(ctx.path().join("a.txt"), "a2\n").unwrap();
    let changed = run_results(&ok(&build(ctx.path(), home.path(), &["--progress=json"])));
    assert_eq!(
        changed,
        vec![
            ("[a 3/3] RUN cat /a.txt > /a.out".into(), "done".into()),
            ("[b 3/3] RUN cat /b.txt > /b.out".into(), "cached".into()),
        ]
    );
}
