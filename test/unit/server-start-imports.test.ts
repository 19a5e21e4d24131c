/**
 * What a server process loads before it listens: every module is CPU at
 * each start, and the tests start hundreds of servers. A proxy loads only the
 * filters its pipeline names (not the S3 layer, crypto or bulk when it names
 * none of them), and neither edge loads fastify's schema compilers (ajv) when
 * no route has a schema. Imports are recorded in a child node
 * (test/helpers/import-recorder.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const dist = new URL('../../', import.meta.url).href;
const recorder = new URL('../helpers/import-recorder.js', import.meta.url).href;

/** The URLs a child node imports or requires while running `script` (an ES module body). */
async function importsOf(script: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-imports-'));
  try {
    const record = join(dir, 'imports');
    await promisify(execFile)(process.execPath, ['--import', recorder, '--input-type=module', '-e', script], {
      env: { ...process.env, IMPORT_RECORD_FILE: record },
      timeout: 60_000,
    });
    return readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the proxy server module imports no filter factory: a pipeline loads the ones it names', async () => {
  const urls = await importsOf(`await import(${JSON.stringify(`${dist}proxy/server.js`)});`);
  assert.ok(urls.some((u) => u.endsWith('/proxy/server.js')), 'the recorder saw the import');
  const filters = ['s3/', 'filters/s3api.js', 'filters/crypto/', 'filters/bulk/', 'filters/slo/', 'filters/tempauth.js'].map((f) => `${dist}proxy/${f}`);
  assert.deepEqual(urls.filter((u) => filters.some((f) => u.startsWith(f))), []);
});

test('a storage edge, built, has not loaded ajv or its fastify compiler', async () => {
  const urls = await importsOf(`
    const { createBackendServer } = await import(${JSON.stringify(`${dist}storage/http/backend-server.js`)});
    const { createLogger } = await import(${JSON.stringify(`${dist}common/index.js`)});
    const app = createBackendServer({ logger: createLogger({ level: 'error' }), handler: async () => {} });
    await app.ready();
    await app.close();`);
  assert.ok(urls.some((u) => u.includes('/node_modules/fastify/')), 'the recorder saw fastify');
  assert.deepEqual(urls.filter((u) => /\/node_modules\/(ajv|@fastify\/ajv-compiler)\//.test(u)), []);
});
