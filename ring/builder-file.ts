/**
 * Builder files: swiftly's own JSON (Swift pickles; we don't). The small
 * fields are plain JSON under Swift's names; the per-partition arrays are
 * little-endian bytes, deflated and base64'd, so a part-power-20 builder
 * stays a few MB. Written atomically: temp file, fsync, rename, fsync dir.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { deflateRawSync, inflateRawSync, constants as zconst } from 'node:zlib';
import { RingError, SwiftlyError, writeFileAtomicSync } from '../common/core.js';
import type { BuilderDevice, BuilderState } from './builder-state.js';
import { RingBuilder } from './builder.js';

export const BUILDER_FORMAT = 'swiftly-ring-builder';
export const BUILDER_FORMAT_VERSION = 1;
const LITTLE = endianness() === 'LE';

interface PackedArray {
  type: 'uint16' | 'uint8';
  length: number;
  deflate_base64: string;
}

function pack(arr: Uint16Array | Uint8Array): PackedArray {
  let bytes = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
  if (arr instanceof Uint16Array && !LITTLE) bytes = Buffer.from(bytes).swap16();
  return {
    type: arr instanceof Uint16Array ? 'uint16' : 'uint8',
    length: arr.length,
    deflate_base64: deflateRawSync(bytes, { level: zconst.Z_BEST_SPEED }).toString('base64'),
  };
}

function unpack(packed: PackedArray, what: string): Uint16Array | Uint8Array {
  const raw = inflateRawSync(Buffer.from(packed.deflate_base64, 'base64'));
  const width = packed.type === 'uint16' ? 2 : 1;
  if (raw.length !== packed.length * width) throw new Error(`${what}: ${raw.length} bytes for ${packed.length} entries`);
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  if (width === 1) return copy;
  const out = new Uint16Array(copy.buffer);
  if (!LITTLE) Buffer.from(copy.buffer).swap16();
  return out;
}

/** The JSON document for a builder. */
export function builderToJson(state: BuilderState): Record<string, unknown> {
  return {
    format: BUILDER_FORMAT,
    format_version: BUILDER_FORMAT_VERSION,
    id: state.id,
    part_power: state.partPower,
    next_part_power: state.nextPartPower,
    replicas: state.replicas,
    min_part_hours: state.minPartHours,
    parts: state.parts,
    overload: state.overload,
    version: state.version,
    devs_changed: state.devsChanged,
    dispersion: state.dispersion,
    devs: state.devs,
    _remove_devs: state.removeDevs,
    _last_part_moves_epoch: state.lastPartMovesEpoch,
    _last_part_gather_start: state.lastPartGatherStart,
    _last_part_moves: pack(state.lastPartMoves),
    _replica2part2dev: state.replica2part2dev ? state.replica2part2dev.map(pack) : null,
  };
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${what} must be a number`);
  return v;
};

/** A builder state from its JSON document; throws on anything malformed. */
export function builderFromJson(doc: Record<string, unknown>): BuilderState {
  if (doc.format !== BUILDER_FORMAT) throw new Error('not a swiftly ring builder file');
  if (doc.format_version !== BUILDER_FORMAT_VERSION) throw new Error(`unsupported format_version ${String(doc.format_version)}`);
  const partPower = num(doc.part_power, 'part_power');
  const parts = 2 ** partPower;
  if (!Array.isArray(doc.devs)) throw new Error('devs must be a list');
  const devs = (doc.devs as (BuilderDevice | null)[]).map((dev, i) => {
    if (dev === null) return null;
    if (typeof dev !== 'object' || dev.id !== i) throw new Error(`devs[${i}] is not device ${i}`);
    return { ...dev, meta: dev.meta ?? '', replication_ip: dev.replication_ip ?? dev.ip, replication_port: dev.replication_port ?? dev.port, parts: dev.parts ?? 0 };
  });
  const lastPartMoves = unpack(doc._last_part_moves as PackedArray, '_last_part_moves');
  if (!(lastPartMoves instanceof Uint8Array) || lastPartMoves.length !== parts) throw new Error('_last_part_moves has the wrong size');
  const packed = doc._replica2part2dev as PackedArray[] | null;
  const r2p2d = packed === null ? null : packed.map((p, r) => {
    const arr = unpack(p, `_replica2part2dev[${r}]`);
    if (!(arr instanceof Uint16Array) || arr.length > parts) throw new Error(`_replica2part2dev[${r}] has the wrong size`);
    return arr;
  });
  return {
    partPower,
    nextPartPower: (doc.next_part_power as number | null) ?? null,
    replicas: num(doc.replicas, 'replicas'),
    minPartHours: num(doc.min_part_hours, 'min_part_hours'),
    parts,
    devs,
    devsChanged: Boolean(doc.devs_changed),
    version: num(doc.version, 'version'),
    overload: num(doc.overload ?? 0, 'overload'),
    id: (doc.id as string | null) ?? null,
    replica2part2dev: r2p2d,
    lastPartMoves,
    lastPartMovesEpoch: num(doc._last_part_moves_epoch ?? 0, '_last_part_moves_epoch'),
    lastPartGatherStart: num(doc._last_part_gather_start ?? 0, '_last_part_gather_start'),
    removeDevs: (doc._remove_devs as number[]) ?? [],
    dispersion: (doc.dispersion as number | null) ?? null,
  };
}


/** Saves a builder, giving it an id first if it has none (as Swift's save does). */
export function saveBuilder(builder: RingBuilder, path: string): void {
  const { state } = builder;
  const hadId = state.id !== null;
  if (!hadId) state.id = randomUUID().replaceAll('-', '');
  try {
    writeFileAtomicSync(path, Buffer.from(JSON.stringify(builderToJson(state)) + '\n'));
  } catch (err) {
    if (!hadId) state.id = null;
    throw new RingError('ERR_RING_BUILDER', `cannot write builder file ${path}: ${(err as Error).message}`, err);
  }
}

/**
 * Loads a builder file. Throws SwiftlyError ERR_NOT_FOUND with Swift's
 * message when the file is missing, RingError otherwise.
 */
export function loadBuilder(path: string): RingBuilder {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SwiftlyError('ERR_NOT_FOUND', `Ring Builder file does not exist: ${path}`, { status: 404 });
    if (code === 'EACCES' || code === 'EPERM') throw new RingError('ERR_RING_BUILDER', `Ring Builder file cannot be accessed: ${path}`, err);
    throw new RingError('ERR_RING_BUILDER', `Problem occurred while reading builder file: ${path}. ${(err as Error).message}`, err);
  }
  try {
    return new RingBuilder(builderFromJson(JSON.parse(bytes.toString('utf8'))));
  } catch (err) {
    const hint = bytes[0] === 0x80 ? ' (a Swift pickled builder? swiftly builder files are JSON)' : '';
    throw new RingError('ERR_RING_BUILDER', `Ring Builder file is invalid: ${path}${hint}`, err);
  }
}
