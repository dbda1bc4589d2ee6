// Drives the real @actions/cache (cache service v2) and @azure/storage-blob against the cache
// server, for cache-server/tests/it/gha.rs. Environment: ACTIONS_RESULTS_URL,
// ACTIONS_CACHE_SERVICE_V2=true, ACTIONS_RUNTIME_TOKEN, RUNNER_TEMP, GITHUB_WORKSPACE (= cwd).
// Prints one line `RESULT <json>` at the end.
//
//   node gha.js save <key> <path>...                      -> {"id": <entry id or -1>}
//   node gha.js restore <key> <restore-keys,comma,separated|-> <path>...  -> {"key": <matched or null>}
//   node gha.js blocks <key> <bytes> [seed]               -> Put Block + Put Block List upload,
//        then parallel ranged download through the SDK: {"uploaded": sha256, "downloaded": [sha256...]}
//        (random bytes, or with a seed: sha256(seed), sha256 of that, ... concatenated)
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

function result(value) {
  process.stdout.write(`RESULT ${JSON.stringify(value)}\n`);
}

async function twirp(method, body) {
  const base = process.env.ACTIONS_RESULTS_URL;
  const url = new URL(`/twirp/github.actions.results.api.v1.CacheService/${method}`, base);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${process.env.ACTIONS_RUNTIME_TOKEN}`,
    },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

function seeded(seed, bytes) {
  const parts = [];
  let block = crypto.createHash('sha256').update(seed).digest();
  for (let len = 0; len < bytes; len += block.length) {
    parts.push(block);
    block = crypto.createHash('sha256').update(block).digest();
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

async function blocks(key, bytes, seed) {
  const { BlockBlobClient, BlobClient } = require('@azure/storage-blob');
  const data = seed === undefined ? crypto.randomBytes(bytes) : seeded(seed, bytes);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gha-blocks-')), 'archive');
  fs.writeFileSync(file, data);
  const version = 'blocks-v1';
  const created = await twirp('CreateCacheEntry', { key, version });
  const client = new BlockBlobClient(created.signed_upload_url);
  const upload = await client.uploadFile(file, {
    blockSize: 256 * 1024,
    concurrency: 4,
    maxSingleShotSize: 64 * 1024,
  });
  if (upload._response.status !== 201) throw new Error(`upload status ${upload._response.status}`);
  await twirp('FinalizeCacheEntryUpload', { key, version, size_bytes: String(bytes) });
  const found = await twirp('GetCacheEntryDownloadURL', { key, version, restore_keys: [] });
  const blob = new BlobClient(found.signed_download_url);
  const props = await blob.getProperties();
  const parallel = await blob.downloadToBuffer(0, undefined, {
    blockSize: 100 * 1024,
    concurrency: 4,
  });
  const ranged = await blob.downloadToBuffer(1000, 5000);
  const out = path.join(path.dirname(file), 'downloaded');
  await blob.downloadToFile(out);
  result({
    uploaded: sha256(data),
    size: props.contentLength,
    downloaded: [sha256(parallel), sha256(fs.readFileSync(out))],
    ranged_ok: Buffer.compare(ranged, data.subarray(1000, 6000)) === 0,
  });
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const cache = require('@actions/cache');
  if (command === 'save') {
    const [key, ...paths] = args;
    result({ id: await cache.saveCache(paths, key) });
  } else if (command === 'restore') {
    const [key, restore, ...paths] = args;
    const restoreKeys = restore === '-' ? [] : restore.split(',');
    const matched = await cache.restoreCache(paths, key, restoreKeys);
    result({ key: matched === undefined ? null : matched });
  } else if (command === 'blocks') {
    await blocks(args[0], Number(args[1]), args[2]);
  } else {
    throw new Error(`unknown command ${command}`);
  }
}

main().catch((error) => {
  process.stderr.write(`gha.js failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
