/**
 * CRC-64/NVME and CRC-32C from the AWS Common Runtime (aws-crt's native
 * checksums, the code the AWS SDKs use: hardware CRC/carry-less multiply
 * instructions). CRC64NVME is S3's default checksum, computed for every
 * upload sent without one, so its speed is the proxy's: about 1.5 GB/s here
 * against 360 MB/s for @aws-sdk/crc64-nvme's pure JS (a 1 GiB PUT: ~0.7 s
 * of CPU instead of ~3 s). aws-crt ships its binaries for Linux, macOS and
 * Windows (x64, arm64) in its npm package; where none loads, undefined is
 * answered and the pure-JS implementations are used (same values, slower).
 */
import { createRequire } from 'node:module';

export interface NativeCrc {
  /** The CRC-64/NVME of `data` continuing from `previous` (8 bytes, big-endian). */
  crc64nvme(data: Uint8Array, previous?: DataView): DataView;
  /** The CRC-32C of `data` continuing from `previous`. */
  crc32c(data: Uint8Array, previous?: number): number;
}

let loaded: NativeCrc | null | undefined;

/** aws-crt's checksums, loaded on first use (one native module, ~90 ms once per process). */
export function nativeCrc(): NativeCrc | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('aws-crt/dist/native/checksums.js') as NativeCrc;
    } catch {
      // No binary for this platform: the callers fall back to JS (correct, slower).
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
