// The rbuild GitHub Action's entry (action.yml: `runs.using: node20`). No dependencies: node's
// standard library only, so the action runs from a checkout without `npm install`.
//
// Why a JavaScript action and not a composite one: GitHub gives ACTIONS_RESULTS_URL and
// ACTIONS_RUNTIME_TOKEN (the GitHub cache's service URL and the job's token) to JavaScript
// actions only; a composite action's `run:` steps do not see them. rbuild inherits this process's
// environment, so `type=gha` works without crazy-max/ghaction-github-runtime.
//
// Steps: read the inputs (docker/build-push-action's names and list syntax), install rbuild (a
// release for the runner's OS and architecture, sha256-checked and kept in the tool cache, or
// `version: source`: cargo build of this checkout), run `rbuild build`, and set the outputs
// imageid, digest and metadata from its --metadata-file.
'use strict';

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** The repository whose releases hold the binaries. */
const RELEASES = 'rbuild/rbuild';

/** An input's value as GitHub passes it (`INPUT_<NAME>`, upper case, spaces as `_`). */
function input(name) {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
}

/** A boolean input (`true`/`false`, as YAML 1.2 core schema spells them). */
function boolInput(name, fallback = false) {
  const v = input(name).toLowerCase();
  if (v === '') return fallback;
  if (v === 'false') return false;
  if (v === 'true') return true;
  throw new Error(`input ${name}: ${JSON.stringify(v)} is not a boolean (true or false)`);
}

/**
 * A list input as build-push-action reads one: one item per line, and also split at commas
 * unless `ignoreComma` (cache specs, outputs and key=value lists hold commas of their own);
 * empty items and `#` comment lines dropped.
 */
function listInput(name, ignoreComma) {
  const items = [];
  for (const line of input(name).split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    for (const part of ignoreComma ? [trimmed] : trimmed.split(',')) {
      const p = part.trim();
      if (p !== '') items.push(p);
    }
  }
  return items;
}

/** Appends `name=value` to a GitHub file command (GITHUB_OUTPUT, GITHUB_ENV). */
function fileCommand(variable, name, value) {
  const file = process.env[variable];
  if (!file) return;
  const delimiter = `rbuild_${crypto.randomBytes(8).toString('hex')}`;
  fs.appendFileSync(file, `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}${os.EOL}`);
}

/** The Rust target of the runner: linux x64/arm64 (the release workflow builds these). */
function targetTriple() {
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
  if (process.platform !== 'linux' || !arch) {
    throw new Error(
      `rbuild runs on Linux x64 and arm64 runners; this one is ${process.platform}/${process.arch}`,
    );
  }
  return `${arch}-unknown-linux-musl`;
}

/** GET `url` (following redirects) as a Buffer; `token` authorizes api.github.com. */
async function download(url, token) {
  const headers = { 'user-agent': 'rbuild-action' };
  if (token && new URL(url).hostname === 'api.github.com') headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { headers, redirect: 'follow' });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The release version `latest` stands for. */
async function latestVersion(token) {
  const api = process.env.GITHUB_API_URL || 'https://api.github.com';
  const body = await download(`${api}/repos/${RELEASES}/releases/latest`, token);
  return JSON.parse(body.toString('utf8')).tag_name.replace(/^v/, '');
}

/**
 * The path of a release binary: from the tool cache, or downloaded, checked against the
 * release's `.sha256` file, unpacked and cached (`<tool cache>/rbuild/<version>/<arch>/`).
 */
