/**
 * Test helper (not a test): what a Swift proxy in front of swiftly object
 * servers must show, driven with python-swiftclient's `swift` CLI and
 * direct HTTP. Shared by the Swift-DB-servers and all-swiftly variants.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashPath } from '../../../common/index.js';
import { listTree } from './object-server.js';
import type { SwiftCluster } from '../../helpers/swift-cluster.js';

const run = promisify(execFile);
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

export interface Session {
  storageUrl: string;
  token: string;
  swift(...args: string[]): Promise<string>;
  req(method: string, path: string, headers?: Record<string, string>, body?: Buffer | string): Promise<{ status: number; headers: Headers; body: Buffer }>;
}

export async function login(cluster: SwiftCluster): Promise<Session> {
  const auth = await fetch(cluster.authUrl, { headers: { 'X-Auth-User': cluster.user, 'X-Auth-Key': cluster.key } });
  assert.equal(auth.status, 200);
  const storageUrl = auth.headers.get('x-storage-url')!;
  const token = auth.headers.get('x-auth-token')!;
  assert.ok(storageUrl && token);
  return {
    storageUrl,
    token,
    swift: async (...args) => (await run('swift', ['-A', cluster.authUrl, '-U', cluster.user, '-K', cluster.key, ...args], { cwd: cluster.dir })).stdout,
    req: async (method, path, headers = {}, body) => {
      const res = await fetch(`${storageUrl}${path}`, { method, headers: { 'X-Auth-Token': token, ...headers }, body });
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    },
  };
}

/** The object's .data files across the cluster's object servers. */
function dataFiles(cluster: SwiftCluster, account: string, container: string, obj: string): string[] {
  const h = hashPath({ prefix: 'swiftlytestprefix', suffix: 'swiftlytestsuffix' }, account, container, obj);
  return cluster.objectDevices.flatMap((d) => listTree(d).filter((f) => f.includes(`/${h}/`) && f.endsWith('.data')));
}

