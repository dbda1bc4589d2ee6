//! What the builder does for a step: the instruction after expansion, in the shape the executor
//! needs (the key already covers all of it).

use super::resolve::{ImageSource, Source};
pub use crate::dockerfile::instructions::mount::{MountType, Sharing};
pub use crate::exec::sandbox::{RunSandbox, Ulimit};

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
    /// Files the command needs made available read-only (a `#!` heredoc script): name and
    /// content, mounted read-only in [`RunOp::FILES_DIR`].
    pub files: Vec<(String, String)>,
    /// `--mount` flags, parsed and expanded.
    pub mounts: Vec<RunMount>,
    /// Proxy build args (`HTTP_PROXY=...`): in the step's environment when it runs (unless an
    /// ARG put them in [`RunOp::env`]), but not in its key, its record or the image, as
    /// BuildKit's `llb.ProxyEnv`.
    pub proxy_env: Vec<String>,
    /// `RUN --security=insecure`: the step runs privileged (needs `--allow security.insecure`).
    pub insecure: bool,
    /// The build-wide sandbox options (`--add-host`, `--shm-size`, `--ulimit`,
    /// `--cgroup-parent`).
    pub sandbox: RunSandbox,
    /// The host name (`--build-arg BUILDKIT_SANDBOX_HOSTNAME`); `None`: BuildKit's
    /// [`RunOp::DEFAULT_HOSTNAME`]. Part of the key when set, as it is of BuildKit's (the exec
    /// op's meta).
    pub hostname: Option<String>,
}

impl RunOp {
    /// Where [`RunOp::files`] are mounted (BuildKit's directory for heredoc scripts).
    pub const FILES_DIR: &'static str = "/dev/pipes";
    /// The host name of a step when none is given (BuildKit's).
    pub const DEFAULT_HOSTNAME: &'static str = crate::exec::spec::DEFAULT_HOSTNAME;

    /// The host name the step runs with.
    pub fn hostname(&self) -> &str {
        self.hostname.as_deref().unwrap_or(Self::DEFAULT_HOSTNAME)
    }
}

/// A `RUN --mount` after expansion, with BuildKit's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMount {
    /// The kind.
    pub kind: MountType,
    /// The container path: absolute and cleaned. Empty for a secret exposed only as an
    /// environment variable, and for an ssh mount without `target=` (numbered when it runs).
    pub target: String,
    /// The id: the cache id (default: the target), the secret id, the ssh id (`default`).
    pub id: String,
    /// Where a bind or cache mount's content comes from: the context (bind default), a stage,
    /// an image; `None` for an empty cache.
    pub from: Option<FileSource>,
    /// `source=`: the path inside `from` (cleaned, relative; empty for its root).
    pub source: String,
    /// Read-only.
    pub readonly: bool,
    /// `sharing=` of a cache mount (shared by default).
    pub sharing: Sharing,
    /// `mode=`: the cache dir's, secret file's or ssh socket's mode.
    pub mode: Option<u32>,
    /// `uid=`.
    pub uid: Option<u32>,
    /// `gid=`.
    pub gid: Option<u32>,
    /// `required` (secret and ssh): a missing source fails the step rather than skipping it.
    pub required: bool,
    /// `env=` of a secret: the variable that holds its value.
    pub env: Option<String>,
    /// `size=` of a tmpfs, in bytes.
    pub size: Option<u64>,
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
    /// The files of a `--build-context` (by its index in
    /// [`NamedContexts`](super::named::NamedContexts)), read as the build context is.
    Local(usize),
    /// The filesystem of an `oci-layout://` `--build-context`'s image (by its index).
    Layout(usize),
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
    /// `--from` as written (progress shows it, as BuildKit's does; the history does not).
    pub from_text: Option<String>,
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
    /// ADD `--keep-git-dir`.
    pub keep_git_dir: bool,
}

impl FileOp {
    /// Whether the step reads the filesystem below it: every COPY but a `--link` one that sets
    /// no `--chmod` and whose `--chown` (if any) is numeric (a name is looked up in the lower
    /// `/etc/passwd`).
    pub fn needs_lower(&self) -> bool {
        !self.link
            || self.chmod.is_some()
            || self
                .chown
                .as_deref()
                .is_some_and(|c| c.split(':').any(|p| p.parse::<u64>().is_err()))
    }
}
