/**
 * Backend request paths: `/<device>/<partition>/<account>[/<container>[/<object>]]`,
 * split and validated as Swift's `split_and_validate_path` so that no name
 * can lead outside a device directory.
 */
import { InvalidArgumentError } from '../../common/index.js';

/**
 * Swift's `split_path` on an already percent-decoded path. Returns `maxsegs`
 * entries, missing ones `undefined`; with `restWithLast` the last segment
 * keeps any further slashes (object names).
 */
export function splitPath(path: string, minsegs: number, maxsegs = minsegs, restWithLast = false): (string | undefined)[] {
  const invalid = (): InvalidArgumentError => new InvalidArgumentError(`Invalid path: ${encodeURI(path)}`);
  let segs: string[];
  const min = minsegs + 1;
  const max = maxsegs + 1;
  if (restWithLast) {
    segs = splitN(path, maxsegs);
    if (segs[0] || segs.length < min || segs.length > max || segs.slice(1, min).includes('')) throw invalid();
  } else {
    segs = splitN(path, max);
    if (
      segs[0] || segs.length < min || segs.length > max + 1 || segs.slice(1, min).includes('') ||
      (segs.length === max + 1 && segs[max])
    ) throw invalid();
  }
  const out: (string | undefined)[] = segs.slice(1, max);
  while (out.length < maxsegs) out.push(undefined);
  return out;
}

/** Python's str.split('/', n): at most n splits, the rest kept whole. */
function splitN(path: string, n: number): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const idx = path.indexOf('/', start);
    if (idx === -1) break;
    out.push(path.slice(start, idx));
    start = idx + 1;
  }
  out.push(path.slice(start));
  return out;
}

/** Swift's `validate_device_partition`. */
export function validateDevicePartition(device: string | undefined, partition: string | undefined): void {
  if (!device || device.includes('/') || device === '.' || device === '..') {
    throw new InvalidArgumentError(`Invalid device: ${encodeURIComponent(device ?? '')}`);
  }
  if (!partition || partition.includes('/') || partition === '.' || partition === '..') {
    throw new InvalidArgumentError(`Invalid partition: ${encodeURIComponent(partition ?? '')}`);
  }
}

/** Decodes a raw request path (percent-encoded). Invalid escapes are an error. */
export function decodeRequestPath(rawUrl: string): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const query = q === -1 ? '' : rawUrl.slice(q + 1);
  let path: string;
  try {
    // Bytes that are not UTF-8 become U+FFFD here; callers that must reject
    // them check `rawPathIsUtf8` first.
    path = decodeURIComponent(rawPath);
  } catch {
    throw new InvalidArgumentError(`Invalid path: ${rawPath}`);
  }
  return { path, query };
}

/** True when the percent-decoded bytes of a raw path are valid UTF-8 with no NUL. */
export function rawPathIsUtf8(rawPath: string): boolean {
  const bytes: number[] = [];
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 0x25 && i + 2 < rawPath.length + 0 && /^[0-9a-fA-F]{2}$/.test(rawPath.slice(i + 1, i + 3))) {
      bytes.push(parseInt(rawPath.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(rawPath[i], 'utf8')) bytes.push(b);
    }
  }
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    return true;
  } catch {
    return false;
  }
}

export interface BackendPath {
  device: string;
  partition: string;
  account: string;
  container?: string;
  object?: string;
}

/**
 * Splits and validates a decoded backend path. `minsegs`/`maxsegs` count
 * device and partition too: object server 5/5 rest, container 4/5 rest,
 * account 3/3 (REPLICATE: 2/3).
 */
export function parseBackendPath(path: string, minsegs: number, maxsegs: number, restWithLast = false): BackendPath {
  const [device, partition, account, container, object] = splitPath(path, minsegs, maxsegs, restWithLast);
  validateDevicePartition(device, partition);
  return { device: device!, partition: partition!, account: account ?? '', container, object };
}