export async function checkObjectsThroughProxy(cluster: SwiftCluster): Promise<void> {
  const s = await login(cluster);
  const account = decodeURIComponent(s.storageUrl.split('/').pop()!);

  // container + object upload and download with the swift CLI
  assert.ok([201, 202].includes((await s.req('PUT', '/c1')).status));
  const big = randomBytes(300 * 1024 + 17);
  writeFileSync(join(cluster.dir, 'big.bin'), big);
  await s.swift('upload', 'c1', 'big.bin', '--object-name', 'big');
  await s.swift('download', 'c1', 'big', '-o', join(cluster.dir, 'big.out'));
  assert.equal(md5(readFileSync(join(cluster.dir, 'big.out'))), md5(big));
  assert.equal(dataFiles(cluster, account, 'c1', 'big').length, 3, 'three replicas on the swiftly object servers');

  // PUT / GET / HEAD with metadata
  const body = 'The quick brown fox jumps over the lazy dog';
  const put = await s.req('PUT', '/c1/obj', { 'Content-Type': 'text/plain', 'X-Object-Meta-Color': 'red' }, body);
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('etag'), md5(body));
  const got = await s.req('GET', '/c1/obj');
  assert.equal(got.status, 200);
  assert.equal(got.body.toString(), body);
  assert.equal(got.headers.get('x-object-meta-color'), 'red');
  const head = await s.req('HEAD', '/c1/obj');
  assert.equal(head.headers.get('content-length'), String(body.length));
  assert.equal(head.headers.get('etag'), md5(body));
  assert.equal(head.headers.get('content-type'), 'text/plain');

  // ranges
  const r1 = await s.req('GET', '/c1/obj', { Range: 'bytes=4-8' });
  assert.equal(r1.status, 206);
  assert.equal(r1.body.toString(), 'quick');
  assert.equal(r1.headers.get('content-range'), `bytes 4-8/${body.length}`);
  const r2 = await s.req('GET', '/c1/obj', { Range: 'bytes=0-2,-3' });
  assert.equal(r2.status, 206);
  assert.match(r2.headers.get('content-type')!, /^multipart\/byteranges;\s*boundary=/);
  assert.ok(r2.body.toString().includes('The') && r2.body.toString().includes('dog'));
  const r3 = await s.req('GET', '/c1/obj', { Range: 'bytes=1000-2000' });
  assert.equal(r3.status, 416);
  const cond = await s.req('GET', '/c1/obj', { 'If-None-Match': md5(body) });
  assert.equal(cond.status, 304);

  // POST replaces user metadata
  assert.equal((await s.req('POST', '/c1/obj', { 'X-Object-Meta-Shape': 'round' })).status, 202);
  const head2 = await s.req('HEAD', '/c1/obj');
  assert.equal(head2.headers.get('x-object-meta-shape'), 'round');
  assert.equal(head2.headers.get('x-object-meta-color'), null);
  await s.swift('post', '-m', 'size:large', 'c1', 'obj');
  assert.match(await s.swift('stat', 'c1', 'obj'), /Meta Size: large/);

  // server-side copy (PUT with X-Copy-From, and COPY)
  assert.equal((await s.req('PUT', '/c1/copy', { 'X-Copy-From': 'c1/obj' }, '')).status, 201);
  assert.equal((await s.req('GET', '/c1/copy')).body.toString(), body);
  assert.equal((await s.req('COPY', '/c1/obj', { Destination: 'c1/copy2' })).status, 201);
  assert.equal((await s.req('GET', '/c1/copy2')).body.toString(), body);

  // overwrite
  assert.equal((await s.req('PUT', '/c1/obj', { 'Content-Type': 'text/plain' }, 'new content')).status, 201);
  assert.equal((await s.req('GET', '/c1/obj')).body.toString(), 'new content');

  // listings follow the object servers' container updates
  for (const n of ['dir/a', 'dir/b']) assert.equal((await s.req('PUT', `/c1/${n}`, {}, n)).status, 201);
  const listing = JSON.parse((await s.req('GET', '/c1?format=json')).body.toString()) as { name: string; bytes: number; hash: string }[];
  assert.deepEqual(listing.map((e) => e.name), ['big', 'copy', 'copy2', 'dir/a', 'dir/b', 'obj']);
  const objRow = listing.find((e) => e.name === 'obj')!;
  assert.equal(objRow.bytes, 'new content'.length);
  assert.equal(objRow.hash, md5('new content'));
  assert.equal(listing.find((e) => e.name === 'big')!.bytes, big.length);
  const delim = JSON.parse((await s.req('GET', '/c1?format=json&delimiter=/')).body.toString()) as { name?: string; subdir?: string }[];
  assert.deepEqual(delim.map((e) => e.name ?? e.subdir), ['big', 'copy', 'copy2', 'dir/', 'obj']);
  assert.equal((await s.swift('list', 'c1', '--prefix', 'dir/')).trim(), 'dir/a\ndir/b');
  const chead = await s.req('HEAD', '/c1');
  assert.equal(chead.headers.get('x-container-object-count'), '6');
  assert.equal(Number(chead.headers.get('x-container-bytes-used')), big.length + 2 * body.length + 'new content'.length + 10);

  // delete
  assert.equal((await s.req('DELETE', '/c1/obj')).status, 204);
  assert.equal((await s.req('GET', '/c1/obj')).status, 404);
  assert.equal((await s.req('DELETE', '/c1/obj')).status, 404);
  await s.swift('delete', 'c1', 'copy2');
  const after = JSON.parse((await s.req('GET', '/c1?format=json')).body.toString()) as { name: string }[];
  assert.deepEqual(after.map((e) => e.name), ['big', 'copy', 'dir/a', 'dir/b']);
  assert.match(await s.swift('stat', 'c1'), /Objects: 4/);

  // expiring objects vanish on read once X-Delete-At has passed
  // (the delay leaves room for a slow, loaded machine between PUT and GET)
  const deleteAt = Math.ceil(Date.now() / 1000) + 6;
  assert.equal((await s.req('PUT', '/c1/temp', { 'X-Delete-At': String(deleteAt) }, 'tmp')).status, 201);
  assert.equal((await s.req('GET', '/c1/temp')).status, 200);
  await new Promise((r) => setTimeout(r, Math.max(0, deleteAt * 1000 - Date.now()) + 1100));
  assert.equal((await s.req('GET', '/c1/temp')).status, 404);

  // account level: the container and its metadata
  assert.equal((await s.req('POST', '', { 'X-Account-Meta-Team': 'blue' })).status, 204);
  const ahead = await s.req('HEAD', '');
  assert.equal(ahead.headers.get('x-account-meta-team'), 'blue');
  assert.ok(Number(ahead.headers.get('x-account-container-count')) >= 1);
}
