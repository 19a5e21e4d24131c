import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { RingError, hasCode } from '../../common/index.js';
import { parseRing, readRingFile, serializeRing, writeRingFile, type RingData } from '../../ring/index.js';
import { serializeRingRaw } from '../../ring/ring-file.js';
import { pyFloatRepr, pyJsonDumps } from '../../ring/py-json.js';
import { sampleRingData } from '../helpers/ring-fixtures.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftly-ring-file-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function assertSameRing(got: RingData, want: RingData): void {
  assert.deepEqual(got.devs, want.devs);
  assert.equal(got.partShift, want.partShift);
  assert.equal(got.version, want.version);
  assert.equal(got.nextPartPower, want.nextPartPower);
  assert.equal(got.replica2part2dev.length, want.replica2part2dev.length);
  got.replica2part2dev.forEach((a, r) => assert.deepEqual(a, want.replica2part2dev[r]));
}

function isFileError(err: unknown): boolean {
  return err instanceof RingError && hasCode(err, 'ERR_RING_FILE');
}

/** Uncompressed v1 content with a given header and raw array bytes. */
function rawRing(header: object, arrays: Buffer, magic = 'R1NG', version = 1): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(10);
  head.write(magic, 0, 'latin1');
  head.writeUInt16BE(version, 4);
  head.writeUInt32BE(json.length, 6);
  return Buffer.concat([head, json, arrays]);
}

test('a ring round-trips through a file, removed devices as null', () => {
  const data = sampleRingData(8, 3);
  data.nextPartPower = 9;
  assert.equal(data.devs[5], null);
  const path = join(dir, 'object.ring.gz');
  writeRingFile(path, data);
  assertSameRing(readRingFile(path), data);
  assert.equal(statSync(path).mode & 0o777, 0o644);
  // The temp file was renamed away.
  assert.deepEqual(readdirSync(dir), ['object.ring.gz']);
});

test('a fractional replica count writes a shorter last array and reads it back', () => {
  const data = sampleRingData(6, 2.25);
  assert.deepEqual(data.replica2part2dev.map((a) => a.length), [64, 64, 16]);
  const raw = serializeRingRaw(data);
  const header = JSON.parse(raw.toString('ascii', 10, 10 + raw.readUInt32BE(6)));
  assert.equal(header.replica_count, 3);
  assert.equal(raw.length, 10 + raw.readUInt32BE(6) + 2 * (64 + 64 + 16));
  assertSameRing(parseRing(serializeRing(data)), data);
});

test('the header is Python json.dumps with sorted keys, little-endian arrays', () => {
  const data = sampleRingData(4, 1);
  const raw = serializeRingRaw(data);
  assert.equal(raw.toString('latin1', 0, 4), 'R1NG');
  assert.equal(raw.readUInt16BE(4), 1);
  const text = raw.toString('ascii', 10, 10 + raw.readUInt32BE(6));
  assert.ok(text.startsWith('{"byteorder": "little", "devs": [{"device": "sda", "id": 0, "ip": "10.0.1.1", "meta": "", '));
  assert.ok(text.includes('"weight": 100.0, "zone": 1}'));
  assert.ok(text.includes('"weight": 50.5'));
  assert.ok(text.endsWith('"part_shift": 28, "replica_count": 1, "version": 7}'));
  assert.ok(!text.includes('next_part_power'));
  const arrays = raw.subarray(10 + text.length);
  assert.equal(arrays.readUInt16LE(2), data.replica2part2dev[0][1]);
});

test('Python float and string formatting', () => {
  assert.equal(pyFloatRepr(100), '100.0');
  assert.equal(pyFloatRepr(0.5), '0.5');
  assert.equal(pyFloatRepr(0.0001), '0.0001');
  assert.equal(pyFloatRepr(0.00001), '1e-05');
  assert.equal(pyFloatRepr(1e16), '1e+16');
  assert.equal(pyFloatRepr(123456789012345.6), '123456789012345.6');
  assert.equal(pyFloatRepr(1.5e300), '1.5e+300');
  assert.equal(pyFloatRepr(-2.25), '-2.25');
  assert.equal(pyJsonDumps({ b: 'caf\u00e9\x7f\n\u{1f600}', a: [1, null, true] }), '{"a": [1, null, true], "b": "caf\\u00e9\\u007f\\n\\ud83d\\ude00"}');
});

