// The action's inputs as `rbuild build` arguments. docker/build-push-action v7's inputs become
// the flags build-push-action gives `docker buildx build` (its src/context.ts, with
// docker/actions-toolkit's Util.getInputList and Build helpers), spelled as buildx spells them, in
// the same order, with the same list syntax and defaults (the provenance attestation,
// --iidfile); rbuild's own inputs (mount-caches, cache-server, checks) add to them. An input
// rbuild cannot honour is an error that says why, never dropped. Node's standard library only.
'use strict';

const path = require('node:path');
const fs = require('node:fs');

/** An input's value as GitHub passes it (`INPUT_<NAME>`), trimmed unless `trim` is false. */
function input(name, trim = true) {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
  return trim ? value.trim() : value;
}

/** The words @actions/core's getBooleanInput takes (YAML 1.2 core schema). */
const TRUE_WORDS = ['true', 'True', 'TRUE'];
const FALSE_WORDS = ['false', 'False', 'FALSE'];

/** A boolean input as getBooleanInput reads one; an empty one is `fallback`. */
function boolInput(name, fallback = false) {
  const v = input(name);
  if (v === '') return fallback;
  if (TRUE_WORDS.includes(v)) return true;
  if (FALSE_WORDS.includes(v)) return false;
  throw new Error(`input ${name}: ${JSON.stringify(v)} is not a boolean (true | True | TRUE | false | False | FALSE)`);
}

/** A boolean as the toolkit's Util.parseBool (Go's strconv.ParseBool) reads a variable. */
function parseBool(text) {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new Error(`${JSON.stringify(text)} is not a boolean`);
}

/** An environment switch (DOCKER_BUILD_SUMMARY, ...): unset or empty is `fallback`. */
function envBool(name, fallback) {
  const value = process.env[name];
  if (!value) return fallback;
  try {
    return parseBool(value);
  } catch (e) {
    throw new Error(`${name}: ${e.message}`);
  }
}

/**
 * CSV records as csv-parse reads them with build-push-action's options (relaxed quotes and
 * column counts, empty lines skipped): fields split at commas, records at the first line ending
 * seen (\r\n, \n or \r); a field that starts with `"` is quoted (`""` inside is a quote, a
 * closing quote not followed by a comma or line end keeps both quotes); a quote inside an
 * unquoted field is a character. `quote: false` makes every quote a character; `trim` trims
 * each field.
 */
function parseCsv(text, { quote = true, trim = false } = {}) {
  const records = [];
  let record = [];
  let field = '';
  let quoting = false;
  let wasQuoting = false;
  let lineEnd = null;
  const lineEndAt = (pos) => {
    if (lineEnd !== null) return text.startsWith(lineEnd, pos) ? lineEnd.length : 0;
    const found = ['\r\n', '\n', '\r'].find((d) => text.startsWith(d, pos));
    if (found === undefined) return 0;
    lineEnd = found;
    return found.length;
  };
  const endField = () => {
    record.push(trim ? field.trim() : field);
    field = '';
    wasQuoting = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote && c === '"') {
      if (quoting) {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
          continue;
        }
        quoting = false;
        wasQuoting = true;
        const next = i + 1;
        if (next >= text.length || text[next] === ',' || lineEndAt(next) > 0) continue;
        field = `"${field}"`;
        continue;
      }
      if (field.length === 0) {
        quoting = true;
        continue;
      }
    }
    if (!quoting) {
      const n = lineEndAt(i);
      if (n > 0) {
        if (wasQuoting || record.length > 0 || field.length > 0) {
          endField();
          records.push(record);
        }
        record = [];
        i += n - 1;
        continue;
      }
      if (c === ',') {
        endField();
        continue;
      }
    }
    field += c;
  }
  if (quoting) throw new Error('Quote Not Closed: the parsing is finished with an opening quote');
  if (wasQuoting || record.length > 0 || field.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}

