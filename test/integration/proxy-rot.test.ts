/**
 * Rot is not served: one replica of an object has a flipped byte, and GETs
 * go through swiftly's proxy (3 replicas, tempauth) until the proxy has
 * read that replica. Every GET either returns the right bytes or is cut;
 * none completes with wrong bytes (the proxy must not resume a body the
 * node cut as rotten from another node). The rotten copy ends up
 * quarantined, and the next GET returns the right bytes. A small object
 * (answered from the bytes read at open) and a large one (streamed, its
 * client reading slowly so that the socket buffers on the way are full
 * when the object server finds the rot: a cut that dropped what was still
 * buffered would look like an ordinary failure, and be resumed) are both
 * covered, and a segment of a static large object (the slo filter
 * relies on the object server's check rather than hashing each segment).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, readdirSync, writeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { loadSwiftConf, hashPath } from '../../common/index.js';
import { Ring } from '../../ring/index.js';
import { login, startSwiftlyCluster, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

let cluster: SwiftlyCluster;
let auth: { token: string; storageUrl: string };
before(async () => {
  cluster = await startSwiftlyCluster();
  auth = await login(cluster.authUrl, 'test:tester', 'testing');
  const res = await fetch(`${auth.storageUrl}/rot`, { method: 'PUT', headers: { 'x-auth-token': auth.token } });
  assert.ok(res.status === 201 || res.status === 202, `container PUT ${res.status}`);
});
after(async () => {
  await cluster?.stop();
});

interface Outcome {
  status: number;
  /** Whether the body arrived whole (all of Content-Length, then a clean end). */
  complete: boolean;
  body: Buffer;
}

/**
 * GET through the proxy; once 4 MiB are left, `pauseMs` holds the body
 * after each chunk, and 100 times that after the first (a slow client:
 * every buffer on the way is full when the object server reads the end,
 * and the proxy's reads of the node are often paused when its cut comes).
 */
function get(name: string, pauseMs = 0): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${auth.storageUrl}/rot/${name}`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { 'x-auth-token': auth.token }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let stalled = false;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        if (pauseMs && Number(res.headers['content-length']) - received < 4 * 1024 * 1024) {
          const stall = !stalled;
          stalled = true;
          res.pause();
          setTimeout(() => res.resume(), stall ? 100 * pauseMs : pauseMs);
        }
      });
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The object's replicas on disk: hash dirs and where each would be quarantined. */
function replicas(name: string): { hashDir: string; quarantined: string }[] {
  const etc = join(cluster.dir, 'etc');
  const swiftConf = loadSwiftConf(etc);
  const account = decodeURIComponent(new URL(auth.storageUrl).pathname.split('/')[2]);
  const ring = new Ring(etc, { ringName: 'object', hashPath: swiftConf.hashPath, reloadTime: 0 });
  const { partition, nodes } = ring.getNodes(account, 'rot', name);
  const hash = hashPath(swiftConf.hashPath, account, 'rot', name);
  return nodes.map((n) => {
    const device = join(cluster.dir, 'srv', n.device.replace(/^sdb/, ''), n.device);
    return {
      hashDir: join(device, 'objects', String(partition), hash.slice(-3), hash),
      quarantined: join(device, 'quarantined', 'objects', hash),
    };
  });
}

/** Flips one byte of the replica's data. */
function rot(hashDir: string, at: number): void {
  const data = readdirSync(hashDir).find((f) => f.endsWith('.data'))!;
  const fd = openSync(join(hashDir, data), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] ^= 0x20;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

async function rotOneReplica(name: string, size: number, pauseMs: number): Promise<{ cuts: number }> {
  const body = randomBytes(size);
  const put = await fetch(`${auth.storageUrl}/rot/${name}`, { method: 'PUT', headers: { 'x-auth-token': auth.token }, body });
  assert.equal(put.status, 201);
  return readPastRot(name, name, body, pauseMs);
}

/**
 * Rots the first replica of `rotten` and GETs `name` (that object, or a
 * large object with it as a segment) until the rotten copy is quarantined:
 * each GET is cut or returns `body`; the GET after the quarantine returns it.
 */
async function readPastRot(name: string, rotten: string, body: Buffer, pauseMs: number): Promise<{ cuts: number }> {
  const [bad] = replicas(rotten);
  rot(bad.hashDir, 10);
  let cuts = 0;
  // The proxy picks a primary at random: a few dozen GETs reach the rotten one.
  for (let i = 0; i < 40 && !existsSync(bad.quarantined); i++) {
    const got = await get(name, pauseMs);
    assert.equal(got.status, 200);
    if (!got.complete) {
      cuts++;
      continue;
    }
    assert.ok(got.body.equals(body), `GET ${i} completed with wrong bytes (${got.body.length} of ${body.length})`);
  }
  assert.ok(existsSync(bad.quarantined), 'the rotten replica was not quarantined');
  assert.ok(!existsSync(bad.hashDir), 'the rotten replica is still in place');
  const next = await get(name);
  assert.equal(next.status, 200);
  assert.ok(next.complete && next.body.equals(body), 'the GET after the quarantine did not return the object');
  return { cuts };
}

test('a small object read at open: the rotten replica answers 404 once quarantined, the client always gets the right bytes', { timeout: 60_000 }, async () => {
  const { cuts } = await rotOneReplica('small', 4096, 0);
  assert.equal(cuts, 0, 'a GET was cut although the rot was found before anything was sent');
});

test('a large streamed object: the GET that read the rotten replica is cut, never completed by another node', { timeout: 120_000 }, async () => {
  // (test/unit/proxy-get-verified-tail.test.ts plays the proxy's side of the cut exactly.)
  const { cuts } = await rotOneReplica('large', 8 * 1024 * 1024 + 123, 2);
  assert.equal(cuts, 1, 'the GET that found the rot was not cut');
});

test('a segment of a static large object: the GET that read its rotten replica is cut, never completed with its bytes', { timeout: 120_000 }, async () => {
  // The slo filter compares each segment's ETag and length with its
  // manifest's, not its MD5: the object server's check of the whole
  // segment's read is what keeps the rotten bytes from a complete body.
  const segs = { 'seg-1': randomBytes(1024 * 1024), 'seg-2': randomBytes(8 * 1024 * 1024 + 123) };
  for (const [name, data] of Object.entries(segs)) {
    const put = await fetch(`${auth.storageUrl}/rot/${name}`, { method: 'PUT', headers: { 'x-auth-token': auth.token }, body: data });
    assert.equal(put.status, 201);
  }
  const manifest = Object.entries(segs).map(([name, data]) => ({ path: `/rot/${name}`, etag: createHash('md5').update(data).digest('hex'), size_bytes: data.length }));
  const put = await fetch(`${auth.storageUrl}/rot/slo?multipart-manifest=put`, { method: 'PUT', headers: { 'x-auth-token': auth.token }, body: JSON.stringify(manifest) });
  assert.equal(put.status, 201, await put.text());
  const { cuts } = await readPastRot('slo', 'seg-2', Buffer.concat(Object.values(segs)), 2);
  assert.equal(cuts, 1, 'the GET that found the rot was not cut');
});
