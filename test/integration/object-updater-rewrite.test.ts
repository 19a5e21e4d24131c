/**
 * The object updater's rewrite of a partly delivered async_pending (the
 * replicas that accepted it recorded in `successes`): durable, through the
 * device's tmp dir, and never over a version newer than the one it read.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../common/index.js';
import { ObjectUpdater } from '../../consistency/index.js';
import { listenOnEphemeralPort, onePartitionRing } from '../helpers/fake-nodes.js';
import { TEST_SWIFT_CONF } from './helpers/object-server.js';

const HASH = 'ab'.repeat(16);
let root: string;
let suffixDir: string;
let servers: Server[];
let ports: number[];
/** Runs while container node 0 handles an update, before it answers 201 (node 1 always answers 503). */
let duringUpdate: () => void = () => undefined;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'swiftly-updater-'));
  servers = [201, 503].map((status) => createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (status === 201) duringUpdate();
      res.writeHead(status, { 'Content-Length': 0 }).end();
    });
  }));
  ports = await Promise.all(servers.map((s) => listenOnEphemeralPort(s)));
});
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(root, { recursive: true, force: true });
});

const update = (ts: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  op: 'PUT', account: 'AUTH_test', container: 'c', obj: 'o',
  headers: { 'x-timestamp': ts, 'x-size': '1', 'x-content-type': 'text/plain', 'x-etag': 'x' }, ...extra,
});

async function runUpdater(): Promise<ObjectUpdater> {
  const updater = new ObjectUpdater({
    conf: { devices: join(root, 'node'), mount_check: 'false', recon_cache_path: root, objects_per_second: '0' },
    swiftConf: TEST_SWIFT_CONF, logger: silentLogger,
  }, onePartitionRing(ports));
  try {
    await updater.runOnce(new AbortController().signal);
  } finally {
    await updater.close();
  }
  return updater;
}

function freshPending(name: string, body: string): string {
  rmSync(join(root, 'node'), { recursive: true, force: true });
  suffixDir = join(root, 'node', 'sda', 'async_pending', HASH.slice(-3));
  mkdirSync(suffixDir, { recursive: true });
  writeFileSync(join(suffixDir, name), body);
  return join(suffixDir, name);
}

test('a partial success is recorded durably through the tmp dir, leaving nothing beside the pending', async () => {
  const file = freshPending(`${HASH}-1700000000.00000`, update('1700000000.00000'));
  duringUpdate = () => undefined;
  const updater = await runUpdater();
  assert.equal(updater.stats.failures, 1);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).successes, [0]);
  assert.deepEqual(readdirSync(suffixDir), [`${HASH}-1700000000.00000`]);
  assert.deepEqual(readdirSync(join(root, 'node', 'sda', 'tmp')), [], 'the temp file was renamed into place');
});

test('a pending replaced while its update was in flight keeps the newer writer\'s version', async () => {
  const file = freshPending(`${HASH}-1700000001.00000`, update('1700000001.00000'));
  const theirs = update('1700000001.00000', { container_path: 'AUTH_test/c-shard' });
  duringUpdate = () => {
    // Published as the object server does: a new file renamed over the name.
    writeFileSync(join(root, 'theirs'), theirs);
    renameSync(join(root, 'theirs'), file);
  };
  await runUpdater();
  assert.equal(readFileSync(file, 'utf8'), theirs);
});

test('a pending removed while its update was in flight is not brought back', async () => {
  const file = freshPending(`${HASH}-1700000002.00000`, update('1700000002.00000'));
  duringUpdate = () => rmSync(file);
  await runUpdater();
  assert.equal(existsSync(file), false);
});

test('a newer pending of the same object landing meanwhile makes ours obsolete: it goes, the newer stays untouched', async () => {
  const older = freshPending(`${HASH}-1700000003.00000`, update('1700000003.00000'));
  const newer = join(suffixDir, `${HASH}-1700000004.00000`);
  duringUpdate = () => writeFileSync(newer, update('1700000004.00000'));
  await runUpdater();
  assert.equal(existsSync(older), false);
  assert.equal(readFileSync(newer, 'utf8'), update('1700000004.00000'));
});
