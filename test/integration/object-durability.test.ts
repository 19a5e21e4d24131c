/**
 * kill -9 the object server (a child process) while PUTs stream into it;
 * after a restart every PUT that got 201 reads back intact and no object is
 * visible half-written.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'bin', 'swiftly.js');
const root = mkdtempSync(join(tmpdir(), 'swiftly-durable-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function startChild(conf: string): ChildProcess {
  return spawn(process.execPath, [bin, 'server', 'object', conf], { stdio: 'ignore' });
}

function get(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitUp(port: number): Promise<void> {
  // Generous: a loaded machine can take many seconds to start node.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    try {
      await get(port, '/sda/0/a/c/ping');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('object server did not start');
}

/** Streams `body` in chunks with small pauses; resolves with the status, or 0 when the connection died. */
function streamPut(port: number, name: string, body: Buffer, ts: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({
      host: '127.0.0.1', port, method: 'PUT', path: `/sda/0/a/c/${name}`, agent: false,
      headers: { 'X-Timestamp': ts, 'Content-Type': 'application/octet-stream', 'Content-Length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    let off = 0;
    const step = (): void => {
      if (off >= body.length) return void req.end();
      const n = Math.min(16384, body.length - off);
      req.write(body.subarray(off, off + n));
      off += n;
      setTimeout(step, 2);
    };
    step();
  });
}

test('kill -9 mid-stream: every 201 reads back intact, nothing half-written is visible', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const etc = join(root, 'etc');
  mkdirSync(join(root, 'node', 'sda'), { recursive: true });
  mkdirSync(etc);
  writeFileSync(join(etc, 'swift.conf'),
    '[swift-hash]\nswift_hash_path_prefix = swiftlytestprefix\nswift_hash_path_suffix = swiftlytestsuffix\n[storage-policy:0]\nname = gold\ndefault = yes\n');
  const conf = join(etc, 'object-server.conf');
  writeFileSync(conf, `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\ndevices = ${join(root, 'node')}\nmount_check = false\n` +
    `workers = 0\nswift_dir = ${etc}\nlog_level = error\n[app:object-server]\n`);

  let child = startChild(conf);
  await waitUp(port);
  const bodies = new Map<string, Buffer>();
  const results = new Map<string, number>();
  const inFlight: Promise<void>[] = [];
  let created = 0;
  let killed = false;
  const base = Math.floor(Date.now() / 1000);
  // 6 writers, each PUTting objects one after another until the kill
  for (let w = 0; w < 6; w++) {
    inFlight.push((async () => {
      for (let i = 0; !killed; i++) {
        const name = `w${w}-o${i}`;
        const body = randomBytes(64 * 1024 + ((w * 7919 + i * 104729) % 200_000));
        bodies.set(name, body);
        const status = await streamPut(port, name, body, `${base}.${String(w * 1000 + i).padStart(5, '0')}`);
        results.set(name, status);
        if (status === 201) created++;
      }
    })());
  }
  while (created < 12) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  killed = true;
  await new Promise((r) => child.once('exit', r));
  await Promise.all(inFlight);

  child = startChild(conf);
  try {
    await waitUp(port);
    let intact = 0;
    for (const [name, body] of bodies) {
      const res = await get(port, `/sda/0/a/c/${name}`);
      const want = createHash('md5').update(body).digest('hex');
      if (results.get(name) === 201) {
        assert.equal(res.status, 200, `${name} got 201 but is gone`);
        assert.equal(createHash('md5').update(res.body).digest('hex'), want, `${name} differs`);
        intact++;
      } else if (res.status === 200) {
        // committed just before the kill, reply lost: must still be whole
        assert.equal(createHash('md5').update(res.body).digest('hex'), want, `${name} visible but not whole`);
      } else {
        assert.equal(res.status, 404, name);
      }
    }
    assert.ok(intact >= 12);
    assert.ok([...results.values()].some((s) => s !== 201), 'some PUTs were cut by the kill');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
