/**
 * S3's additional checksum algorithms: CRC32, CRC32C, CRC64NVME, SHA1,
 * SHA256. Each value travels as base64 of the big-endian digest in
 * `x-amz-checksum-<name>`. Implementations, and why each:
 * - CRC32: node:zlib's `crc32` (native, several GB/s; Node 20.15+).
 * - CRC32C, CRC64NVME: aws-crt's native ones (native-crc.ts; CRC64NVME is
 *   S3's default, computed for every upload); where aws-crt has no binary,
 *   ours for CRC32C (crc32c.ts, slicing-by-8) and @aws-sdk/crc64-nvme, the
 *   SDKs' pure-JS slicing-by-8 (~360 MB/s here), for CRC64NVME.
 * - SHA1, SHA256: node:crypto (OpenSSL).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc32c } from './crc32c.js';
import { nativeCrc } from './native-crc.js';

export type ChecksumName = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/** A running digest. */
export interface Digester {
  update(data: Buffer): void;
  digest(): Promise<Buffer>;
}

export interface ChecksumAlgorithm {
  name: ChecksumName;
  /** `x-amz-checksum-crc32`, … */
  header: string;
  /** The element in XML bodies: `ChecksumCRC32`, … */
  element: string;
  /** Digest length in bytes. */
  size: number;
  create(): Digester;
  /** For a CRC: its width and reflected polynomial (what FULL_OBJECT combining needs). */
  crc?: { width: number; poly: bigint };
}

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function crc32Family(fn: (data: Uint8Array, previous: number) => number): () => Digester {
  return () => {
    let c = 0;
    return {
      update: (data) => void (c = fn(data, c)),
      digest: async () => be32(c),
    };
  };
}

function hashed(alg: string): () => Digester {
  return () => {
    const h = createHash(alg);
    return { update: (data) => void h.update(data), digest: async () => h.digest() };
  };
}

function crc64nvme(): Digester {
  const native = nativeCrc();
  if (native) {
    let c: DataView | undefined;
    return {
      update: (data) => void (c = native.crc64nvme(data, c)),
      digest: async () => (c ? Buffer.from(c.buffer, c.byteOffset, c.byteLength) : Buffer.alloc(8)),
    };
  }
  const h = new Crc64Nvme();
  return { update: (data) => h.update(data), digest: async () => Buffer.from(await h.digest()) };
}

function crc32cFast(data: Uint8Array, previous: number): number {
  const native = nativeCrc();
  return native ? native.crc32c(data, previous) : crc32c(data, previous);
}

const defs: ChecksumAlgorithm[] = [
  { name: 'CRC32', header: 'x-amz-checksum-crc32', element: 'ChecksumCRC32', size: 4, create: crc32Family(crc32), crc: { width: 32, poly: 0xedb88320n } },
  { name: 'CRC32C', header: 'x-amz-checksum-crc32c', element: 'ChecksumCRC32C', size: 4, create: crc32Family(crc32cFast), crc: { width: 32, poly: 0x82f63b78n } },
  { name: 'CRC64NVME', header: 'x-amz-checksum-crc64nvme', element: 'ChecksumCRC64NVME', size: 8, create: crc64nvme, crc: { width: 64, poly: 0x9a6c9329ac4bc9b5n } },
  { name: 'SHA1', header: 'x-amz-checksum-sha1', element: 'ChecksumSHA1', size: 20, create: hashed('sha1') },
  { name: 'SHA256', header: 'x-amz-checksum-sha256', element: 'ChecksumSHA256', size: 32, create: hashed('sha256') },
];

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = defs;

/** An algorithm by its name, any case (`crc32`, `CRC32`); undefined when S3 has none such. */
export function checksumAlgorithm(name: string | undefined): ChecksumAlgorithm | undefined {
  if (name === undefined) return undefined;
  const upper = name.trim().toUpperCase();
  return defs.find((a) => a.name === upper);
}

/** Whether `value` is base64 of a digest of this algorithm's length. */
export function validChecksumValue(alg: ChecksumAlgorithm, value: string): boolean {
  const v = value.trim();
  const raw = Buffer.from(v, 'base64');
  return raw.length === alg.size && raw.toString('base64') === v;
}

/** The checksum of `data` whole (small inputs: composite checksums of part digests). */
export async function checksumOf(alg: ChecksumAlgorithm, data: Buffer): Promise<Buffer> {
  const d = alg.create();
  d.update(data);
  return d.digest();
}