/**
 * A list as the toolkit's Util.getList reads one: CSV records; a record of one field is split
 * at commas unless `ignoreComma`; a record of several fields gives them all, or with
 * `ignoreComma` the line joined again at its commas. Items trimmed unless `trimWhitespace` is
 * false; empty ones dropped.
 */
function getList(text, { ignoreComma = false, quote = true, trimWhitespace = true } = {}) {
  if (text === '') return [];
  const items = [];
  for (const record of parseCsv(text, { quote })) {
    if (record.length === 1) {
      items.push(...(ignoreComma ? record : record[0].split(',')));
    } else if (!ignoreComma) {
      items.push(...record);
    } else {
      items.push(record.join(','));
    }
  }
  return items.map((item) => (trimWhitespace ? item.trim() : item)).filter((item) => item !== '');
}

/** A list input (Util.getInputList): the input, trimmed unless `trimWhitespace` is false. */
function listInput(name, opts = {}) {
  try {
    return getList(input(name, opts.trimWhitespace !== false), opts);
  } catch (e) {
    throw new Error(`input ${name}: ${e.message}`);
  }
}

/** Whether one of the outputs is of type `name`; a bare path is a `local` one (Build.hasExporterType). */
function hasExporterType(name, outputs) {
  for (const record of parseCsv(outputs.join('\n'), { trim: true })) {
    if (record.length === 1 && !record[0].startsWith('type=')) return name === 'local';
    for (const chunk of record) {
      const [key, value] = chunk.split('=').map((s) => s.trim());
      if (key === 'type' && value === name) return true;
    }
  }
  return false;
}

/** Whether an attestation spec is of type `name` (Build.hasAttestationType). */
function hasAttestationType(name, spec) {
  return parseCsv(spec, { trim: true }).some((record) =>
    record.some((chunk) => {
      const [key, value] = chunk.split('=').map((s) => s.trim());
      return key === 'type' && value === name;
    }),
  );
}

/** An attestation spec with its boolean words as `disabled=` (Build.resolveAttestationAttrs). */
function resolveAttestationAttrs(spec) {
  const attrs = [];
  for (const record of parseCsv(spec, { trim: true })) {
    for (const attr of record) {
      try {
        attrs.push(`disabled=${!parseBool(attr)}`);
      } catch {
        attrs.push(attr);
      }
    }
  }
  return attrs.join(',');
}

