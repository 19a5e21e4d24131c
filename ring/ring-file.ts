/**
 * Swift's `.ring.gz` files (format v1, as Swift 2.30 `RingData.serialize_v1`
 * writes and `RingData.load` reads them):
 *
 *   gzip(  "R1NG"  uint16be 1  uint32be len  JSON header (len bytes)
 *          replica 0: partition → device id, uint16 × partitions
 *          replica 1: …
 *          last replica: possibly shorter (fractional replica count) )
 *
 * The JSON header holds `byteorder`, `devs`, `part_shift`, `replica_count`
 * (the number of arrays, an int) and, when set, `next_part_power` and
 * `version`, with sorted keys. The arrays are in the header's `byteorder`;
 * we write `little`, and read either.
 *
 * Swift's reader asks for a full array per replica and takes what it gets, so
 * only the last array may be short; the length of each array is never
 * written. The legacy pickled format is not read.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { gunzipSync, gzipSync, constants as zconst } from 'node:zlib';
import { RingError, writeFileAtomicSync } from '../common/core.js';
import { pyJsonDumps } from './py-json.js';
import type { RingData, RingDevice } from './types.js';

const MAGIC = Buffer.from('R1NG', 'latin1');
const FORMAT_VERSION = 1;
const HOST_LITTLE = endianness() === 'LE';

function fileError(message: string, cause?: unknown): RingError {
  return new RingError('ERR_RING_FILE', message, cause);
}

function checkData(data: RingData): number {
  const { partShift, replica2part2dev: table } = data;
  if (!Number.isInteger(partShift) || partShift < 0 || partShift > 32) {
    throw fileError(`part_shift must be an integer 0..32, not ${partShift}`);
  }
  if (table.length === 0) return 0;
  const parts = 2 ** (32 - partShift);
  table.forEach((part2dev, r) => {
    if (!(part2dev instanceof Uint16Array)) throw fileError(`replica ${r}: part→dev array must be a Uint16Array`);
    const last = r === table.length - 1;
    if (last ? part2dev.length > parts || part2dev.length === 0 : part2dev.length !== parts) {
      throw fileError(`replica ${r}: ${part2dev.length} partitions; the ring has ${parts} (only the last replica may be shorter)`);
    }
  });
  return parts;
}

/** The uncompressed v1 content (magic, version, header, arrays). */
export function serializeRingRaw(data: RingData): Buffer {
  checkData(data);
  const header: Record<string, unknown> = {
    devs: data.devs,
    part_shift: data.partShift,
    replica_count: data.replica2part2dev.length,
    byteorder: 'little',
  };
  if (data.version !== undefined && data.version !== null) header.version = data.version;
  if (data.nextPartPower !== undefined && data.nextPartPower !== null) header.next_part_power = data.nextPartPower;
  const json = Buffer.from(pyJsonDumps(header), 'ascii');
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head.writeUInt16BE(FORMAT_VERSION, 4);
  head.writeUInt32BE(json.length, 6);
  const chunks: Buffer[] = [head, json];
  for (const part2dev of data.replica2part2dev) {
    const bytes = Buffer.from(part2dev.buffer, part2dev.byteOffset, part2dev.byteLength);
    chunks.push(HOST_LITTLE ? bytes : Buffer.from(bytes).swap16());
  }
  return Buffer.concat(chunks);
}

/**
 * A `.ring.gz` file's bytes. Deterministic: gzip with mtime 0 and no file
 * name, so the same ring data always gives the same bytes (Swift pins its
 * gzip mtime for the same reason; its compressed bytes differ from ours only
 * in the gzip wrapper and deflate choices, never in content).
 */
export function serializeRing(data: RingData): Buffer {
  return gzipSync(serializeRingRaw(data), { level: zconst.Z_BEST_COMPRESSION });
}

function toDevice(raw: unknown, index: number): RingDevice | null {
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw fileError(`devs[${index}] is not an object`);
  const dev = raw as Record<string, unknown>;
  if (typeof dev.id !== 'number' || typeof dev.ip !== 'string' || typeof dev.port !== 'number') {
    throw fileError(`devs[${index}] lacks id, ip or port`);
  }
  // The defaults Swift's RingData/Ring fill in for rings from older builders.
  return {
    ...dev,
    region: typeof dev.region === 'number' ? dev.region : 1,
    replication_ip: typeof dev.replication_ip === 'string' ? dev.replication_ip : dev.ip,
    replication_port: typeof dev.replication_port === 'number' ? dev.replication_port : dev.port,
    meta: typeof dev.meta === 'string' ? dev.meta : '',
    weight: typeof dev.weight === 'number' ? dev.weight : 0,
    device: typeof dev.device === 'string' ? dev.device : '',
    zone: typeof dev.zone === 'number' ? dev.zone : 0,
  } as RingDevice;
}

