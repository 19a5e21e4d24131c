import { createHash } from 'node:crypto';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdtempSync, mkdirSync, openSync, readdirSync, rmSync, rmdirSync, writeFileSync, writeSync, existsSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timestamp, hashPath } from '../../common/index.js';
import {
  FsDiskFileManager, gatherOnDiskFiles, filesToRemove, makeOnDiskFilename, parseOnDiskFilename, encodeTrailer, titleCase,
  getHashes, type DiskFile,
} from '../../storage/object/index.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-df-'));
mkdirSync(join(root, 'sda'));
after(() => rmSync(root, { recursive: true, force: true }));
const secrets = { prefix: 'p', suffix: 's' };
const manager = new FsDiskFileManager({ devices: root, mountCheck: false, reclaimAge: 604800, diskChunkSize: 4, hashSecrets: secrets });
const T = (s: number): Timestamp => new Timestamp(s * 100000);
const names = (...n: string[]): string[] => n;

async function writeObject(df: DiskFile, t: Timestamp, body: string, extra: Record<string, string> = {}): Promise<void> {
  const w = await df.writer();
  await new Promise<void>((r) => w.stream.end(Buffer.from(body), () => r()));
  // The data's real MD5: a whole read checks it.
  const etag = createHash('md5').update(body).digest('hex');
  await w.put({ 'X-Timestamp': t.internal, 'Content-Length': String(Buffer.byteLength(body)), ETag: etag, 'Content-Type': 'text/plain', ...extra });
  await w.commit(t);
}

async function readAll(df: DiskFile, now = T(2000000000)): Promise<{ body: string; metadata: Record<string, string> } | string> {
  const st = await df.open(now);
  if (st.status !== 'exists') return st.status;
  const chunks: Buffer[] = [];
  for await (const c of st.object.read(0, st.object.contentLength)) chunks.push(c as Buffer);
  await st.object.close();
  return { body: Buffer.concat(chunks).toString(), metadata: st.object.metadata };
}

test('file names: Swift\'s forms, with the content-type delta on .meta', () => {
  assert.equal(makeOnDiskFilename(T(100), '.data'), '0000000100.00000.data');
  assert.equal(makeOnDiskFilename(T(100), '.meta', T(100)), '0000000100.00000+0.meta');
  assert.equal(makeOnDiskFilename(T(100), '.meta', T(99)), '0000000100.00000-186a0.meta');
  assert.equal(parseOnDiskFilename('0000000100.00000-186a0.meta')!.ctypeTimestamp!.internal, '0000000099.00000');
  assert.equal(parseOnDiskFilename('0000000100.00000_000000000000000a.ts')!.timestamp.offset, 10n);
  assert.equal(parseOnDiskFilename('junk'), undefined);
  assert.equal(parseOnDiskFilename('0000000100.00000+1.data'), undefined);
});

test('cleanup rules: newest .data/.ts wins, newer .meta kept, older files obsolete', () => {
  const f = gatherOnDiskFiles(names('0000000001.00000.data', '0000000002.00000.data', '0000000003.00000.meta', '0000000001.50000.meta', '0000000000.50000.ts'));
  assert.equal(f.data!.filename, '0000000002.00000.data');
  assert.equal(f.meta!.filename, '0000000003.00000.meta');
  assert.deepEqual(f.obsolete.map((x) => x.filename).sort(), ['0000000000.50000.ts', '0000000001.00000.data', '0000000001.50000.meta']);

  const ts = gatherOnDiskFiles(names('0000000001.00000.data', '0000000002.00000.ts', '0000000003.00000.meta'));
  assert.equal(ts.data, undefined);
  assert.equal(ts.ts!.filename, '0000000002.00000.ts');
  assert.deepEqual(ts.obsolete.map((x) => x.filename), ['0000000001.00000.data']);
  assert.deepEqual(ts.possibleReclaim.map((x) => x.filename), ['0000000003.00000.meta']);

  // the newest .meta plus an older one that carries a newer content-type
  const ct = gatherOnDiskFiles(names('0000000001.00000.data', '0000000005.00000.meta', '0000000004.00000+0.meta', '0000000003.00000+0.meta'));
  assert.equal(ct.meta!.filename, '0000000005.00000.meta');
  assert.equal(ct.ctype!.filename, '0000000004.00000+0.meta');
  assert.deepEqual(ct.obsolete.map((x) => x.filename), ['0000000003.00000+0.meta']);

  const reclaim = gatherOnDiskFiles(names('0000000002.00000.ts'));
  assert.deepEqual(filesToRemove(reclaim, T(2 + 604800 - 1), 604800), []);
  assert.deepEqual(filesToRemove(reclaim, T(2 + 604801), 604800).map((x) => x.filename), ['0000000002.00000.ts']);
  assert.deepEqual(gatherOnDiskFiles(names('x.tmp')).unexpected, ['x.tmp']);
});

