/**
 * The object sync stream stays framed: a file that fails after its frame
 * header went out aborts the stream (the receiver sees an error, never the
 * next frame's bytes in its place), and the receiver refuses files the
 * auditor would quarantine (no name, a .data without ETag).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { hashPath } from '../../common/index.js';
import { encodeTrailer } from '../../storage/object/index.js';
import { buildOffer, syncFrames } from '../../consistency/sync-sender.js';
import { http, startObjectServer, ts, TEST_SWIFT_CONF, type TestObjectServer } from './helpers/object-server.js';

let src: TestObjectServer;
let dst: TestObjectServer;
before(async () => {
  [src, dst] = await Promise.all([startObjectServer(), startObjectServer()]);
});
after(async () => {
  await src.close();
  await dst.close();
});

const PART = '7';
const hashOf = (o: string): string => hashPath(TEST_SWIFT_CONF.hashPath, 'a', 'c', o);
const partPath = (s: TestObjectServer): string => join(s.devices, 'sda', 'objects', PART);
const filesOf = (s: TestObjectServer, o: string): string[] => {
  const dir = join(partPath(s), hashOf(o).slice(-3), hashOf(o));
  return existsSync(dir) ? readdirSync(dir) : [];
};

async function put(o: string, body: string, t: number): Promise<void> {
  const r = await http(src.port, 'PUT', `/sda/${PART}/a/c/${o}`, { 'X-Timestamp': ts(t), 'Content-Type': 'text/plain', 'Content-Length': body.length }, body);
  assert.equal(r.status, 201);
}

/** SSYNC updates to dst with `body`: its answer, or the error the client saw. */
async function sendUpdates(body: Readable | Buffer): Promise<{ status: number; json: unknown } | { error: Error }> {
  try {
    const res = await request(`http://127.0.0.1:${dst.port}/sda/${PART}`, {
      method: 'SSYNC', headers: { 'X-Swiftly-Ssync': 'updates', 'Content-Type': 'application/octet-stream' }, body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: res.statusCode === 200 ? JSON.parse(text) : text };
  } catch (error) {
    return { error: error as Error };
  }
}

test('a file cut short after its frame header went out aborts the stream; the receiver takes nothing misaligned', async () => {
  await put('short', 'this one is cut short', 1700000000);
  await put('whole', 'this one is whole', 1700000001);
  const offer = await buildOffer(partPath(src), [hashOf('short').slice(-3), hashOf('whole').slice(-3)]);
  // The cut file first, so that a stream going on after it would put the next frame in its place.
  const wanted = { [hashOf('short')]: offer[hashOf('short')], [hashOf('whole')]: offer[hashOf('whole')] };
  const shortFile = join(partPath(src), hashOf('short').slice(-3), hashOf('short'), offer[hashOf('short')][0]);
  async function* cutAfterFirstHeader(): AsyncGenerator<Buffer> {
    let first = true;
    for await (const chunk of syncFrames(partPath(src), wanted)) {
      yield chunk;
      if (first) truncateSync(shortFile, 0); // the disk loses it between header and bytes
      first = false;
    }
  }

  const result = await sendUpdates(Readable.from(cutAfterFirstHeader()));
  assert.ok('error' in result, `the sender aborted the request (got an answer instead: ${JSON.stringify(result)})`);
  // The receiver learns of the abort a moment after the sender: wait for it to clean up.
  const tmpFiles = (): string[] => (existsSync(join(dst.devices, 'sda', 'tmp')) ? readdirSync(join(dst.devices, 'sda', 'tmp')) : []);
  for (let i = 0; i < 100 && tmpFiles().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(tmpFiles(), [], 'the partial temp file was removed');
  assert.deepEqual(filesOf(dst, 'short'), []);
});

test('the sender\'s frames throw when a file ends early after its header', async () => {
  await put('short2', 'cut', 1700000002);
  const offer = await buildOffer(partPath(src), [hashOf('short2').slice(-3)]);
  const name = offer[hashOf('short2')][0];
  const gen = syncFrames(partPath(src), { [hashOf('short2')]: [name] });
  const header = await gen.next();
  assert.match(header.value!.toString(), new RegExp(`^${hashOf('short2')} ${name.replace('.', '\\.')} \\d+ 3\\n$`));
  truncateSync(join(partPath(src), hashOf('short2').slice(-3), hashOf('short2'), name), 0);
  await assert.rejects(async () => {
    for (let r = await gen.next(); !r.done; r = await gen.next());
  }, { name: 'SyncStreamError' });
});

/** One frame of a `.data` file holding `data` with `metadata`. */
function frame(hash: string, filename: string, data: string, metadata: Record<string, string>): Buffer {
  const file = Buffer.concat([Buffer.from(data), encodeTrailer(metadata)]);
  return Buffer.concat([Buffer.from(`${hash} ${filename} ${file.length} ${data.length}\n`), file]);
}

test('the receiver refuses a file without a name, and a .data without an ETag', async () => {
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  const t = ts(1700000100);
  const meta = (o: string) => ({ name: `/a/c/${o}`, 'X-Timestamp': t, 'Content-Type': 'text/plain', 'Content-Length': '4', ETag: md5('data') });
  const { name: _n, ...noName } = meta('noname');
  const { ETag: _e, ...noEtag } = meta('noetag');
  const body = Buffer.concat([
    frame(hashOf('noname'), `${t}.data`, 'data', noName),
    frame(hashOf('noetag'), `${t}.data`, 'data', noEtag),
    frame(hashOf('sound'), `${t}.data`, 'data', meta('sound')),
  ]);
  const result = await sendUpdates(body);
  assert.ok(!('error' in result));
  assert.equal(result.status, 200);
  assert.deepEqual(result.json, { written: 1, rejected: [`${hashOf('noname')}/${t}.data`, `${hashOf('noetag')}/${t}.data`] });
  assert.deepEqual(filesOf(dst, 'sound'), [`${t}.data`]);
  assert.deepEqual(filesOf(dst, 'noname'), []);
  assert.deepEqual(filesOf(dst, 'noetag'), []);
});
