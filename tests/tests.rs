//! rbuild's integration tests: one test binary, a module per area (ripgrep's layout).

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod it {
    /// The GitHub Action (`action.yml` and its entry): docker/build-push-action v7's inputs,
    /// each recorded as the `rbuild build` flag it becomes, and jobs played on a fake runner.
    mod action;
    mod add_git;
    /// Provenance and SBOM attestations read back by `buildx imagetools`, annotations, `-q`,
    /// `--load`, `--allow`.
    mod attest;
    /// `rbuild build` end to end: pushed images read back by skopeo and umoci, the cache.
    mod build;
    /// `--build-context NAME=VALUE`: keys of named directories, images, bad values.
    mod build_context;
    /// The `rbuild` binary: exit codes, errors, JSON output.
    mod cli;
    /// The CodeBuild recipe (`docs/codebuild.md`, `examples/codebuild/`) and the example
    /// workflows (`examples/workflows/`): they parse and use only what rbuild and its action
    /// offer; the buildspec runs end to end against an ECR stand-in (moto's token, a basic-auth
    /// registry behind an HTTP proxy).
    mod codebuild;
    /// `--isolation container`: rbuild in an unprivileged container, RUN steps run in it
    /// directly, against BuildKit.
    mod container_isolation;
    /// Context walking, `.dockerignore` and content hashes against real directories.
    mod context;
    /// Whole builds against BuildKit (Docker 26 + buildx 0.13, `scripts/buildkit.sh`): the
    /// same Dockerfiles must give the same filesystems, configs and histories.
    mod differential_build;
    /// `.dockerignore` matching against Go's patternmatcher, the implementation BuildKit uses.
    mod differential_dockerignore;
    /// The harness of the differential build tests: both builds, the images read back, compared.
    mod differential_harness;
    /// Whole builds with RUN steps against BuildKit: files, links, modes, owners, users, env.
    mod differential_run;
    /// `rbuild du` and `rbuild prune` on state directories filled through the library.
    mod du_prune;
    /// ECR credentials: GetAuthorizationToken against moto, Docker's precedence of helpers.
    mod ecr;
    /// RUN execution in runc on an overlay of busybox: output, exit codes, users, networks, and
    /// the upper dir's changes as OCI layer entries (needs root and runc).
    mod exec;
    /// `rbuild build --explain`: why each missed step missed, against the closest record.
    mod explain;
    /// `rbuild gha prune` against a stand-in of GitHub's Actions caches REST API.
    mod gha_prune;
    /// Issue 18's attacks, as another local user would try them: setuid files in the state
    /// dir, secrets in a running step's bundle.
    mod hardening;
    /// Deterministic layers: tar read back, whiteouts, compression checked by system tools.
    mod layer;
    /// Lazy layers: a cache-only stage's RUN layer made from its snapshot when needed.
    mod lazy_layers;
    /// The Dockerfile checks against BuildKit's lint test cases (`tests/data/lint/buildkit`).
    mod lint;
    /// Lower layers streamed into snapshots, and what a build killed while doing it leaves.
    mod materialize;
    /// Mount caches that travel: `RUN --mount=type=cache` directories through every backend.
    mod mount_caches;
    /// Image outputs (OCI layout dir/tar, docker archive) read back by skopeo and tar.
    mod output;
    /// The parser against the conformance corpus in `tests/data/parse*`.
    mod parse_conformance;
    /// Cache keys of whole Dockerfiles: what changes a key and what must not.
    mod plan;
    /// `--platform a,b`: per-platform plans, the shared stage once, one index pushed and
    /// exported, a fresh-runner rebuild from the remote cache.
    mod platforms;
    /// The registry client against the test registry (`scripts/peers.sh`) and a hostile one.
    mod registry;
    /// The remote-cache round trip through S3, the Actions cache and the cache server.
    mod remote_backends;
    /// `--cache-to` / `--cache-from` end to end: a fresh runner builds from the remote cache.
    mod remote_cache;
    /// `type=gha` against the cache server binary's GitHub Actions cache: packs, index entries,
    /// scope chains, a 429 storm, corruption and unknown tokens.
    mod remote_gha;
    /// The `type=s3` cache backend against moto: export, scope fallback, refresh, corruption.
    mod remote_s3;
    /// `RUN --mount` (cache, secret, ssh, bind, tmpfs), RUN heredocs and `--runtime`, end to end
    /// through the binary (needs root and runc; ssh needs `ssh-agent`).
    mod run_mounts;
    /// The stage scheduler: overlap, `--jobs`, cancellation on failure and SIGTERM, progress
    /// modes, per-stage RUN caching (needs root and runc).
    mod schedule;
    /// The build session as a library (`rbuild::session`): no CLI.
    mod session;
    /// `rbuild size`: layers by size, their instructions, the largest files inside.
    mod size;
    /// What users read, as reviewed snapshots: plan, progress, tables, summary, errors.
    mod snapshots;
    /// The local store: blob ingest, chain ids, hostile layers, lookup through snapshot stacks.
    mod store;
    /// What the end-to-end build tests share (registry, contexts, the `rbuild build` command, a
    /// TCP relay).
    mod support;
    /// The unprivileged-container recipes (`docs/unprivileged.md`, `examples/unprivileged/`):
    /// they parse and use only rbuild's flags.
    mod unprivileged_recipes;
}
