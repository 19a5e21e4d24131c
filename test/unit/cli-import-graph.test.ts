/**
 * The client commands of the CLI (`swiftly compute server list`,
 * `swiftly ring …`, `swift-ring-builder …`) import what a client needs and
 * nothing of the servers: every call is a fresh process, and loading
 * fastify, pino, prom-client, amqplib, better-sqlite3 or the compute
 * services cost 0.3–0.5 s of CPU per call. Each command module
 * is imported in a child node whose imports are recorded
 * (test/helpers/import-recorder.ts); none may reach a server package or a
 * server module of ours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = fileURLToPath(new URL('../../', import.meta.url));
const recorder = new URL('../helpers/import-recorder.js', import.meta.url).href;

/** Packages only servers need. */
const SERVER_PACKAGES = ['fastify', 'pino', 'amqplib', 'better-sqlite3', 'prom-client', 'pg'];
/** Our modules a compute client may import: the client face and the image API's HTTP client. */
const COMPUTE_CLIENT = [/\/compute\/client\.js$/, /\/compute\/client\//, /\/compute\/image\/glance-client\.js$/];

function packageOf(url: string): string | undefined {
  return /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
}

function serverModule(url: string): boolean {
  const pkg = packageOf(url);
  if (pkg) return SERVER_PACKAGES.includes(pkg);
  if (!url.startsWith(pathToFileURL(dist).href)) return false;
  const rel = url.slice(pathToFileURL(dist).href.length);
  if (/^(proxy|storage|consistency|dashboard)\//.test(rel)) return true;
  return rel.startsWith('compute/') && !COMPUTE_CLIENT.some((re) => re.test('/' + rel));
}

/** Each `.js` file under `dir` whose path matches `keep`. */
function modulesUnder(dir: string, keep: (rel: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js') && keep(f))
    .map((f) => pathToFileURL(join(dir, f)).href);
}

/** The server modules that importing `modules` reaches, each with the import chain that got there. */
async function serverImports(modules: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-imports-'));
  try {
    const record = join(dir, 'imports');
    const script = modules.map((m) => `await import(${JSON.stringify(m)});`).join('\n');
    await promisify(execFile)(process.execPath, ['--import', recorder, '--input-type=module', '-e', script], {
      env: { ...process.env, IMPORT_RECORD_FILE: record },
      timeout: 60_000,
    });
    const parent = new Map<string, string>();
    for (const line of readFileSync(record, 'utf8').split('\n').filter(Boolean)) {
      const [from, url] = line.split(' ');
      if (!parent.has(url) || parent.get(url) === '-') parent.set(url, from);
    }
    const short = (u: string) => u.replace(pathToFileURL(dist).href, '').replace(/^.*\/node_modules\//, '');
    const chain = (url: string) => {
      const steps = [url];
      for (let p = parent.get(url); p && p !== '-' && !steps.includes(p) && steps.length < 20; p = parent.get(p)) steps.unshift(p);
      return steps.filter((s) => !s.includes('[eval')).map(short).join(' → ');
    };
    // The first server module on each import chain: the edge that should not exist.
    const reached = [...parent.keys()].filter((u) => serverModule(u));
    const edges = reached.filter((u) => parent.get(u) !== '-' && !serverModule(parent.get(u)!));
    // A package that only CommonJS code required, named once.
    const imported = new Set(reached.filter((u) => parent.get(u) !== '-').map(packageOf));
    const required = reached.filter((u) => parent.get(u) === '-' && !imported.has(packageOf(u))).map((u) => `${packageOf(u) ?? short(u)} (required)`);
    return [...edges.map(chain), ...new Set(required)].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the compute client commands import no server package or server module', async () => {
  // The files directly in compute/ run the services (api, compute, scheduler, …); the topics below them are clients.
  const commands = modulesUnder(join(dist, 'cli/commands/compute'), (f) => f.includes('/'));
  assert.ok(commands.length > 40, `found ${commands.length} compute client commands`);
  assert.deepEqual(await serverImports(commands), []);
});

test('the ring commands and swift-ring-builder import no server package or server module', async () => {
  const modules = [...modulesUnder(join(dist, 'cli/commands/ring'), () => true), ...modulesUnder(join(dist, 'cli/ring-builder'), () => true)];
  assert.ok(modules.length > 20, `found ${modules.length} ring command modules`);
  assert.deepEqual(await serverImports(modules), []);
});
