/**
 * The sending side of swiftly's object sync protocol (receiver and wire
 * format: storage/object/sync-receiver.ts): offers the files of the given
 * suffixes of one partition, then streams the ones the peer wants, one
 * file open at a time, never buffering a whole object.
 */
import { promises as fsp, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gatherOnDiskFiles, readFileMetadata, SSYNC_STEP_HEADER } from '../storage/index.js';
import type { RingDevice } from '../ring/index.js';
import { quotePath } from '../common/index.js';
import { BackendClient } from './backend-client.js';
import { listDir } from './devices.js';

export interface SyncResult {
  ok: boolean;
  /** Files the peer accepted. */
  sent: number;
  /** Files the peer refused after receiving (bad checksum, wrong name). */
  rejected: string[];
}

/** The files that make up each object in `suffixes`: `{hash: [file names]}`. */
export async function buildOffer(partitionPath: string, suffixes: readonly string[]): Promise<Record<string, string[]>> {
  const offer: Record<string, string[]> = {};
  for (const suffix of suffixes) {
    const suffixPath = join(partitionPath, suffix);
    for (const hash of await listDir(suffixPath)) {
      const files = gatherOnDiskFiles(await listDir(join(suffixPath, hash)));
      const names = [...new Set([files.data, files.ts, files.meta, files.ctype].filter((f) => f).map((f) => f!.filename))];
      if (names.length) offer[hash] = names;
    }
  }
  return offer;
}

/** A file that failed after its frame header went out: the stream cannot go on. */
export class SyncStreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SyncStreamError';
  }
}

/**
 * The frames of the `updates` step: header line + file bytes per wanted
 * file. A file that is gone or whose metadata cannot be read is skipped
 * before its header; once the header is out, exactly its `size` bytes must
 * follow, so a read error or a short file throws (the request is aborted
 * and the receiver sees an error, never the next frame's bytes in this
 * one's place).
 */
export async function* syncFrames(partitionPath: string, wanted: Record<string, string[]>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (const [hash, names] of Object.entries(wanted)) {
    for (const name of names) {
      if (signal?.aborted) return;
      const path = join(partitionPath, hash.slice(-3), hash, name);
      let fh;
      try {
        fh = await fsp.open(path, 'r');
      } catch {
        continue; // removed since the offer (a newer write cleaned it up)
      }
      try {
        let size: number;
        let dataLength: number;
        try {
          ({ size, dataLength } = await readFileMetadata(fh));
        } catch {
          continue; // unreadable metadata: the auditor will quarantine it; no frame was started
        }
        yield Buffer.from(`${hash} ${name} ${size} ${dataLength}\n`, 'utf8');
        let sent = 0;
        try {
          if (size > 0) {
            for await (const chunk of createReadStream('', { fd: fh.fd, autoClose: false, start: 0, end: size - 1, highWaterMark: 65536 })) {
              sent += (chunk as Buffer).length;
              yield chunk as Buffer;
            }
          }
        } catch (err) {
          throw new SyncStreamError(`${hash}/${name}: read failed after ${sent} of ${size} bytes`, { cause: err });
        }
        if (sent !== size) throw new SyncStreamError(`${hash}/${name}: ${sent} of ${size} bytes could be read`);
      } finally {
        await fh.close();
      }
    }
  }
}

/** Syncs `suffixes` of a partition to `node`. */
export async function syncSuffixes(
  client: BackendClient, node: RingDevice, partition: number, policyIndex: number, partitionPath: string,
  suffixes: readonly string[], timeout: number, signal?: AbortSignal,
): Promise<SyncResult> {
  const path = `/${quotePath(node.device)}/${partition}`;
  const base = { 'X-Backend-Storage-Policy-Index': String(policyIndex) };
  const offer = await buildOffer(partitionPath, suffixes);
  if (Object.keys(offer).length === 0) return { ok: true, sent: 0, rejected: [] };
  const check = await client.replicationRequest(node, 'SSYNC', path, {
    headers: { ...base, [SSYNC_STEP_HEADER]: 'missing-check', 'Content-Type': 'application/json' },
    body: JSON.stringify(offer),
    timeout,
  });
  if (check.status !== 200) return { ok: false, sent: 0, rejected: [] };
  const wanted = JSON.parse(check.body.toString('utf8')) as Record<string, string[]>;
  if (Object.keys(wanted).length === 0) return { ok: true, sent: 0, rejected: [] };
  const res = await client.replicationRequest(node, 'SSYNC', path, {
    headers: { ...base, [SSYNC_STEP_HEADER]: 'updates', 'Content-Type': 'application/octet-stream' },
    body: Readable.from(syncFrames(partitionPath, wanted, signal)),
    timeout,
  });
  if (res.status !== 200) return { ok: false, sent: 0, rejected: [] };
  const result = JSON.parse(res.body.toString('utf8')) as { written: number; rejected: string[] };
  return { ok: result.rejected.length === 0, sent: result.written, rejected: result.rejected };
}
