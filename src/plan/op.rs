//! What the builder does for a step: the instruction after expansion, in the shape the executor
//! needs (the key already covers all of it).

use super::resolve::{ImageSource, Source};

/// The work of one planned step.
#[derive(Debug, Clone, Default)]
pub enum StepOp {
    /// Only the image config changes (ENV, LABEL, CMD, ...), or nothing at all (ARG).
    #[default]
    Config,
    /// The stage's first step: its base.
    From(Source),
    /// WORKDIR: the directory is created when missing.
    Workdir {
        /// Absolute, cleaned path.
        path: String,
        /// The user the image config names at this point (BuildKit creates the directory as
        /// that user).
        user: String,
    },
    /// COPY or ADD.
    Copy(FileOp),
    /// RUN (executed by [`crate::exec`]).
    Run(RunOp),
}

/// A RUN step after expansion: what the process is started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOp {
    /// The full argv: the shell prepended for the shell form.
    pub args: Vec<String>,
    /// The environment (`NAME=value`), every variable in scope, build args included.
    pub env: Vec<String>,
    /// The `USER` at this step (`""` for root).
    pub user: String,
    /// The working directory (absolute).
    pub workdir: String,
    /// `--network` as written (`default`, `none` or `host`).
    pub network: String,
    /// Heredoc files of the command (not run by this rbuild yet).
    pub heredocs: usize,
    /// `--mount` flags as written (not run by this rbuild yet).
    pub mounts: Vec<String>,
}

/// Where a COPY/ADD reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// The build context.
    Context,
    /// Another stage's result.
    Stage(usize),
    /// An image's filesystem.
    Image(ImageSource),
}

/// A COPY or ADD after variable expansion.
#[derive(Debug, Clone)]
pub struct FileOp {
    /// ADD rather than COPY.
    pub add: bool,
    /// Sources as written, expanded.
    pub sources: Vec<String>,
    /// Heredoc files: name and content after expansion.
    pub inline: Vec<(String, String)>,
    /// The destination as written, expanded (relative to `workdir`).
    pub dest: String,
    /// The working directory at this step.
    pub workdir: String,
    /// Where the sources are read from.
    pub from: FileSource,
    /// `--chown`, expanded.
    pub chown: Option<String>,
    /// `--chmod`, expanded.
    pub chmod: Option<String>,
    /// `--exclude` patterns, expanded.
    pub excludes: Vec<String>,
    /// `--parents`.
    pub parents: bool,
    /// `--link`.
    pub link: bool,
    /// ADD `--checksum`, expanded.
    pub checksum: Option<String>,
    /// ADD `--unpack`.
    pub unpack: Option<bool>,
}