test('titleCase is Python\'s str.title()', () => {
  assert.equal(titleCase('x-object-meta-foo_bar'), 'X-Object-Meta-Foo_Bar');
  assert.equal(titleCase('x-object-meta-a1b'), 'X-Object-Meta-A1B');
  assert.equal(titleCase('CONTENT-TYPE'), 'Content-Type');
});

test('a committed object lands at objects/<part>/<suffix>/<hash>/<ts>.data with its metadata in the trailer', async () => {
  const df = await manager.diskFile('sda', '17', 'a', 'c', 'o', 0);
  const h = hashPath(secrets, 'a', 'c', 'o');
  assert.equal(df.hash, h);
  assert.equal(df.suffix, h.slice(-3));
  await writeObject(df, T(1000), 'hello world', { 'X-Object-Meta-K': 'v' });
  const dir = join(root, 'sda', 'objects', '17', h.slice(-3), h);
  assert.deepEqual(readdirSync(dir), ['0000001000.00000.data']);
  const raw = readFileSync(join(dir, '0000001000.00000.data'));
  assert.equal(raw.subarray(0, 11).toString(), 'hello world');
  assert.equal(raw.subarray(raw.length - 8).toString(), 'SWYMETA1');
  assert.deepEqual(readdirSync(join(root, 'sda', 'tmp')), []);
  assert.equal(readFileSync(join(root, 'sda', 'objects', '17', 'hashes.invalid'), 'utf8'), `${h.slice(-3)}\n`);
  const got = await readAll(df);
  assert.ok(typeof got !== 'string');
  assert.equal(got.body, 'hello world');
  assert.equal(got.metadata['X-Object-Meta-K'], 'v');
  assert.equal(got.metadata.name, '/a/c/o');
  // ranged reads in small disk chunks
  const st = await df.open(T(2000));
  assert.equal(st.status, 'exists');
  if (st.status === 'exists') {
    const parts: Buffer[] = [];
    for await (const c of st.object.read(3, 9)) parts.push(c as Buffer);
    assert.equal(Buffer.concat(parts).toString(), 'lo wor');
    await st.object.close();
  }
});

test('a small object read whole at open hands out its bytes without a stream; a large one streams', async () => {
  const small = await manager.diskFile('sda', '18', 'a', 'c', 'small', 0);
  await writeObject(small, T(1000), 'hello world');
  const st = await small.open(T(2000));
  assert.equal(st.status, 'exists');
  if (st.status === 'exists') {
    assert.equal(st.object.bytes(0, 11)?.toString(), 'hello world');
    assert.equal(st.object.bytes(3, 9)?.toString(), 'lo wor');
    // never past the data into the trailer, and an empty range is empty
    assert.equal(st.object.bytes(6, 100)?.toString(), 'world');
    assert.equal(st.object.bytes(5, 5)?.length, 0);
    await st.object.close();
  }
  const body = 'x'.repeat(64 * 1024);
  const large = await manager.diskFile('sda', '18', 'a', 'c', 'large', 0);
  await writeObject(large, T(1000), body);
  const big = await large.open(T(2000));
  assert.equal(big.status, 'exists');
  if (big.status === 'exists') {
    assert.equal(big.object.bytes(0, body.length), undefined);
    const chunks: Buffer[] = [];
    for await (const c of big.object.read(0, body.length)) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), body);
    await big.object.close();
  }
});

test('an aborted writer leaves nothing; a newer PUT cleans up the older .data', async () => {
  const df = await manager.diskFile('sda', '1', 'a', 'c', 'w', 0);
  const w = await df.writer();
  w.stream.write(Buffer.from('partial'));
  await w.abort();
  assert.deepEqual(readdirSync(join(root, 'sda', 'tmp')), []);
  assert.equal(await readAll(df), 'missing');
  await writeObject(df, T(10), 'one');
  await writeObject(df, T(20), 'two');
  assert.deepEqual(readdirSync(join(root, 'sda', 'objects', '1', df.suffix, df.hash)), ['0000000020.00000.data']);
});

