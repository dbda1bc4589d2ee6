//! Cache scopes: which scope a build writes, and which it reads, in order (DESIGN.md "Scopes").
//!
//! * The own scope is the branch: `RBUILD_CACHE_SCOPE` if set; on GitHub Actions `pr-<N>` for a
//!   pull request (`GITHUB_REF=refs/pull/<N>/merge`) and `GITHUB_REF_NAME` (else the branch of
//!   a `GITHUB_REF` `refs/heads/<b>`) otherwise; on CodeBuild `pr-<N>` for a pull-request
//!   webhook (`CODEBUILD_WEBHOOK_TRIGGER=pr/<N>`) and the branch of `CODEBUILD_WEBHOOK_HEAD_REF`
//!   otherwise (`CODEBUILD_SOURCE_VERSION` `pr/<N>` or `refs/heads/<b>` for a build started
//!   without a webhook); else the checked-out git branch of the context; else the default
//!   branch.
//! * A pull request writes `pr-<N>`, never its head branch's name: a fork may call its branch
//!   `main`, and untrusted code must never write the default branch's scope.
//! * Only a push to the default branch (or `workflow_dispatch`, which needs write access to the
//!   repository, or an explicit `RBUILD_CACHE_SCOPE`) writes the default branch's scope; a job
//!   of another event on it (`schedule`, `workflow_run`, `issue_comment`, ...) writes
//!   `<default>@<event>` made safe, and reads it, then the default branch's.
//! * Reads fall back: own scope -> the pull request's base branch (`GITHUB_BASE_REF`, the event
//!   payload's `pull_request.base.ref`, GitHub's API, `CODEBUILD_WEBHOOK_BASE_REF`) -> the
//!   default branch (`RBUILD_DEFAULT_BRANCH`, else the event payload's
//!   `repository.default_branch`, else GitHub's API, else git's `origin/HEAD`, else `main`).
//! * On GitHub Actions the event payload (`GITHUB_EVENT_PATH`) is read first: it names the
//!   default branch and, for every pull-request event, the number and base — also for
//!   `pull_request_target`, whose `GITHUB_REF` is the base branch and must not make a pull
//!   request write that branch's scope.
//! * Only when the payload is silent (a `schedule` event carries no repository, a
//!   `workflow_run` or `merge_group` no pull request) is GitHub's REST API asked
//!   ([`BranchFacts`], `GET /repos/{repo}` and `GET /repos/{repo}/pulls/{n}`), before git's
//!   `origin/HEAD`: `actions/checkout` leaves no `origin/HEAD`, so git would answer `main` for a
//!   repository whose default branch is `trunk`. Each question is asked at most once, and an API
//!   failure only loses that fallback.
//! * Names come from `rbuild_wire::scope`, which the cache server uses too: a branch's scope is
//!   its name when that is already safe for tags, object keys and repository path components,
//!   else the safe form plus a hash of the name (`feature/Login` -> `feature-login-<16 hex>`),
//!   so no other branch (`Main`, `main-`) writes `main`'s scope; `pr-<N>` is only ever a pull
//!   request's (a branch named `pr-7` gets `br-pr-7-<16 hex>`). An explicit scope
//!   (`RBUILD_CACHE_SCOPE`, `scope=`) is only made safe: whoever set it chose it.

use std::path::Path;
use std::process::Command;

use rbuild_wire::scope;

/// Longest scope name; longer names are cut and suffixed with a hash of the branch.
pub const MAX_SCOPE_LEN: usize = scope::MAX_LEN;

/// The scopes of one build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes {
    /// The scope exports write.
    pub write: String,
    /// The scopes imports read, first match wins: own, base, default (no repeats).
    pub reads: Vec<String>,
}

impl Scopes {
    /// One fixed scope (`scope=` in a spec): written and the only one read.
    pub fn fixed(name: &str) -> Self {
        let s = scope::clean(name);
        Self {
            write: s.clone(),
            reads: vec![s],
        }
    }