/** Parses uncompressed v1 content. */
export function parseRingRaw(raw: Buffer): RingData {
  if (raw.length < 10) throw fileError('ring file is truncated (no header)');
  if (!raw.subarray(0, 4).equals(MAGIC)) {
    throw fileError('not a v1 ring file (no R1NG magic; pickled rings are not supported)');
  }
  const version = raw.readUInt16BE(4);
  if (version !== FORMAT_VERSION) throw fileError(`unknown ring format version ${version}`);
  const jsonLen = raw.readUInt32BE(6);
  if (10 + jsonLen > raw.length) throw fileError('ring file is truncated (in the JSON header)');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(raw.toString('utf8', 10, 10 + jsonLen)) as Record<string, unknown>;
  } catch (err) {
    throw fileError('ring file header is not valid JSON', err);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.devs)) {
    throw fileError('ring file header has no devs list');
  }
  const partShift = header.part_shift;
  const replicaCount = header.replica_count;
  if (typeof partShift !== 'number' || !Number.isInteger(partShift) || partShift < 0 || partShift > 32) {
    throw fileError(`bad part_shift ${String(partShift)}`);
  }
  if (typeof replicaCount !== 'number' || !Number.isInteger(replicaCount) || replicaCount < 0) {
    throw fileError(`bad replica_count ${String(replicaCount)}`);
  }
  const byteorder = header.byteorder ?? 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw fileError(`bad byteorder ${String(byteorder)}`);
  const swap = (byteorder === 'little') !== HOST_LITTLE;

  const fullBytes = 2 * 2 ** (32 - partShift);
  const table: Uint16Array[] = [];
  let pos = 10 + jsonLen;
  for (let r = 0; r < replicaCount; r++) {
    const take = Math.min(fullBytes, raw.length - pos);
    const last = r === replicaCount - 1;
    if (take <= 0 || (!last && take < fullBytes) || take % 2 !== 0) {
      throw fileError(`ring file is truncated (replica ${r} has ${Math.max(take, 0)} of ${fullBytes} bytes)`);
    }
    // Copy into a fresh, aligned buffer: the table must not pin the whole file.
    const bytes = Buffer.from(raw.subarray(pos, pos + take));
    if (swap) bytes.swap16();
    table.push(new Uint16Array(bytes.buffer, bytes.byteOffset, take / 2));
    pos += take;
  }
  if (pos !== raw.length) throw fileError(`ring file has ${raw.length - pos} unexpected bytes after the last replica`);

  const data: RingData = {
    devs: header.devs.map(toDevice),
    replica2part2dev: table,
    partShift,
  };
  if (typeof header.version === 'number') data.version = header.version;
  if (typeof header.next_part_power === 'number') data.nextPartPower = header.next_part_power;
  return data;
}

/** Parses a `.ring.gz` file's bytes. Throws RingError (ERR_RING_FILE). */
export function parseRing(gz: Buffer): RingData {
  let raw: Buffer;
  try {
    raw = gunzipSync(gz);
  } catch (err) {
    throw fileError(`ring file is not a complete gzip stream: ${(err as Error).message}`, err);
  }
  return parseRingRaw(raw);
}

/** Reads a `.ring.gz` file. Throws RingError (ERR_RING_FILE). */
export function readRingFile(path: string): RingData {
  let gz: Buffer;
  try {
    gz = readFileSync(path);
  } catch (err) {
    throw fileError(`cannot read ring file ${path}: ${(err as Error).message}`, err);
  }
  try {
    return parseRing(gz);
  } catch (err) {
    if (err instanceof RingError) throw fileError(`${path}: ${err.message}`, err.cause);
    throw err;
  }
}

/**
 * Writes a `.ring.gz` atomically: temp file in the same directory, fsync,
 * mode 0644, rename over `path`, fsync the directory. A reader sees the old
 * ring or the new one, never part of one.
 */
export function writeRingFile(path: string, data: RingData): void {
  const bytes = serializeRing(data);
  try {
    writeFileAtomicSync(path, bytes, 0o644);
  } catch (err) {
    throw fileError(`cannot write ring file ${path}: ${(err as Error).message}`, err);
  }
}
