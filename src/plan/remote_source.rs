//! Which COPY/ADD sources are fetched rather than read from the context or a stage, as BuildKit
//! tells them apart. The planner keys them (`plan::files`); the builder fetches them
//! (`build::copy::url`, `build::copy::git`).

/// Whether `source` names a git repository (BuildKit's forms: `git@host:repo`, `git://`,
/// `ssh://`, or an http(s) URL whose path ends in `.git`, a `#ref` allowed).
pub fn is_git(source: &str) -> bool {
    let no_fragment = source.split('#').next().unwrap_or(source);
    source.starts_with("git@")
        || source.starts_with("git://")
        || source.starts_with("ssh://")
        || (is_http_scheme(source) && no_fragment.trim_end_matches('/').ends_with(".git"))
}

/// Whether `source` is an http(s) URL of a file (not a git repository).
pub fn is_http(source: &str) -> bool {
    is_http_scheme(source) && !is_git(source)
}

/// Whether `source` is fetched: an http(s) URL or a git repository.
pub fn is_remote(source: &str) -> bool {
    is_http_scheme(source) || is_git(source)
}

fn is_http_scheme(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}