    /// Detects the scopes from the environment, the GitHub event payload, `api` when the
    /// payload is silent (see the module doc), and the git checkout at `dir`.
    pub fn detect(dir: &Path, api: Option<&dyn BranchFacts>) -> Self {
        let event = std::env::var_os("GITHUB_EVENT_PATH")
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .map(|e| event_facts(&e))
            .unwrap_or_default();
        let known = |k: &str| {
            event
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var(k).ok())
                .filter(|v| !v.is_empty())
        };
        let asked = |k: &str| {
            let api = api?;
            if k == EVENT_DEFAULT_BRANCH {
                return api.default_branch();
            }
            if k != EVENT_PR_BASE {
                return None;
            }
            let number = known(EVENT_PR_NUMBER).or_else(|| {
                known("GITHUB_REF")?
                    .strip_prefix("refs/pull/")?
                    .split('/')
                    .next()
                    .map(str::to_string)
            })?;
            api.pull_request_base(number.parse().ok()?)
        };
        Self::from_env(
            &|k| known(k).or_else(|| asked(k)).filter(|v| !v.is_empty()),
            &|| git(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).filter(|b| b != "HEAD"),
            &|| {
                git(
                    dir,
                    &["symbolic-ref", "--short", "refs/remotes/origin/HEAD"],
                )
                .map(|r| r.trim_start_matches("origin/").to_string())
            },
        )
    }

    /// [`detect`](Self::detect) with the environment and git answers given.
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        git_branch: &dyn Fn() -> Option<String>,
        git_default: &dyn Fn() -> Option<String>,
    ) -> Self {
        let default = env("RBUILD_DEFAULT_BRANCH")
            .or_else(|| env(EVENT_DEFAULT_BRANCH))
            .or_else(git_default)
            .unwrap_or_else(|| "main".into());
        let github_pr = env("GITHUB_REF").and_then(|r| {
            r.strip_prefix("refs/pull/")
                .and_then(|rest| rest.split('/').next().map(str::to_string))
        });
        let codebuild_pr = env("CODEBUILD_WEBHOOK_TRIGGER")
            .and_then(|t| t.strip_prefix("pr/").map(str::to_string));
        let pull_request = |n: String| match n.parse::<u64>() {
            Ok(n) => scope::pull_request(n),
            // Not a number: a name, never a pull request's scope.
            Err(_) => scope::branch(&format!("pr-{n}")),
        };
        let write = env("RBUILD_CACHE_SCOPE")
            .map(|s| scope::clean(&s))
            .or_else(|| env(EVENT_PR_NUMBER).map(pull_request))
            .or_else(|| github_pr.map(pull_request))
            .or_else(|| env("GITHUB_REF_NAME").map(|b| scope::branch(&b)))
            .or_else(|| {
                env("GITHUB_REF").and_then(|r| r.strip_prefix("refs/heads/").map(scope::branch))
            })
            .or_else(|| codebuild_pr.map(pull_request))
            .or_else(|| env("CODEBUILD_WEBHOOK_HEAD_REF").map(|r| scope::branch(&strip_heads(&r))))
            .or_else(|| {
                env("CODEBUILD_SOURCE_VERSION").and_then(|v| codebuild_source(&v, &pull_request))
            })
            .or_else(|| git_branch().map(|b| scope::branch(&b)))
            .unwrap_or_else(|| scope::branch(&default));
        // Only a push (or a maintainer's manual run) writes the default branch's scope: a job
        // of any other event on the default branch (a schedule, `workflow_run`,
        // `issue_comment`...) writes a scope of its own and still reads the default branch's.
        let default_scope = scope::branch(&default);
        let write = match env("GITHUB_EVENT_NAME") {
            Some(event)
                if write == default_scope
                    && env("RBUILD_CACHE_SCOPE").is_none()
                    && !DEFAULT_WRITERS.contains(&event.as_str()) =>
            {
                scope::branch(&format!("{default}@{event}"))
            }
            _ => write,
        };
        let base = env("GITHUB_BASE_REF")
            .or_else(|| env(EVENT_PR_BASE))
            .or_else(|| env("CODEBUILD_WEBHOOK_BASE_REF"))
            .map(|r| strip_heads(&r));
        let mut reads = vec![write.clone()];
        for b in base.iter().chain([&default]) {
            let s = scope::branch(b);
            if !reads.contains(&s) {
                reads.push(s);
            }
        }
        Self { write, reads }
    }
}

