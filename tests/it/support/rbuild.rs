//! [`Rbuild`]: the `rbuild` binary as every test runs it, with the environment of a clean
//! machine: its own state dir, no docker credentials, and none of the variables the caller's
//! shell or CI job may carry that change what rbuild does (`SOURCE_DATE_EPOCH`, `CI`, the
//! GitHub Actions and CodeBuild variables, the step summary file). A test that wants one sets it.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

/// Variables that change what rbuild does, removed from every test's command.
const SCRUBBED: &[&str] = &[
    "SOURCE_DATE_EPOCH",
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_REF",
    "GITHUB_HEAD_REF",
    "GITHUB_BASE_REF",
    "GITHUB_REPOSITORY",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_TOKEN",
    "GITHUB_WORKSPACE",
    "ACTIONS_RESULTS_URL",
    "ACTIONS_RUNTIME_TOKEN",
    "CODEBUILD_BUILD_ID",
    "CODEBUILD_WEBHOOK_HEAD_REF",
    "CODEBUILD_SOURCE_VERSION",
];

/// An `rbuild` command with the state dir `home` and a scrubbed environment.
pub(crate) struct Rbuild {
    cmd: Command,
}

impl Rbuild {
    /// `rbuild` with the state dir `home`.
    pub(crate) fn new(home: &Path) -> Self {
        Self::scrubbed().env("RBUILD_HOME", home)
    }

    /// `rbuild` with the caller's state dir (`RBUILD_HOME` as the test runs, else rbuild's
    /// default).
    pub(crate) fn scrubbed() -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rbuild"));
        cmd.env("DOCKER_CONFIG", "/nonexistent/rbuild-test");
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        Self { cmd }
    }

    /// `rbuild build ARGS CTX` with the state dir `home`.
    pub(crate) fn build(home: &Path, ctx: &Path, args: &[&str]) -> Self {
        let mut r = Self::new(home);
        r.cmd.arg("build").args(args).arg(ctx);
        r
    }

    /// One more argument.
    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    /// More arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// A variable set for this command.
    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// A variable removed for this command.
    pub(crate) fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.cmd.env_remove(key);
        self
    }

    /// The working directory.
    pub(crate) fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Runs it to the end.
    pub(crate) fn output(mut self) -> Output {
        self.cmd.output().unwrap()
    }

    /// Runs it to the end and fails the test with rbuild's message unless it succeeded.
    pub(crate) fn ok(self) -> Output {
        let shown = format!("{:?}", self.cmd);
        let out = self.output();
        assert!(
            out.status.success(),
            "{shown}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The command itself, for what the builder does not cover (spawning, stdin).
    pub(crate) fn command(self) -> Command {
        self.cmd
    }
}