test('a big-endian ring file is read', () => {
  const arrays = Buffer.alloc(8);
  [1, 0, 1, 0].forEach((v, i) => arrays.writeUInt16BE(v, 2 * i));
  const devs = sampleRingData(1, 1).devs.slice(0, 2);
  const data = parseRing(gzipSync(rawRing({ devs, part_shift: 30, replica_count: 1, byteorder: 'big' }, arrays)));
  assert.deepEqual([...data.replica2part2dev[0]], [1, 0, 1, 0]);
  assert.equal(data.version, undefined);
});

test('defaults Swift fills in for devices of older rings', () => {
  const devs = [{ id: 0, zone: 1, ip: '1.2.3.4', port: 6200, device: 'sda', weight: 1 }];
  const data = parseRing(gzipSync(rawRing({ devs, part_shift: 31, replica_count: 1, byteorder: 'little' }, Buffer.alloc(4))));
  assert.deepEqual(data.devs[0], { ...devs[0], region: 1, replication_ip: '1.2.3.4', replication_port: 6200, meta: '' });
});

test('bad magic, unknown version, truncation and garbage are RingErrors', () => {
  const good = gunzipSync(serializeRing(sampleRingData(4, 3)));
  const header = { devs: [], part_shift: 28, replica_count: 1, byteorder: 'little' };
  const cases: [string, Buffer][] = [
    ['not gzip', Buffer.from('hello')],
    ['truncated gzip', serializeRing(sampleRingData(4, 3)).subarray(0, 60)],
    ['bad magic', gzipSync(rawRing(header, Buffer.alloc(32), 'RING'))],
    ['pickled ring', gzipSync(Buffer.from('\x80\x02}q\x00.', 'latin1'))],
    ['version 2', gzipSync(rawRing(header, Buffer.alloc(32), 'R1NG', 2))],
    ['short header', gzipSync(good.subarray(0, 8))],
    ['cut in the JSON', gzipSync(good.subarray(0, 40))],
    ['cut in a middle replica', gzipSync(good.subarray(0, good.length - 40))],
    ['odd byte count', gzipSync(good.subarray(0, good.length - 1))],
    ['missing last replica', gzipSync(good.subarray(0, good.length - 32))],
    ['trailing bytes', gzipSync(Buffer.concat([good, Buffer.alloc(2)]))],
    ['bad JSON', gzipSync(Buffer.concat([good.subarray(0, 10), Buffer.from('{'.padEnd(good.readUInt32BE(6), ' ')), good.subarray(10 + good.readUInt32BE(6))]))],
    ['bad byteorder', gzipSync(rawRing({ ...header, byteorder: 'middle' }, Buffer.alloc(32)))],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(() => parseRing(bytes), isFileError, name);
  }
  const path = join(dir, 'bad.ring.gz');
  writeFileSync(path, cases[2][1]);
  assert.throws(() => readRingFile(path), (err: unknown) => isFileError(err) && (err as Error).message.includes(path));
  assert.throws(() => readRingFile(join(dir, 'missing.ring.gz')), isFileError);
});

test('data whose arrays do not fit the part power is refused before writing', () => {
  const data = sampleRingData(4, 3);
  data.replica2part2dev[1] = data.replica2part2dev[1].subarray(0, 8);
  assert.throws(() => serializeRing(data), isFileError);
  const path = join(dir, 'never.ring.gz');
  assert.throws(() => writeRingFile(path, data), isFileError);
  assert.throws(() => readFileSync(path), { code: 'ENOENT' });
});