/// The GitHub events whose jobs may write the default branch's scope: a push, and a run a
/// maintainer starts by hand. Every other event's job on the default branch writes
/// `<default>@<event>` (made safe) instead.
pub const DEFAULT_WRITERS: &[&str] = &["push", "workflow_dispatch"];

/// Answers about the repository when the event payload has none (GitHub's REST API in a build;
/// a stand-in in tests). `None` when the answer is unknown or the question failed.
pub trait BranchFacts {
    /// The repository's default branch.
    fn default_branch(&self) -> Option<String>;
    /// Pull request `number`'s base branch.
    fn pull_request_base(&self, number: u64) -> Option<String>;
}

/// The key [`Scopes::from_env`] asks for the event payload's default branch.
pub const EVENT_DEFAULT_BRANCH: &str = "rbuild:event.repository.default_branch";
/// The key for the event payload's pull request number.
pub const EVENT_PR_NUMBER: &str = "rbuild:event.pull_request.number";
/// The key for the event payload's pull request base branch.
pub const EVENT_PR_BASE: &str = "rbuild:event.pull_request.base.ref";

/// What a GitHub event payload says about branches, under the keys above.
pub fn event_facts(event: &serde_json::Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(d) = event["repository"]["default_branch"].as_str() {
        out.push((EVENT_DEFAULT_BRANCH, d.to_string()));
    }
    let pr = &event["pull_request"];
    if let Some(n) = pr["number"].as_u64() {
        out.push((EVENT_PR_NUMBER, n.to_string()));
    }
    if let Some(b) = pr["base"]["ref"].as_str() {
        out.push((EVENT_PR_BASE, b.to_string()));
    }
    out
}

/// A CodeBuild build started without a webhook names its source in `CODEBUILD_SOURCE_VERSION`:
/// `pr/<N>` is a pull request, `refs/heads/<b>` a branch; a commit id or tag names no scope.
/// The scope, made by `pull_request` or [`scope::branch`].
fn codebuild_source(v: &str, pull_request: &dyn Fn(String) -> String) -> Option<String> {
    if let Some(n) = v.strip_prefix("pr/") {
        return Some(pull_request(n.to_string()));
    }
    v.strip_prefix("refs/heads/").map(scope::branch)
}

fn strip_heads(r: &str) -> String {
    r.strip_prefix("refs/heads/").unwrap_or(r).to_string()
}

