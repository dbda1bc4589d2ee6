// The rbuild GitHub Action's entry (action.yml: `runs.using: node24`, as
// docker/build-push-action v7). No dependencies: node's standard library only, so the action
// runs from a checkout without `npm install`.
//
// Why a JavaScript action and not a composite one: GitHub gives ACTIONS_RESULTS_URL and
// ACTIONS_RUNTIME_TOKEN (the GitHub cache's service URL and the job's token) to JavaScript
// actions only; a composite action's `run:` steps do not see them. rbuild inherits this process's
// environment, so `type=gha` works without crazy-max/ghaction-github-runtime.
//
// Steps: turn the inputs into `rbuild build` flags (inputs.js: build-push-action's inputs as it
// gives them to buildx), install rbuild (a release for the runner's OS and architecture,
// sha256-checked and kept in the tool cache, or `version: source`: cargo build of this
// checkout), run `rbuild build`, and set the outputs imageid (its --iidfile), digest and
// metadata (its --metadata-file). build-push-action's environment switches: DOCKER_BUILD_SUMMARY
// (false: no job summary), DOCKER_BUILD_CHECKS_ANNOTATIONS (read by rbuild itself),
// DOCKER_BUILD_RECORD_UPLOAD (rbuild makes no build record: a notice says where the report is),
// BUILDX_NO_DEFAULT_ATTESTATIONS (inputs.js).
'use strict';

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { input, boolInput, listInput, envBool, buildArgs } = require('./inputs.js');

/** The repository whose releases hold the binaries. */
const RELEASES = 'rbuild/rbuild';

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

// The platforms of the input that this runner cannot run natively (their RUN steps need QEMU).
function foreignPlatforms() {
  const native = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  return listInput('platforms')
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
  const temp = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'rbuild-'));
  const metadata = path.join(temp, 'metadata.json');
  const iidfile = path.join(temp, 'iidfile.txt');
  // The inputs first: one rbuild cannot honour fails the step before anything is installed.
  const { args, env: secrets } = buildArgs({ metadata, iidfile });
  const summary = boolInput('summary', true) && envBool('DOCKER_BUILD_SUMMARY', true);
  const call = input('call');
  let recordUpload = true;
  try {
    recordUpload = envBool('DOCKER_BUILD_RECORD_UPLOAD', true);
  } catch {
    // As build-push-action: a word that is not a boolean leaves the upload on.
  }
  if (envBool('DOCKER_BUILD_SUMMARY', true) && recordUpload && (!call || call === 'build')) {
    const where = summary ? 'the job summary and the `metadata` output' : 'the `metadata` output';
    console.log(`::notice::rbuild makes no buildx build record to upload (DOCKER_BUILD_RECORD_UPLOAD); its build report is in ${where}`);
  }
  const bin =
    process.env.RBUILD_ACTION_BIN ||
    (version === 'source' ? installFromSource() : await installRelease(version, token));
  const env = {
    ...process.env,
    ...cacheServerCredentials(input('cache-server'), input('cache-server-token')),
    ...secrets,
  };
  if (token) env.GITHUB_TOKEN = token;
  if (!summary) delete env.GITHUB_STEP_SUMMARY;
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
    fileCommand('GITHUB_OUTPUT', 'digest', doc['containerimage.digest'] || '');
  }
  // As build-push-action: the --iidfile (the config digest, the index's for several platforms;
  // none with a local or tar output).
  if (fs.existsSync(iidfile)) fileCommand('GITHUB_OUTPUT', 'imageid', fs.readFileSync(iidfile, 'utf8').trim());
  if (run.status !== 0) {
    throw new Error(`rbuild build failed (exit ${run.status === null ? run.signal : run.status})`);
  }
}

main().catch((e) => {
  // `::error::` makes the failure an annotation on the job.
  console.log(`::error::${String(e.message || e).replace(/\r?\n/g, '%0A')}`);
  process.exitCode = 1;
});
