//! ADD's git sources, as BuildKit's git source: `ADD [--keep-git-dir=true] <repo>[#<ref>[:<dir>]]
//! <dest>` checks the repository out at `<ref>` (a branch, a tag or a commit; the remote's
//! `HEAD` when omitted) and copies its files, or those of `<dir>`, into `<dest>`. Submodules are
//! checked out too; `.git` is left out unless `--keep-git-dir=true`.
//!
//! * **Key.** `rbuild build` resolves the ref to a commit while planning (`git ls-remote`, once
//!   per source; a 40-hex ref is taken as is), and the step's key holds that commit: an
//!   unchanged branch stays `CACHED`, a moved one misses and the reason names the commit change.
//!   The checkout happens only when the step runs, at exactly that commit.
//! * **Times.** Every file, directory and symlink gets the commit's time as its mtime (what
//!   BuildKit's `git.mtime=commit` does), so two checkouts of a commit make the same layer.
//! * **Owners.** Files belong to 0:0 unless `--chown`; modes are git's (0644, 0755, symlinks).
//! * **Transport.** The system `git` does the work (credentials from its configuration and
//!   helpers, `ssh` for `git@host:` and `ssh://` with the caller's agent). It runs without a
//!   terminal prompt, and the `ext::` and `file://` transports are refused, as in BuildKit.
//! * **Private repositories over http(s)**, as BuildKit: the build secret `GIT_AUTH_TOKEN.<host>`
//!   (else `GIT_AUTH_TOKEN`) is sent as `Authorization: basic base64(x-access-token:<token>)`,
//!   and `GIT_AUTH_HEADER.<host>` (else `GIT_AUTH_HEADER`) as the whole header value instead
//!   ([`GitAuth`]). The header goes to git through `GIT_CONFIG_*` variables, scoped to the
//!   remote's `scheme://host/` (never in a command line other users could read, never to another
//!   host such as a submodule's).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A git source as written in ADD: the remote, the ref and the subdirectory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSource {
    /// What `git` fetches from (`https://host/o/r.git`, `git@host:o/r.git`, `git://...`).
    pub remote: String,
    /// The fragment's ref (`main`, `v1.2`, a commit); `None`: the remote's `HEAD`.
    pub reference: Option<String>,
    /// The fragment's subdirectory (`#ref:dir`), relative, without leading `/`.
    pub subdir: Option<String>,
}

impl GitSource {
    /// Parses `source` (`<remote>[#<ref>[:<dir>]]`).
    pub fn parse(source: &str) -> Self {
        let (remote, fragment) = source.split_once('#').unwrap_or((source, ""));
        let (reference, subdir) = fragment.split_once(':').unwrap_or((fragment, ""));
        let subdir = subdir.trim_matches('/');
        Self {
            remote: remote.to_string(),
            reference: (!reference.is_empty()).then(|| reference.to_string()),
            subdir: (!subdir.is_empty()).then(|| subdir.to_string()),
        }
    }
}

/// Credentials for http(s) git remotes, from the build's secrets (see the module doc).
#[derive(Default, Clone)]
pub struct GitAuth {
    /// (secret id, value) of the `GIT_AUTH_TOKEN*` and `GIT_AUTH_HEADER*` secrets.
    secrets: Vec<(String, String)>,
}

impl std::fmt::Debug for GitAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.secrets.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("GitAuth").field("secrets", &ids).finish()
    }
}

impl GitAuth {
    /// Whether the secret `id` is a git credential (`GIT_AUTH_TOKEN*`, `GIT_AUTH_HEADER*`).
    pub fn wants(id: &str) -> bool {
        id.starts_with("GIT_AUTH_TOKEN") || id.starts_with("GIT_AUTH_HEADER")
    }