/// The trimmed output of `git -C dir ARGS`, `None` when git fails or prints nothing.
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn scopes(vars: &[(&str, &str)], branch: Option<&str>) -> Scopes {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let branch = branch.map(str::to_string);
        Scopes::from_env(&|k| map.get(k).cloned(), &|| branch.clone(), &|| None)
    }

    #[test]
    fn the_event_payload_names_the_default_branch_and_a_pull_requests_number_and_base() {
        let event = serde_json::json!({
            "repository": {"default_branch": "trunk"},
            "pull_request": {"number": 42, "base": {"ref": "release/2"}},
        });
        let facts = event_facts(&event);
        let mut vars: Vec<(&str, &str)> = facts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // pull_request_target: GITHUB_REF is the base branch; the PR still writes its own scope.
        vars.push(("GITHUB_REF", "refs/heads/release/2"));
        vars.push(("GITHUB_REF_NAME", "release/2"));
        let s = scopes(&vars, None);
        assert_eq!(s.write, "pr-42");
        assert_eq!(s.reads, ["pr-42", &scope::branch("release/2"), "trunk"]);
        // A push event: the default branch from the payload.
        let push = event_facts(&serde_json::json!({"repository": {"default_branch": "trunk"}}));
        let mut vars: Vec<(&str, &str)> = push.iter().map(|(k, v)| (*k, v.as_str())).collect();
        vars.push(("GITHUB_REF_NAME", "feature/x"));
        assert_eq!(
            scopes(&vars, None).reads,
            [&scope::branch("feature/x"), "trunk"]
        );
    }

    #[test]
    fn a_codebuild_build_without_a_webhook_takes_its_source_version() {
        let branch = scopes(
            &[("CODEBUILD_SOURCE_VERSION", "refs/heads/release/3")],
            None,
        );
        assert_eq!(branch.write, scope::branch("release/3"));
        let pr = scopes(&[("CODEBUILD_SOURCE_VERSION", "pr/12")], None);
        assert_eq!(pr.write, "pr-12");
        let sha = scopes(
            &[(
                "CODEBUILD_SOURCE_VERSION",
                "0123456789abcdef0123456789abcdef01234567",
            )],
            Some("feature"),
        );
        assert_eq!(
            sha.write, "feature",
            "a commit id names no scope: git's branch"
        );
    }

    #[test]
    fn github_branches_and_pull_requests() {
        let push = scopes(&[("GITHUB_REF_NAME", "feature/x")], None);
        assert!(push.write.starts_with("feature-x-"), "{}", push.write);
        assert_eq!(push.reads, [&scope::branch("feature/x"), "main"]);
        // A runner or container that passes GITHUB_REF alone.
        let only_ref = scopes(&[("GITHUB_REF", "refs/heads/feature/y")], Some("checkout"));
        assert_eq!(only_ref.write, scope::branch("feature/y"));
        let tag = scopes(&[("GITHUB_REF", "refs/tags/v1")], Some("checkout"));
        assert_eq!(tag.write, "checkout", "a tag ref names no branch");
        let pr = scopes(
            &[
                ("GITHUB_REF", "refs/pull/7/merge"),
                ("GITHUB_REF_NAME", "7/merge"),
                ("GITHUB_HEAD_REF", "main"),
                ("GITHUB_BASE_REF", "release/2"),
                ("RBUILD_DEFAULT_BRANCH", "trunk"),
            ],
            None,
        );
        assert_eq!(
            pr.write, "pr-7",
            "a fork's `main` never writes main's scope"
        );
        assert_eq!(pr.reads, ["pr-7", &scope::branch("release/2"), "trunk"]);
        // Other events on the default branch do not write its scope.
        for event in [
            "schedule",
            "workflow_run",
            "issue_comment",
            "repository_dispatch",
        ] {
            let s = scopes(
                &[("GITHUB_REF_NAME", "main"), ("GITHUB_EVENT_NAME", event)],
                None,
            );
            assert_ne!(s.write, "main", "{event}");
            assert_eq!(s.reads, [s.write.as_str(), "main"], "{event}");
        }
        for event in ["push", "workflow_dispatch"] {
            let s = scopes(
                &[("GITHUB_REF_NAME", "main"), ("GITHUB_EVENT_NAME", event)],
                None,
            );
            assert_eq!(s.write, "main", "{event}");
        }
        let forced = scopes(
            &[
                ("GITHUB_EVENT_NAME", "schedule"),
                ("RBUILD_CACHE_SCOPE", "main"),
            ],
            None,
        );
        assert_eq!(
            forced.write, "main",
            "an explicit scope is the user's choice"
        );
        let feature = scopes(
            &[
                ("GITHUB_REF_NAME", "dev"),
                ("GITHUB_EVENT_NAME", "schedule"),
            ],
            None,
        );
        assert_eq!(feature.write, "dev", "other branches keep their scope");
        // Branches named like `main` or like a pull request's scope.
        for (name, not) in [
            ("Main", "main"),
            ("main-", "main"),
            ("pr-7", "pr-7"),
            ("pr/7", "pr-7"),
        ] {
            let s = scopes(&[("GITHUB_REF_NAME", name)], None);
            assert_ne!(s.write, not, "branch {name}");
            assert!(!s.write.starts_with("pr-"), "branch {name}: {}", s.write);
        }
    }

    #[test]
    fn codebuild_git_and_overrides() {
        let cb = scopes(
            &[
                ("CODEBUILD_WEBHOOK_TRIGGER", "pr/12"),
                ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feat"),
                ("CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/main"),
            ],
            None,
        );
        assert_eq!(cb.write, "pr-12");
        assert_eq!(cb.reads, ["pr-12", "main"]);
        let branch = scopes(&[("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/dev")], None);
        assert_eq!(branch.reads, ["dev", "main"]);
        assert_eq!(scopes(&[], Some("topic")).reads, ["topic", "main"]);
        assert_eq!(scopes(&[], None).reads, ["main"]);
        let forced = scopes(&[("RBUILD_CACHE_SCOPE", "nightly")], Some("topic"));
        assert_eq!(forced.reads, ["nightly", "main"]);
        assert_eq!(Scopes::fixed("A/B").reads, ["a-b"]);
    }
}
