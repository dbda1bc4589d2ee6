//! The build session as a library: `rbuild::session::build` with a request in plain values and
//! a progress of the test's own, no CLI: what a second front end (the Action's entry, a
//! Kaniko-flag entry, a library user) gets.

use std::path::Path;
use std::sync::Mutex;

use rbuild::builder::Progress;
use rbuild::builder::progress::StepEnd;
use rbuild::output::OutputSpec;
use rbuild::session::{self, BuildRequest, Output, PlanInput, SessionError};

use super::support::context;

/// Every line the session reported, in order.
#[derive(Default)]
struct Lines(Mutex<Vec<String>>);

impl Lines {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl Progress for Lines {
    fn start(&self, _id: usize, name: &str) {
        self.push(format!("start {name}"));
    }

    fn end(&self, _id: usize, _end: &StepEnd) {
        self.push("end".into());
    }

    fn info(&self, line: &str) {
        self.push(line.to_string());
    }

    fn output(&self, _id: usize, line: &str) {
        self.push(format!("output {line}"));
    }
}

/// A request to build `ctx` with the state dir `home`, into an OCI layout directory `out`.
fn request(ctx: &Path, home: &Path, out: &Path) -> BuildRequest {
    let mut req = BuildRequest::new(PlanInput {
        context: ctx.to_path_buf(),
        ..PlanInput::default()
    });
    req.state_dir = Some(home.to_path_buf());
    req.source_date_epoch = Some(0);
    req.outputs = vec![Output::Local(
        OutputSpec::parse(&format!("type=oci,dest={},tar=false", out.display())).unwrap(),
    )];
    req
}

#[test]
fn a_session_builds_an_oci_layout_and_a_second_one_is_cached() {
    let ctx = context(
        "FROM {REG}/library/busybox\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\n",
        &[("a.txt", "hello\n"), ("b.txt", "world\n")],
    );
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let layout = out.path().join("image");
    let req = request(ctx.path(), home.path(), &layout);
    let lines = Lines::default();

    let first = session::build(&req, &lines).unwrap();
    assert_eq!(first.steps.len(), 2);
    assert!(first.steps.iter().all(|s| !s.cached), "{:?}", first.steps);
    assert!(layout.join("index.json").is_file());
    assert!(first.export_failure.is_none());
    assert!(
        lines
            .all()
            .iter()
            .any(|l| l.starts_with("exporting to oci")),
        "{:?}",
        lines.all()
    );

    let second = session::build(&req, &Lines::default()).unwrap();
    assert!(second.steps.iter().all(|s| s.cached), "{:?}", second.steps);
    assert_eq!(second.built.top().digest, first.built.top().digest);
}

#[test]
fn a_failing_step_is_an_error_at_its_dockerfile_line() {
    let ctx = context(
        "FROM {REG}/library/busybox\nCOPY a.txt /a.txt\nCOPY missing.txt /m.txt\n",
        &[("a.txt", "hello\n")],
    );
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let req = request(ctx.path(), home.path(), &out.path().join("image"));
    match session::build(&req, &Lines::default()) {
        Err(SessionError::Dockerfile {
            file,
            line,
            message,
        }) => {
            assert_eq!(file, ctx.path().join("Dockerfile"));
            assert_eq!(line, Some(3));
            assert!(message.contains("missing.txt"), "{message}");
        }
        other => panic!("expected an error at line 3, got {other:?}"),
    }
}

#[test]
fn bad_input_is_refused_before_anything_is_built() {
    let ctx = context(
        "FROM {REG}/library/busybox\nCOPY a.txt /a.txt\n",
        &[("a.txt", "x")],
    );
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();

    let mut req = request(ctx.path(), home.path(), &out.path().join("image"));
    req.input.platforms = vec!["linux/not/a/platform/at/all".into()];
    match session::build(&req, &Lines::default()) {
        Err(SessionError::Flag { flag, .. }) => assert_eq!(flag, "--platform"),
        other => panic!("expected a --platform error, got {other:?}"),
    }

    let mut req = request(ctx.path(), home.path(), &out.path().join("image"));
    req.input.context = ctx.path().join("not-there");
    match session::build(&req, &Lines::default()) {
        Err(SessionError::Path { path, reason }) => {
            assert_eq!(path, ctx.path().join("not-there"));
            assert!(reason.contains("not a directory"), "{reason}");
        }
        other => panic!("expected a context error, got {other:?}"),
    }
    assert!(!out.path().join("image").exists());
}