/** The workflow's event (GITHUB_EVENT_PATH's JSON), as @actions/github's context.payload. */
function eventPayload() {
  const file = process.env.GITHUB_EVENT_PATH;
  if (!file) return {};
  if (!fs.existsSync(file)) {
    console.log(`GITHUB_EVENT_PATH ${file} does not exist`);
    return {};
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** `owner/repo` of the workflow (GITHUB_REPOSITORY, else the event's repository). */
function repository(payload) {
  if (process.env.GITHUB_REPOSITORY) return process.env.GITHUB_REPOSITORY;
  if (payload.repository) return `${payload.repository.owner.login}/${payload.repository.name}`;
  throw new Error("context.repo requires a GITHUB_REPOSITORY environment variable like 'owner/repo'");
}

/** This run's URL with its attempt: the provenance's builder id (GitHub.workflowRunURL(true)). */
function workflowRunURL(payload) {
  const server = process.env.GITHUB_SERVER_URL || 'https://github.com';
  const runId = process.env.GITHUB_RUN_ID ? Number(process.env.GITHUB_RUN_ID) : NaN;
  const attempt = process.env.GITHUB_RUN_ATTEMPT ? Number(process.env.GITHUB_RUN_ATTEMPT) : 1;
  return `${server}/${repository(payload)}/actions/runs/${runId}/attempts/${attempt}`;
}

/** Provenance attributes with a builder-id, this run's unless they name one (Build.resolveProvenanceAttrs). */
function resolveProvenanceAttrs(attrs, payload) {
  if (!attrs) return `builder-id=${workflowRunURL(payload)}`;
  const first = parseCsv(attrs)[0] || [];
  if (first.some((field) => field.split('=')[0].trim() === 'builder-id')) return attrs;
  return `${attrs},builder-id=${workflowRunURL(payload)}`;
}

/** The `provenance` input as Build.getProvenanceInput reads it. */
function provenanceInput(payload) {
  const v = input('provenance');
  if (!v) return '';
  if (TRUE_WORDS.includes(v)) return `builder-id=${workflowRunURL(payload)}`;
  if (FALSE_WORDS.includes(v)) return 'false';
  return resolveProvenanceAttrs(v, payload);
}

/**
 * `--attest` flags as build-push-action's getAttestArgs gives them: the provenance and sbom
 * inputs take precedence over attests of their type. Without either, when no attest asks for
 * provenance, BUILDX_NO_DEFAULT_ATTESTATIONS is not true and nothing is loaded into docker,
 * provenance by default: `mode=max` for a public repository, buildx's own default
 * (`mode=min,inline-only=true`) for a private one (the event's `repository.private`).
 */
function attestArgs(outputs, load, payload) {
  const attests = listInput('attests', { ignoreComma: true });
  const provenance = provenanceInput(payload);
  const sbom = input('sbom');
  const args = [];
  const hasAttestProvenance = attests.some((a) => hasAttestationType('provenance', a));
  if (provenance) {
    args.push('--attest', resolveAttestationAttrs(`type=provenance,${provenance}`));
  } else if (
    !hasAttestProvenance &&
    !envBool('BUILDX_NO_DEFAULT_ATTESTATIONS', false) &&
    !(load || hasExporterType('docker', outputs))
  ) {
    const mode = payload.repository?.private ?? false ? 'mode=min,inline-only=true' : 'mode=max';
    args.push('--attest', `type=provenance,${resolveProvenanceAttrs(mode, payload)}`);
  }
  if (sbom) args.push('--attest', resolveAttestationAttrs(`type=sbom,${sbom}`));
  for (const attest of attests) {
    const isProvenance = hasAttestationType('provenance', attest);
    const isSbom = hasAttestationType('sbom', attest);
    if (!isProvenance && !isSbom) {
      args.push('--attest', resolveAttestationAttrs(attest));
    } else if (!provenance && isProvenance) {
      args.push('--attest', resolveProvenanceAttrs(attest, payload));
    } else if (!sbom && isSbom) {
      args.push('--attest', attest);
    }
  }
  return args;
}

/** A secret `KEY=VALUE` as [key, value] (Build.parseSecretKvp): both must be non-empty. */
function secretKvp(kvp) {
  const eq = kvp.indexOf('=');
  const key = eq < 0 ? '' : kvp.slice(0, eq);
  const value = kvp.slice(eq + 1);
  if (key.length === 0 || value.length === 0) throw new Error(`${kvp} is not a valid secret`);
  return [key, value];
}

/** A workflow command's data escaped as @actions/core escapes it. */
function escapeData(text) {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * build-push-action's default context: the Git context of the workflow's commit
 * (`<server>/<owner>/<repo>.git#<sha>`, Build.gitContext). rbuild builds directories: it stands
 * for the workspace's checkout of that commit.
 */
function defaultGitContext(payload) {
  const server = process.env.GITHUB_SERVER_URL || 'https://github.com';
  let ref = process.env.GITHUB_REF || '';
  if (!ref.startsWith('refs/')) ref = `refs/heads/${ref}`;
  return `${server}/${repository(payload)}.git#${process.env.GITHUB_SHA || ref}`;
}

/** `{{defaultContext}}` (build-push-action's template, in context and build-contexts) expanded. */
function expandDefaultContext(text, defaultContext) {
  return text.replace(/\{\{\s*defaultContext\s*\}\}/g, defaultContext);
}

/**
 * The directory a value made from the default Git context stands for: the workspace, or
 * `<default>:subdir` its subdirectory; null for any other value.
 */
function checkoutPath(value, defaultContext, what) {
  if (!value.startsWith(defaultContext)) return null;
  const rest = value.slice(defaultContext.length);
  const workspace = process.env.GITHUB_WORKSPACE || '.';
  if (rest === '') return workspace;
  if (rest.startsWith(':')) return path.join(workspace, rest.slice(1));
  throw new Error(
    `input ${what}: ${JSON.stringify(value)}: rbuild builds the workspace's checkout for the default Git context, ` +
      'and takes only `{{defaultContext}}` or `{{defaultContext}}:subdir`',
  );
}

/** Whether a context names a remote one: a URL or a Git address (Util.isValidRef). */
function isRemoteContext(context) {
  if (/^https?:\/\//.test(context)) {
    try {
      new URL(context);
      return true;
    } catch {
      return false;
    }
  }
  return ['git://', 'github.com/', 'git@'].some((prefix) => context.startsWith(prefix));
}

/** The context directory rbuild builds (the `context` input). */
function contextArg(defaultContext) {
  const context = expandDefaultContext(input('context'), defaultContext) || defaultContext;
  const checkout = checkoutPath(context, defaultContext, 'context');
  if (checkout !== null) {
    console.log(`context: build-push-action's default is the Git context ${context}; rbuild builds its checkout, ${checkout}`);
    return { context, dir: checkout };
  }
  if (isRemoteContext(context)) {
    throw new Error(
      `input context: ${JSON.stringify(context)} is a remote context, and rbuild builds a local directory: ` +
        'check the repository out (actions/checkout) and give its path, or leave context empty for the workspace',
    );
  }
  return { context, dir: context };
}

/**
 * `rbuild build`'s arguments for the inputs, with `metadata` and `iidfile` as the files rbuild
 * writes its results to, and the environment they need (secret values travel there, never on
 * the command line).
 */
function buildArgs({ metadata, iidfile }) {
  const payload = eventPayload();
  const env = {};
  let secretCount = 0;
  const secretEnv = (value) => {
    secretCount += 1;
    const name = `RBUILD_SECRET_${secretCount}`;
    env[name] = value;
    return name;
  };
  const warn = (message) => console.log(`::warning::${escapeData(message)}`);
  const defaultContext = defaultGitContext(payload);
  const { context, dir } = contextArg(defaultContext);
  const outputs = listInput('outputs', { ignoreComma: true, quote: false });
  const load = boolInput('load');
  const secrets = listInput('secrets', { ignoreComma: true, trimWhitespace: false });

  const args = ['build', '--progress', 'plain'];
  for (const h of listInput('add-hosts')) args.push('--add-host', h);
  for (const a of listInput('allow')) args.push('--allow', a);
  for (const a of listInput('annotations', { ignoreComma: true })) args.push('--annotation', a);
  for (const a of listInput('build-args', { ignoreComma: true })) args.push('--build-arg', a);
  // checks: false skips every rule, as BUILDKIT_DOCKERFILE_CHECK=skip=all does for buildx.
  if (!boolInput('checks', true)) args.push('--build-arg', 'BUILDKIT_DOCKERFILE_CHECK=skip=all');
  for (const c of listInput('build-contexts', { ignoreComma: true })) {
    const spec = expandDefaultContext(c, defaultContext);
    const eq = spec.indexOf('=');
    const checkout = eq < 0 ? null : checkoutPath(spec.slice(eq + 1), defaultContext, 'build-contexts');
    args.push('--build-context', checkout === null ? spec : `${spec.slice(0, eq)}=${checkout}`);
  }
  args.push(...cacheArgs());
  if (input('call')) args.push('--call', input('call'));
  if (input('cgroup-parent')) args.push('--cgroup-parent', input('cgroup-parent'));
  for (const s of listInput('secret-envs')) {
    try {
      const [id, variable] = secretKvp(s);
      args.push('--secret', `id=${id},env=${variable}`);
    } catch (e) {
      warn(e.message);
    }
  }
  if (input('file')) args.push('--file', input('file'));
  if (!hasExporterType('local', outputs) && !hasExporterType('tar', outputs)) args.push('--iidfile', iidfile);
  for (const l of listInput('labels', { ignoreComma: true })) args.push('--label', l);
  for (const f of listInput('no-cache-filters')) args.push('--no-cache-filter', f);
  for (const o of outputs) args.push('--output', o);
  const platforms = listInput('platforms');
  if (platforms.length > 0) args.push('--platform', platforms.join(','));
  args.push(...attestArgs(outputs, load, payload));
  for (const s of secrets) {
    try {
      const [id, value] = secretKvp(s);
      console.log(`::add-mask::${escapeData(value)}`);
      args.push('--secret', `id=${id},env=${secretEnv(value)}`);
    } catch (e) {
      warn(e.message);
    }
  }
  for (const s of listInput('secret-files', { ignoreComma: true })) {
    try {
      const [id, file] = secretKvp(s);
      if (!fs.existsSync(file)) throw new Error(`secret file ${file} not found`);
      args.push('--secret', `id=${id},src=${file}`);
    } catch (e) {
      warn(e.message);
    }
  }
  // As build-push-action for its Git context: the token reaches git sources of the server
  // (ADD <git>) unless a GIT_AUTH_TOKEN secret is given.
  const token = input('github-token');
  if (token && !secrets.some((s) => s.startsWith('GIT_AUTH_TOKEN=')) && context.startsWith(defaultContext)) {
    const host = new URL(process.env.GITHUB_SERVER_URL || 'https://github.com').host;
    args.push('--secret', `id=GIT_AUTH_TOKEN.${host},env=${secretEnv(token)}`);
  }
  if (input('shm-size')) args.push('--shm-size', input('shm-size'));
  for (const s of listInput('ssh')) args.push('--ssh', s);
  for (const t of listInput('tags')) args.push('--tag', t);
  if (input('target')) args.push('--target', input('target'));
  for (const u of listInput('ulimit', { ignoreComma: true })) args.push('--ulimit', u);
  if (input('builder')) {
    console.log(`builder: rbuild builds on this runner itself, without a buildx builder; ${JSON.stringify(input('builder'))} selects nothing`);
  }
  if (load) args.push('--load');
  args.push('--metadata-file', metadata);
  if (input('network')) args.push('--network', input('network'));
  if (boolInput('no-cache')) args.push('--no-cache');
  if (boolInput('pull')) args.push('--pull');
  if (boolInput('push')) args.push('--push');
  args.push(dir);
  return { args, env };
}

/**
 * `--cache-from`/`--cache-to` for cache-from and cache-to, or for rbuild's cache-server when
 * neither is given (a repository per branch scope); mount-caches: false adds
 * `mount-caches=false` to each spec that does not say.
 */
function cacheArgs() {
  let from = listInput('cache-from', { ignoreComma: true });
  let to = listInput('cache-to', { ignoreComma: true });
  const server = input('cache-server');
  if (server && from.length === 0 && to.length === 0) {
    const host = server.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
    const repo = (process.env.GITHUB_REPOSITORY || 'rbuild').toLowerCase();
    from = [`type=registry,ref=${host}/${repo}/{scope}`];
    to = [`type=registry,ref=${host}/${repo}/{scope},mode=max`];
  }
  const mounts = boolInput('mount-caches', true);
  // A bare reference (`user/app:cache`) is spelled out before an attribute joins it.
  const withMounts = (spec) => {
    if (mounts || /(^|,)mount-caches=/.test(spec)) return spec;
    return `${spec.includes('=') ? spec : `type=registry,ref=${spec}`},mount-caches=false`;
  };
  return [...from.flatMap((c) => ['--cache-from', withMounts(c)]), ...to.flatMap((c) => ['--cache-to', withMounts(c)])];
}

module.exports = { input, boolInput, listInput, getList, parseCsv, envBool, buildArgs };
