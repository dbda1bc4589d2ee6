//! SecretFileCopied (rbuild's): a COPY or ADD from the context takes a secret-looking file into
//! its layer (`.env`, private keys, an `.npmrc` with a token...), one `.dockerignore` does not
//! exclude. The layer keeps it even when a later step deletes it. The context is walked a
//! bounded way (depth, entries); a file's content is read only for the names that need it
//! (a `.pem` is a secret when it holds a private key, an `.npmrc` when it holds a token).

use std::io::Read as _;
use std::path::Path;

use super::buildkit::Emit;
use super::rule;
use crate::context::dockerignore::PatternMatcher;
use crate::dockerfile::ast::{Body, Dockerfile, Instruction};

/// How deep and how many entries of the context are looked at.
const MAX_DEPTH: usize = 8;
const MAX_ENTRIES: usize = 50_000;
/// How much of a candidate file is read to decide.
const MAX_READ: u64 = 64 * 1024;

/// Whether the file `name` (with its `path`) looks like a secret.
fn secret(name: &str, path: &Path) -> bool {
    let has = |needle: &str| {
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_READ).read_to_string(&mut text))
            .is_ok_and(|_| text.contains(needle))
    };
    match name {
        ".env" | "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | ".netrc"
        | ".git-credentials" => true,
        ".npmrc" => has("_authToken"),
        ".pypirc" => has("password"),
        _ if name.starts_with(".env.") => {
            !(name.ends_with(".example")
                || name.ends_with(".sample")
                || name.ends_with(".template"))
        }
        _ if name.ends_with(".pem") || name.ends_with(".key") => has("PRIVATE KEY"),
        _ => false,
    }
}

/// The secret-looking files of the context that `.dockerignore` lets through, relative paths.
fn secrets_in(root: &Path, ignore: Option<&PatternMatcher>) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    let mut stack: Vec<(std::path::PathBuf, String, usize)> =
        vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, rel, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                return out;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if name == ".git" || ignore.is_some_and(|m| m.matches_or_parent_matches(&path)) {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && depth < MAX_DEPTH {
                stack.push((entry.path(), path, depth + 1));
            } else if kind.is_file() && secret(&name, &entry.path()) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Whether a COPY source (cleaned, relative) takes `file`.
fn covers(source: &str, file: &str) -> bool {
    let source = source.trim_start_matches("./").trim_end_matches('/');
    matches!(source, "" | "." | "/")
        || file == source
        || file.starts_with(&format!("{source}/"))
        || (source.contains('*') && glob_matches(source, file))
}

/// `*` within one path segment, as COPY's wildcards (enough to tell `*.pem` from `src/*`).
fn glob_matches(pattern: &str, path: &str) -> bool {
    let (p, f): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() <= f.len()
        && p.iter().zip(&f).all(|(p, f)| {
            let parts: Vec<&str> = p.split('*').collect();
            let mut rest = *f;
            parts.iter().enumerate().all(|(n, part)| {
                if n == 0 {
                    let ok = rest.starts_with(part);
                    rest = &rest[part.len().min(rest.len())..];
                    ok
                } else if let Some(at) = rest.find(part) {
                    rest = &rest[at + part.len()..];
                    true
                } else {
                    false
                }
            }) && (p.ends_with('*') || rest.is_empty())
        })
}

/// Runs the rule over every COPY and ADD of `df` from the context at `root`.
pub(super) fn check(
    df: &Dockerfile,
    root: &Path,
    ignore: Option<&PatternMatcher>,
    emit: &mut Emit<'_>,
) {
    let copies: Vec<&Instruction> = df
        .instructions
        .iter()
        .filter(|i| matches!(i.cmd.as_str(), "copy" | "add"))
        .filter(|i| !i.flags.iter().any(|f| f.starts_with("--from=")))
        .collect();
    if copies.is_empty() {
        return;
    }
    let secrets = secrets_in(root, ignore);
    if secrets.is_empty() {
        return;
    }
    for i in copies {
        let Body::Args { args, .. } = &i.body else {
            continue;
        };
        let Some((_, sources)) = args.split_last() else {
            continue;
        };
        let taken: Vec<&str> = secrets
            .iter()
            .filter(|f| sources.iter().any(|s| covers(s, f)))
            .map(String::as_str)
            .collect();
        if taken.is_empty() {
            continue;
        }
        emit(
            &rule::SECRET_FILE_COPIED,
            format!(
                "`{}` (line {}) puts secret-looking files into its layer, where they stay even if \
                 deleted later: {}; add them to .dockerignore, and pass what a step needs with \
                 RUN --mount=type=secret",
                i.original,
                i.line,
                taken.join(", ")
            ),
            i.line,
            i.end_line,
            Some(i),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_cover_the_files_they_copy() {
        assert!(covers(".", "config/.env"));
        assert!(covers("config/", "config/.env"));
        assert!(covers("certs/*.pem", "certs/server.pem"));
        assert!(!covers("src", "config/.env"));
        assert!(!covers("*.txt", "key.pem"));
    }

    #[test]
    fn only_secret_looking_files_are_found_and_dockerignore_wins() {
        let dir = tempfile::tempdir().unwrap();
        let write = |p: &str, t: &str| {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        };
        write(".env", "A=1");
        write(".env.example", "A=");
        write("keys/id_rsa", "x");
        write("certs/ca.pem", "-----BEGIN CERTIFICATE-----");
        write("certs/server.key", "-----BEGIN PRIVATE KEY-----");
        write(".npmrc", "registry=https://r");
        write("sub/.npmrc", "//r/:_authToken=abc");
        assert_eq!(
            secrets_in(dir.path(), None),
            [".env", "certs/server.key", "keys/id_rsa", "sub/.npmrc"]
        );
        let ignore = PatternMatcher::new(&["keys", ".env"]).unwrap();
        assert_eq!(
            secrets_in(dir.path(), Some(&ignore)),
            ["certs/server.key", "sub/.npmrc"]
        );
    }
}