test('tombstones hide the object and are reported with their timestamp', async () => {
  const df = await manager.diskFile('sda', '1', 'a', 'c', 'del', 0);
  await writeObject(df, T(2000000000 - 10), 'x');
  await df.delete(T(2000000000 - 5));
  const st = await df.open(T(2000000000));
  assert.equal(st.status, 'deleted');
  if (st.status === 'deleted') assert.equal(st.timestamp.internal, '1999999995.00000');
  assert.deepEqual(readdirSync(join(root, 'sda', 'objects', '1', df.suffix, df.hash)), ['1999999995.00000.ts']);
});

test('.meta merge: user metadata replaced, data-file keys and sysmeta kept, content-type by its timestamp', async () => {
  const df = await manager.diskFile('sda', '1', 'a', 'c', 'meta', 0);
  await writeObject(df, T(100), 'x', { 'X-Object-Meta-Old': '1', 'X-Object-Sysmeta-S': 's', 'X-Static-Large-Object': 'True' });
  await df.writeMetadata({ 'X-Timestamp': T(200).internal, 'X-Object-Meta-New': '2', 'Content-Type': 'image/png', 'Content-Type-Timestamp': T(200).internal }, T(200), T(200));
  await df.writeMetadata({ 'X-Timestamp': T(300).internal, 'X-Object-Meta-Newer': '3' }, T(300));
  const st = await df.open(T(1000));
  assert.equal(st.status, 'exists');
  if (st.status !== 'exists') return;
  const m = st.object.metadata;
  await st.object.close();
  assert.equal(m['X-Object-Meta-Old'], undefined);
  assert.equal(m['X-Object-Meta-New'], undefined);
  assert.equal(m['X-Object-Meta-Newer'], '3');
  assert.equal(m['X-Object-Sysmeta-S'], 's');
  assert.equal(m['X-Static-Large-Object'], 'True');
  assert.equal(m['Content-Length'], '1');
  assert.equal(m['Content-Type'], 'image/png');
  assert.equal(m['X-Timestamp'], T(300).internal);
  assert.equal(st.object.dataTimestamp.internal, T(100).internal);
  assert.equal(st.object.contentTypeTimestamp.internal, T(200).internal);
  assert.deepEqual(readdirSync(join(root, 'sda', 'objects', '1', df.suffix, df.hash)).sort(),
    ['0000000100.00000.data', '0000000200.00000+0.meta', '0000000300.00000.meta']);
});

test('X-Delete-At in the past reads as expired', async () => {
  const df = await manager.diskFile('sda', '1', 'a', 'c', 'exp', 0);
  await writeObject(df, T(100), 'x', { 'X-Delete-At': '150' });
  const before = await df.open(T(149));
  assert.equal(before.status, 'exists');
  if (before.status === 'exists') await before.object.close();
  const st = await df.open(T(150));
  assert.equal(st.status, 'expired');
  if (st.status === 'expired') await st.object.close();
  const forReplication = await df.open(T(150), { openExpired: true });
  assert.equal(forReplication.status, 'exists');
  if (forReplication.status === 'exists') await forReplication.object.close();
});

test('a data file with a damaged trailer is quarantined and reads as missing', async () => {
  const df = await manager.diskFile('sda', '1', 'a', 'c', 'bad', 0);
  await writeObject(df, T(100), 'data');
  const dir = join(root, 'sda', 'objects', '1', df.suffix, df.hash);
  writeFileSync(join(dir, '0000000100.00000.data'), 'garbage without trailer');
  assert.equal(await readAll(df), 'missing');
  assert.ok(!existsSync(dir));
  assert.ok(existsSync(join(root, 'sda', 'quarantined', 'objects', df.hash, '0000000100.00000.data')));
  // a trailer whose Content-Length disagrees with the data is damage too
  await writeObject(df, T(200), 'data');
  const good = readFileSync(join(dir, '0000000200.00000.data'));
  writeFileSync(join(dir, '0000000200.00000.data'), Buffer.concat([Buffer.from('extra'), good]));
  assert.equal(await readAll(df), 'missing');
  assert.equal(encodeTrailer({}).subarray(-8).toString(), 'SWYMETA1');
});

