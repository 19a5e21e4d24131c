/**
 * Bodies a storage server reads whole are bounded: container UPDATE, the
 * DB REPLICATE RPC and SSYNC's missing check answer 413 past their limit
 * (declared by Content-Length, or counted as a chunked body comes) instead
 * of buffering it; a DB upload cut off mid-way leaves no `.part` file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { REPLICATE_UPLOAD_HEADER } from '../../storage/index.js';
import { startDbServers, nextTs, type DbServers } from './db-test-servers.js';
import { startObjectServer, type TestObjectServer } from './helpers/object-server.js';

let db: DbServers;
let obj: TestObjectServer;
before(async () => {
  db = await startDbServers();
  obj = await startObjectServer();
});
after(async () => {
  await db?.close();
  await obj?.close();
});

const MiB = 1024 * 1024;

/**
 * A request on a connection of its own, its head sent at once and then
 * `chunks` body chunks while the server has not answered. Resolves with the
 * status of the answer, or 0 when none came within `waitMs`.
 */
function request(port: number, method: string, path: string, headers: Record<string, string>, chunks: Iterable<Buffer> = [], waitMs = 3000): Promise<number> {
  return new Promise((resolve) => {
    let answered = '';
    let sock: Socket | undefined;
    const done = (status: number): void => {
      clearTimeout(timer);
      sock?.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done(0), waitMs);
    sock = connect(port, '127.0.0.1', async () => {
      const head = Object.entries({ Host: 'x', 'X-Timestamp': nextTs(), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      sock!.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n`);
      for (const c of chunks) {
        if (answered) return;
        if (!sock!.write(c)) await new Promise((r) => sock!.once('drain', r));
      }
    });
    sock.on('data', (d: Buffer) => {
      answered += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d+)/.exec(answered);
      if (m) done(Number(m[1]));
    });
    sock.on('error', () => undefined);
  });
}

/** `n` chunks of 1 MiB in HTTP chunked encoding, each with its framing. */
function* chunked(n: number): Iterable<Buffer> {
  const data = Buffer.alloc(MiB, 0x20);
  const frame = Buffer.concat([Buffer.from(`${MiB.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
  for (let i = 0; i < n; i++) yield frame;
}

test('container UPDATE: a body declared or found past 64 MiB gets 413, a small one is merged', { timeout: 60_000 }, async () => {
  const port = db.container.port;
  const path = '/sda/0/a/limits';
  assert.equal(await request(port, 'PUT', path, { 'Content-Length': '0', 'X-Backend-Storage-Policy-Index': '0' }), 201);
  assert.equal(await request(port, 'UPDATE', path, { 'Content-Length': String(64 * MiB + 1) }), 413);
  assert.equal(await request(port, 'UPDATE', path, { 'Transfer-Encoding': 'chunked' }, chunked(70), 20_000), 413);
  const rows = Buffer.from(JSON.stringify([{ name: 'o', created_at: nextTs(), size: 1, content_type: 'x/y', etag: 'e', deleted: 0, storage_policy_index: 0 }]));
  assert.equal(await request(port, 'UPDATE', path, { 'Content-Length': String(rows.length) }, [rows]), 202);
});

test('DB REPLICATE: a JSON body past 64 MiB gets 413 (not a 400 for bad JSON)', { timeout: 60_000 }, async () => {
  const port = db.container.port;
  assert.equal(await request(port, 'REPLICATE', '/sda/0/0123456789abcdef0123456789abcdef', { 'Content-Length': String(64 * MiB + 1) }), 413);
  assert.equal(await request(port, 'REPLICATE', '/sda/0/0123456789abcdef0123456789abcdef', { 'Transfer-Encoding': 'chunked' }, chunked(70), 20_000), 413);
});

test('SSYNC missing check: a body declared past 32 MiB gets 413', { timeout: 20_000 }, async () => {
  assert.equal(await request(obj.port, 'SSYNC', '/sda/0', { 'Content-Length': String(32 * MiB + 1), 'X-Swiftly-Ssync': 'missing-check' }), 413);
});

test('a DB upload cut off mid-way leaves no .part file in tmp/', { timeout: 20_000 }, async () => {
  const tmp = join(db.devices, 'sda', 'tmp');
  const status = await request(db.container.port, 'REPLICATE', '/sda/0/0123456789abcdef0123456789abcdef', {
    [REPLICATE_UPLOAD_HEADER]: 'cut-upload', 'Content-Length': String(8 * MiB),
  }, [Buffer.alloc(MiB)], 500);
  assert.equal(status, 0, 'the server answered an upload it had only part of');
  const left = (): string[] => (existsSync(tmp) ? readdirSync(tmp).filter((f) => f.startsWith('cut-upload')) : []);
  for (let i = 0; i < 100 && left().length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(left(), []);
});
