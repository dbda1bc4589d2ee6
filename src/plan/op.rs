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
    /// RUN (executed by the RUN executor).
    Run,
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