test('policy N uses objects-N and tmp-N; unknown devices are unavailable', async () => {
  const df = await manager.diskFile('sda', '3', 'a', 'c', 'pol', 2);
  await writeObject(df, T(100), 'x');
  assert.ok(existsSync(join(root, 'sda', 'objects-2', '3', df.suffix, df.hash, '0000000100.00000.data')));
  assert.ok(existsSync(join(root, 'sda', 'tmp-2')));
  await assert.rejects(manager.diskFile('nope', '1', 'a', 'c', 'o', 0), { name: 'DeviceUnavailableError' });
  const checked = new FsDiskFileManager({ devices: root, mountCheck: true, reclaimAge: 1, diskChunkSize: 4, hashSecrets: secrets });
  await assert.rejects(checked.devicePath('sda'), { name: 'DeviceUnavailableError' });
});

test('suffix hashes: computed per suffix, cached, changed by invalidated writes, empty suffixes dropped', async () => {
  const a = await manager.diskFile('sda', '9', 'a', 'c', 'h1', 0);
  await writeObject(a, T(100), 'x');
  const part = join(root, 'sda', 'objects', '9');
  const h1 = await getHashes(part, [], { reclaimAge: 604800, now: T(1000) });
  assert.deepEqual(Object.keys(h1), [a.suffix]);
  assert.ok(!existsSync(join(part, 'hashes.invalid')));
  assert.deepEqual(await getHashes(part, [], { reclaimAge: 604800, now: T(1000) }), h1);
  await writeObject(a, T(200), 'y');
  const h2 = await getHashes(part, [], { reclaimAge: 604800, now: T(1000) });
  assert.notEqual(h2[a.suffix], h1[a.suffix]);
  // a tombstone past reclaim_age is reclaimed by the rehash, emptying the suffix
  await a.delete(T(300));
  const h3 = await getHashes(part, [], { reclaimAge: 10, now: T(1000) });
  assert.deepEqual(h3, {});
  assert.ok(!existsSync(join(part, a.suffix)));
  // same files → same hash on another partition path (replicas agree)
  const b = await manager.diskFile('sda', '10', 'a', 'c', 'h1', 0);
  await writeObject(b, T(200), 'y');
  const hb = await getHashes(join(root, 'sda', 'objects', '10'), [], { reclaimAge: 604800, now: T(1000) });
  assert.equal(hb[b.suffix], h2[a.suffix]);
});