async function installRelease(version, token) {
  const resolved = version === 'latest' ? await latestVersion(token) : version.replace(/^v/, '');
  const triple = targetTriple();
  const cacheRoot = process.env.RUNNER_TOOL_CACHE || path.join(os.tmpdir(), 'rbuild-tools');
  const dir = path.join(cacheRoot, 'rbuild', resolved, process.arch);
  const bin = path.join(dir, 'rbuild');
  if (fs.existsSync(`${dir}.complete`) && fs.existsSync(bin)) return bin;
  const base = `https://github.com/${RELEASES}/releases/download/v${resolved}/rbuild-${triple}.tar.gz`;
  const [archive, sums] = await Promise.all([download(base, token), download(`${base}.sha256`, token)]);
  const expected = sums.toString('utf8').trim().split(/\s+/)[0].toLowerCase();
  const actual = crypto.createHash('sha256').update(archive).digest('hex');
  if (expected !== actual) {
    throw new Error(`rbuild ${resolved} (${triple}): sha256 ${actual}, the release says ${expected}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const tarball = path.join(dir, 'rbuild.tar.gz');
  fs.writeFileSync(tarball, archive);
  childProcess.execFileSync('tar', ['-xzf', tarball, '-C', dir], { stdio: 'inherit' });
  fs.rmSync(tarball);
  fs.chmodSync(bin, 0o755);
  fs.writeFileSync(`${dir}.complete`, '');
  return bin;
}

/**
 * `version: source`: builds rbuild from this checkout of the action with cargo (which the job
 * must have: GitHub-hosted runners do), in the release profile. `RBUILD_ACTION_CARGO_PROFILE`
 * picks another profile: the project's own tests use `dev`, whose binary `cargo test` has just
 * built into the same `CARGO_TARGET_DIR`, so the action's cargo build finds it fresh.
 */
function installFromSource() {
  const root = path.resolve(__dirname, '..');
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  const profile = process.env.RBUILD_ACTION_CARGO_PROFILE || 'release';
  childProcess.execFileSync(
    'cargo',
    ['build', '--profile', profile, '--locked', '--bin', 'rbuild', '--manifest-path', path.join(root, 'Cargo.toml')],
    { stdio: ['ignore', 2, 2], env: { ...process.env, CARGO_TARGET_DIR: targetDir } },
  );
  // cargo's output directory for a profile: `dev` builds into `debug`.
  return path.join(targetDir, profile === 'dev' ? 'debug' : profile, 'rbuild');
}

/**
 * Docker credentials for the cache server (`cache-server-token`: `NAME:SECRET`, or a secret for
 * the user `rbuild`), added to a copy of the job's docker config so that logins made before
 * (docker/login-action) still apply. Returns the environment rbuild needs for it.
 */
function cacheServerCredentials(server, token) {
  if (!server || !token) return {};
  const host = server.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  const [user, secret] = token.includes(':') ? [token.slice(0, token.indexOf(':')), token.slice(token.indexOf(':') + 1)] : ['rbuild', token];
  const source = process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  let config = {};
  try {
    config = JSON.parse(fs.readFileSync(path.join(source, 'config.json'), 'utf8'));
  } catch {
    config = {};
  }
  config.auths = config.auths || {};
  config.auths[host] = { auth: Buffer.from(`${user}:${secret}`).toString('base64') };
  const dir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'rbuild-docker-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return { DOCKER_CONFIG: dir };
}

/** The `rbuild build` arguments for the inputs; `metadata` is the metadata file's path. */
function buildArgs(metadata) {
  const args = ['build', '--progress', 'plain', '--metadata-file', metadata];
  if (input('file')) args.push('--file', input('file'));
  for (const t of listInput('tags', false)) args.push('--tag', t);
  for (const l of listInput('labels', true)) args.push('--label', l);
  if (boolInput('push')) args.push('--push');
  if (input('target')) args.push('--target', input('target'));
  for (const a of listInput('build-args', true)) args.push('--build-arg', a);
  for (const s of listInput('secrets', true)) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new Error(`input secrets: ${JSON.stringify(s)} is not id=VALUE`);
    // The value goes through the environment, never the command line.
    const env = `RBUILD_SECRET_${crypto.randomBytes(6).toString('hex').toUpperCase()}`;
    process.env[env] = s.slice(eq + 1);
    args.push('--secret', `id=${s.slice(0, eq)},env=${env}`);
  }
  for (const s of listInput('secret-files', true)) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new Error(`input secret-files: ${JSON.stringify(s)} is not id=PATH`);
    args.push('--secret', `id=${s.slice(0, eq)},src=${s.slice(eq + 1)}`);
  }
  for (const s of listInput('ssh', true)) args.push('--ssh', s);
  const platforms = listInput('platforms', false);
  if (platforms.length > 0) args.push('--platform', platforms.join(','));
  for (const o of listInput('outputs', true)) args.push('--output', o);
  if (boolInput('no-cache')) args.push('--no-cache');
  const call = input('call');
  if (call && call !== 'build') args.push('--call', call);
  // checks: false skips every rule, as BUILDKIT_DOCKERFILE_CHECK=skip=all does for buildx.
  if (!boolInput('checks', true)) args.push('--build-arg', 'BUILDKIT_DOCKERFILE_CHECK=skip=all');
  if (boolInput('pull')) args.push('--pull');
  let from = listInput('cache-from', true);
  let to = listInput('cache-to', true);
  const server = input('cache-server');
  if (server && from.length === 0 && to.length === 0) {
    const host = server.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
    const repo = (process.env.GITHUB_REPOSITORY || 'rbuild').toLowerCase();
    from = [`type=registry,ref=${host}/${repo}/{scope}`];
    to = [`type=registry,ref=${host}/${repo}/{scope},mode=max`];
  }
  const mounts = boolInput('mount-caches');
  const withMounts = (spec) => (mounts || /(^|,)mount-caches=/.test(spec) ? spec : `${spec},mount-caches=false`);
  for (const c of from) args.push('--cache-from', withMounts(c));
  for (const c of to) args.push('--cache-to', withMounts(c));
  args.push(input('context') || '.');
  return args;
}

// The platforms of the input that this runner cannot run natively (their RUN steps need QEMU).
function foreignPlatforms() {
  const native = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  return listInput('platforms', false)
    .map((p) => p.trim())
    .filter((p) => {
      const arch = (p.split('/')[1] || p).toLowerCase().replace(/^x86_64$/, 'amd64').replace(/^aarch64$/, 'arm64');
      return arch !== native && !(native === 'amd64' && arch === '386');
    });
}

// Registers QEMU's binfmt_misc handlers (F flag) for foreign platforms, as
// docker/setup-qemu-action would: Debian/Ubuntu's qemu-user-static provides them,
// `rbuild binfmt --install` registers them. No extra action is needed in the workflow.
function ensureEmulation(bin, needsSudo) {
  const foreign = foreignPlatforms();
  if (foreign.length === 0) return;
  const run = (cmd, args) => {
    const [c, a] = needsSudo ? ['sudo', [cmd, ...args]] : [cmd, args];
    const r = childProcess.spawnSync(c, a, { stdio: 'inherit' });
    if (r.error || r.status !== 0) {
      throw new Error(`${cmd} ${args.join(' ')} failed: RUN steps for ${foreign.join(', ')} need QEMU`);
    }
  };
  console.log(`registering QEMU for ${foreign.join(', ')}`);
  if (!fs.existsSync('/usr/lib/binfmt.d/qemu-aarch64.conf')) {
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'qemu-user-static']);
  }
  run(bin, ['binfmt', '--install']);
}

async function main() {
  const version = input('version') || 'latest';
  const token = input('github-token');
  const bin =
    process.env.RBUILD_ACTION_BIN ||
    (version === 'source' ? installFromSource() : await installRelease(version, token));
  const temp = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'rbuild-'));
  const metadata = path.join(temp, 'metadata.json');
  const args = buildArgs(metadata);
  const env = { ...process.env, ...cacheServerCredentials(input('cache-server'), input('cache-server-token')) };
  if (token) env.GITHUB_TOKEN = token;
  if (!boolInput('summary')) delete env.GITHUB_STEP_SUMMARY;
  console.log(`rbuild ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  // RUN steps need root (runc, overlayfs): GitHub-hosted runners run jobs as `runner` with
  // password-less sudo, so rbuild runs under sudo there, keeping the environment (the
  // ACTIONS_* variables, GITHUB_STEP_SUMMARY, DOCKER_CONFIG).
  const needsSudo = typeof process.getuid === 'function' && process.getuid() !== 0;
  ensureEmulation(bin, needsSudo);
  const [command, commandArgs] = needsSudo ? ['sudo', ['--preserve-env', bin, ...args]] : [bin, args];
  const run = childProcess.spawnSync(command, commandArgs, { stdio: 'inherit', env });
  if (run.error) throw new Error(`running ${bin}: ${run.error.message}`);
  let doc = {};
  if (fs.existsSync(metadata)) {
    const text = fs.readFileSync(metadata, 'utf8');
    doc = JSON.parse(text);
    fileCommand('GITHUB_OUTPUT', 'metadata', text.trim());
    // As build-push-action's (buildx's iidfile): the config digest, the index's for several
    // platforms.
    fileCommand('GITHUB_OUTPUT', 'imageid', doc['containerimage.config.digest'] || doc['containerimage.digest'] || '');
    fileCommand('GITHUB_OUTPUT', 'digest', doc['containerimage.digest'] || '');
  }
  if (run.status !== 0) {
    throw new Error(`rbuild build failed (exit ${run.status === null ? run.signal : run.status})`);
  }
}

main().catch((e) => {
  // `::error::` makes the failure an annotation on the job.
  console.log(`::error::${String(e.message || e).replace(/\r?\n/g, '%0A')}`);
  process.exitCode = 1;
});