    /// Keeps the secrets among `secrets` (id, value) that name git credentials.
    pub fn new(secrets: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            secrets: secrets
                .into_iter()
                .filter(|(id, _)| Self::wants(id))
                .map(|(id, v)| (id, v.trim().to_string()))
                .collect(),
        }
    }

    fn secret(&self, id: &str) -> Option<&str> {
        self.secrets
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, v)| v.as_str())
    }

    /// `(scheme://host/, Authorization value)` for `remote`, when it is http(s) and a secret
    /// applies.
    fn header_for(&self, remote: &str) -> Option<(String, String)> {
        let (scheme, rest) = remote.split_once("://")?;
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let authority = rest.split(['/', '?', '#']).next()?;
        let host = authority.rsplit('@').next()?;
        let name = host.split(':').next().unwrap_or(host);
        let scoped = |kind: &str| {
            self.secret(&format!("{kind}.{host}"))
                .or_else(|| self.secret(&format!("{kind}.{name}")))
                .or_else(|| self.secret(kind))
        };
        let value = match scoped("GIT_AUTH_HEADER") {
            Some(header) => header.to_string(),
            None => {
                use base64::Engine as _;
                let token = scoped("GIT_AUTH_TOKEN")?;
                let pair = format!("x-access-token:{token}");
                format!(
                    "basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
        };
        Some((format!("{scheme}://{host}/"), value))
    }

    /// Adds the header for `remote` to `cmd`'s environment, if any.
    fn apply(&self, cmd: &mut Command, remote: &str) {
        if let Some((prefix, value)) = self.header_for(remote) {
            cmd.env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", format!("http.{prefix}.extraHeader"))
                .env("GIT_CONFIG_VALUE_0", format!("Authorization: {value}"));
        }
    }
}

/// Whether `r` is a full commit id.
fn is_commit(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Transports git may use for an ADD and its submodules: `GIT_ALLOW_PROTOCOL` is an allow-list
/// that overrides every `protocol.*.allow` setting of the machine's git config (a runner whose
/// global config says `protocol.allow=always` would otherwise let a hostile repository's
/// `.gitmodules` run any `git-remote-<name>` helper on the host, or read its files).
const GIT_ALLOW_PROTOCOL: &str = "https:http:ssh:git";

/// A `git` command that never prompts and uses only [`GIT_ALLOW_PROTOCOL`]'s transports
/// (`ext::` and `file://` refused by name too).
fn git() -> Command {
    let mut cmd = Command::new("git");
    cmd.args([
        "-c",
        "protocol.ext.allow=never",
        "-c",
        "protocol.file.allow=never",
    ])
    .env("GIT_ALLOW_PROTOCOL", GIT_ALLOW_PROTOCOL)
    .env("GIT_TERMINAL_PROMPT", "0")
    .env("GIT_ASKPASS", "true")
    .stdin(Stdio::null());
    cmd
}

/// Runs `cmd`; its stdout, or its stderr's last lines as the error.
fn run(mut cmd: Command, what: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "git is not installed (ADD of a git source runs it)".into(),
        _ => format!("{what}: {e}"),
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = last[last.len().saturating_sub(3)..].join("; ");
        return Err(format!("{what} failed ({}): {tail}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The commit `source`'s ref names on its remote now (`git ls-remote`): for a tag its peeled
/// commit, for a name that is both, the branch.
pub fn resolve(source: &GitSource, auth: &GitAuth) -> Result<String, String> {
    if let Some(r) = source.reference.as_deref().filter(|r| is_commit(r)) {
        return Ok(r.to_ascii_lowercase());
    }
    let wanted = source.reference.as_deref().unwrap_or("HEAD");
    let mut cmd = git();
    cmd.args(["ls-remote", "--", &source.remote, wanted]);
    auth.apply(&mut cmd, &source.remote);
    let listing = run(cmd, &format!("git ls-remote {}", source.remote))?;
    let refs: Vec<(&str, &str)> = listing.lines().filter_map(|l| l.split_once('\t')).collect();
    let find = |name: &str| refs.iter().find(|(_, r)| *r == name).map(|(c, _)| *c);
    let found = if wanted == "HEAD" {
        find("HEAD")
    } else if wanted.starts_with("refs/") {
        find(&format!("{wanted}^{{}}")).or_else(|| find(wanted))
    } else {
        find(&format!("refs/heads/{wanted}"))
            .or_else(|| find(&format!("refs/tags/{wanted}^{{}}")))
            .or_else(|| find(&format!("refs/tags/{wanted}")))
            .or_else(|| refs.first().map(|(c, _)| *c))
    };
    found
        .filter(|c| is_commit(c))
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| format!("{}: no ref {wanted}", source.remote))
}

/// A checkout of `source` at `commit` in a new directory under `scratch`: the directory to
/// copy (the subdirectory when the source names one).
pub fn checkout(
    source: &GitSource,
    commit: &str,
    keep_git_dir: bool,
    scratch: &Path,
    auth: &GitAuth,
) -> Result<PathBuf, String> {
    let dir = super::scratch::new_dir(scratch, "add-git").map_err(|e| e.to_string())?;
    let in_dir = |args: &[&str]| {
        let mut cmd = git();
        cmd.arg("-C").arg(&dir).args(args);
        auth.apply(&mut cmd, &source.remote);
        cmd
    };
    run(in_dir(&["init", "-q", "--template="]), "git init")?;
    // A shallow fetch of the commit itself; servers that refuse unadvertised commits get the
    // ref (the whole history of it) instead.
    let shallow = run(
        in_dir(&["fetch", "-q", "--depth", "1", "--", &source.remote, commit]),
        "git fetch",
    );
    if let Err(first) = shallow {
        let wanted = source.reference.as_deref().unwrap_or("HEAD");
        run(
            in_dir(&["fetch", "-q", "--", &source.remote, wanted]),
            "git fetch",
        )
        .map_err(|e| format!("{first}; then {e}"))?;
    }
    run(
        in_dir(&["-c", "advice.detachedHead=false", "checkout", "-q", commit]),
        &format!("git checkout {commit}"),
    )?;
    if dir.join(".gitmodules").exists() {
        run(
            in_dir(&[
                "-c",
                "protocol.file.allow=never",
                "submodule",
                "update",
                "-q",
                "--init",
                "--recursive",
                "--depth",
                "1",
            ]),
            "git submodule update",
        )?;
    }
    let time = run(in_dir(&["log", "-1", "--format=%ct", commit]), "git log")?;
    let time: i64 = time
        .trim()
        .parse()
        .map_err(|_| format!("git log: not a time: {time:?}"))?;
    if !keep_git_dir {
        std::fs::remove_dir_all(dir.join(".git")).map_err(|e| format!("removing .git: {e}"))?;
    }
    set_times(&dir, time).map_err(|e| format!("setting mtimes: {e}"))?;
    let root = match &source.subdir {
        Some(sub) => {
            let path = dir.join(sub);
            let inside = path
                .canonicalize()
                .ok()
                .zip(dir.canonicalize().ok())
                .is_some_and(|(p, d)| p.starts_with(d) && p.is_dir());
            if !inside {
                return Err(format!("{}: no directory {sub} at {commit}", source.remote));
            }
            path
        }
        None => dir,
    };
    Ok(root)
}

/// Sets the mtime (and atime) of `dir` and everything below it to `time`, symlinks themselves.
fn set_times(dir: &Path, time: i64) -> std::io::Result<()> {
    use rustix::fs::{AtFlags, CWD, Timespec, Timestamps, utimensat};
    let stamp = Timestamps {
        last_access: Timespec {
            tv_sec: time,
            tv_nsec: 0,
        },
        last_modification: Timespec {
            tv_sec: time,
            tv_nsec: 0,
        },
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            for child in std::fs::read_dir(&path)? {
                stack.push(child?.path());
            }
        }
        utimensat(CWD, &path, &stamp, AtFlags::SYMLINK_NOFOLLOW)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_secrets_apply_to_their_host_over_http_only() {
        let auth = GitAuth::new([
            ("GIT_AUTH_TOKEN".to_string(), "t0k\n".to_string()),
            (
                "GIT_AUTH_HEADER.git.example.com".to_string(),
                "bearer xyz".to_string(),
            ),
            ("NPM_TOKEN".to_string(), "other".to_string()),
        ]);
        assert_eq!(
            auth.header_for("https://github.com/o/r.git"),
            Some((
                "https://github.com/".to_string(),
                // base64("x-access-token:t0k")
                "basic eC1hY2Nlc3MtdG9rZW46dDBr".to_string()
            ))
        );
        assert_eq!(
            auth.header_for("https://git.example.com:8443/r.git")
                .map(|h| h.1),
            Some("bearer xyz".to_string())
        );
        assert_eq!(auth.header_for("git@github.com:o/r.git"), None);
        assert_eq!(auth.header_for("git://github.com/o/r.git"), None);
        assert!(!format!("{auth:?}").contains("t0k"), "{auth:?}");
        assert_eq!(GitAuth::default().header_for("https://h/r.git"), None);
    }

    #[test]
    fn fragments_name_a_ref_and_a_directory() {
        assert_eq!(
            GitSource::parse("https://h/o/r.git#v1.2:sub/dir/"),
            GitSource {
                remote: "https://h/o/r.git".into(),
                reference: Some("v1.2".into()),
                subdir: Some("sub/dir".into()),
            }
        );
        let plain = GitSource::parse("git@github.com:o/r.git");
        assert_eq!(plain.remote, "git@github.com:o/r.git");
        assert_eq!((plain.reference, plain.subdir), (None, None));
        let dir_only = GitSource::parse("git://h/r.git#:docs");
        assert_eq!(
            (dir_only.reference, dir_only.subdir.as_deref()),
            (None, Some("docs"))
        );
        let commit = "0123456789abcdef0123456789ABCDEF01234567";
        assert!(is_commit(commit));
        assert_eq!(
            resolve(
                &GitSource::parse(&format!("git://nowhere.invalid/r.git#{commit}")),
                &GitAuth::default()
            ),
            Ok(commit.to_ascii_lowercase()),
            "a commit needs no network"
        );
    }
}