test('suffix rehashes wait for the partition lock of another process, and take over a stale one', async () => {
  const df = await manager.diskFile('sda', '11', 'a', 'c', 'lock', 0);
  await writeObject(df, T(100), 'x');
  const part = join(root, 'sda', 'objects', '11');
  mkdirSync(join(part, '.lock')); // the lock dir another process holds
  let done = false;
  const pending = getHashes(part, [], { reclaimAge: 604800, now: T(1000) }).then((h) => {
    done = true;
    return h;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(done, false, 'waits while another holder has the lock');
  rmdirSync(join(part, '.lock'));
  assert.deepEqual(Object.keys(await pending), [df.suffix]);
  mkdirSync(join(part, '.lock')); // the lock dir another process holds
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(part, '.lock'), old, old);
  assert.deepEqual(Object.keys(await getHashes(part, [], { reclaimAge: 604800, now: T(1000) })), [df.suffix]);
  assert.ok(!existsSync(join(part, '.lock')));
});

test('a body past the early-writeback size lands whole, and an abort mid-body leaves no temp file', async () => {
  const chunk = Buffer.alloc(1 << 20);
  const write = async (w: Awaited<ReturnType<DiskFile['writer']>>, mib: number, hash: ReturnType<typeof createHash>): Promise<void> => {
    for (let i = 0; i < mib; i++) {
      chunk.fill(i & 0xff);
      const c = Buffer.from(chunk);
      hash.update(c);
      if (!w.stream.write(c)) await new Promise((r) => w.stream.once('drain', r));
    }
  };
  // Reads in 64 KiB (the shared manager's 4-byte chunks are for the range tests).
  const big = new FsDiskFileManager({ devices: root, mountCheck: false, reclaimAge: 604800, diskChunkSize: 65536, hashSecrets: secrets });
  const df = await big.diskFile('sda', '7', 'a', 'c', 'big', 0);
  const w = await df.writer();
  const md5 = createHash('md5');
  await write(w, 40, md5); // 40 MiB: two writebacks of 16 MiB start on the way
  await new Promise<void>((r) => w.stream.end(() => r()));
  const etag = md5.digest('hex');
  await w.put({ 'X-Timestamp': T(10).internal, 'Content-Length': String(40 << 20), ETag: etag, 'Content-Type': 'x/y' });
  await w.commit(T(10));
  const st = await df.open(T(2000000000));
  assert.equal(st.status, 'exists');
  if (st.status !== 'exists') return;
  assert.equal(st.object.contentLength, 40 << 20);
  const back = createHash('md5');
  for await (const c of st.object.read(0, st.object.contentLength)) back.update(c as Buffer);
  await st.object.close();
  assert.equal(back.digest('hex'), etag);

  const df2 = await big.diskFile('sda', '7', 'a', 'c', 'cut', 0);
  const w2 = await df2.writer();
  await write(w2, 20, createHash('md5'));
  await w2.abort();
  assert.deepEqual(readdirSync(join(root, 'sda', 'tmp')), []);
  assert.equal(await df2.open(T(2000000000)).then((s) => s.status), 'missing');
});

test('a body stream destroyed mid-read leaves the fd to the object: its close() closes it once, after the stream', { timeout: 10_000 }, async () => {
  // 64 KiB chunks: the shared manager's 4-byte ones made the last whole read 65,536 reads (6-9 s, past the timeout on a busy machine).
  const chunked = new FsDiskFileManager({ devices: root, mountCheck: false, reclaimAge: 604800, diskChunkSize: 65536, hashSecrets: secrets });
  const df = await chunked.diskFile('sda', '7', 'a', 'c', 'destroyed-mid-read', 0);
  const body = 'x'.repeat(256 * 1024);
  await writeObject(df, T(100), body);
  for (let i = 0; i < 20; i++) {
    const st = await df.open(T(2000000000));
    assert.equal(st.status, 'exists');
    if (st.status !== 'exists') return;
    const stream = st.object.read(0, st.object.contentLength);
    stream.on('error', () => undefined);
    await new Promise((r) => stream.once('data', r));
    // Gone mid-body: the stream is destroyed, then the object closed, as a GET whose client left does.
    stream.destroy();
    await st.object.close();
    // A file opened now may get the same fd number; nothing may close it behind its back.
    const probe = join(root, `probe-${i}`);
    const fd = openSync(probe, 'w');
    await new Promise((r) => setTimeout(r, 20));
    assert.doesNotThrow(() => fstatSync(fd), 'the fd opened after close() is still open');
    closeSync(fd);
  }
  assert.equal((await readAll(df) as { body: string }).body, body);
});

test('a whole read of a rotten object: quarantined, a stream ends one byte short, bytes read at open throw; a part of it reads unchecked', { timeout: 10_000 }, async () => {
  const big = new FsDiskFileManager({ devices: root, mountCheck: false, reclaimAge: 604800, diskChunkSize: 4096, hashSecrets: secrets });
  for (const [name, size] of [['rot-streamed', 40_000], ['rot-small', 1000]] as const) {
    const df = await big.diskFile('sda', '8', 'a', 'c', name, 0);
    await writeObject(df, T(100), 'y'.repeat(size));
    const dir = (df as unknown as { hashDir: string }).hashDir;
    const data = join(dir, readdirSync(dir)[0]);
    const fd = openSync(data, 'r+');
    writeSync(fd, 'z', 5);
    closeSync(fd);

    let st = await df.open(T(2000000000));
    assert.equal(st.status, 'exists');
    if (st.status !== 'exists') return;
    // A range is not the whole object: nothing to check it against.
    const part: Buffer[] = [];
    for await (const c of st.object.read(0, size - 1)) part.push(c as Buffer);
    assert.equal(Buffer.concat(part).length, size - 1);
    assert.ok(existsSync(dir));
    assert.ok(!st.object.quarantined);

    let got = 0;
    let failure: unknown;
    try {
      const whole = st.object.bytes(0, size) ?? st.object.read(0, size);
      if (Buffer.isBuffer(whole)) got = whole.length;
      else for await (const c of whole) got += (c as Buffer).length;
    } catch (err) {
      failure = err;
    }
    await st.object.close();
    assert.ok(st.object.quarantined, `${name}: the rot went unnoticed`);
    if (size === 1000) assert.equal((failure as Error)?.name, 'DiskFileQuarantinedError');
    else assert.equal(failure, undefined);
    assert.equal(got, size === 1000 ? 0 : size - 1, `${name}: bytes passed on`);
    assert.ok(!existsSync(dir), `${name}: not quarantined`);
    assert.ok(existsSync(join(root, 'sda', 'quarantined', 'objects', (df as unknown as { hash: string }).hash)));
    st = await df.open(T(2000000000));
    assert.equal(st.status, 'missing');
  }
});
