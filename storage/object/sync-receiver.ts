/**
 * The receiving side of swiftly's object sync protocol (what Swift's ssync
 * does, in a simpler form of our own). Two requests, each `SSYNC
 * /<device>/<partition>` on a fresh connection, with
 * `X-Backend-Storage-Policy-Index` and `X-Swiftly-Ssync: <step>`:
 *
 * 1. `missing-check`: body JSON `{"<hash>": ["<file name>", ...], ...}`,
 *    the files that make up each object the sender holds in the suffixes
 *    being synced. Answer 200 JSON `{"<hash>": ["<file name>", ...]}`: the
 *    offered files this replica lacks and would keep — newest wins, as in
 *    a hash dir (an offered `.data` older than a local `.ts` is not
 *    wanted; an offered tombstone past reclaim_age is not wanted).
 * 2. `updates`: body is a stream of frames, each a header line
 *    `<hash> <file name> <file size> <data length>\n` followed by the
 *    file's bytes (object data + metadata trailer, as on disk). Each file
 *    is written to the device's tmp dir, fsynced, checked (its trailer
 *    has a name, of an object that hashes to `<hash>`; a `.data` has an
 *    ETag that its bytes match, as they match a stored Content-Length; what fails is
 *    refused, as the auditor would quarantine it) and renamed into the
 *    hash dir. A stream that breaks off mid-frame (the sender aborts when a
 *    file fails after its header went out) is an error; the files that
 *    landed whole before it stay. Once
 *    the stream ends every dir touched is fsynced (one fsync per dir, not
 *    per file), then older files are cleaned up and suffix hashes
 *    invalidated — a PUT's durability before the answer, batched. Answer 200 JSON `{"written": n,
 *    "rejected": [...]}` once all frames are in.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fsyncDir, hashPath, Timestamp } from '../../common/index.js';
import { DeviceUnavailableError } from './errors.js';
import { FsDiskFile, FsDiskFileManager, dataDirName, tmpDirName } from './fs-disk-file.js';
import { filesToRemove, gatherOnDiskFiles, parseOnDiskFilename } from './on-disk-files.js';
import { readFileMetadata } from './file-metadata.js';
import { makeDirs, tempPath } from './fs-io.js';
import { dirname } from 'node:path';
import { HttpError, badRequest, send } from './responses.js';
import type { ObjectServer } from './handlers/context.js';
import { insufficientStorage } from './handlers/shared.js';
import { BodyTooLargeError, readBodyWhole } from '../http/read-body.js';

export const SSYNC_STEP_HEADER = 'x-swiftly-ssync';
const HASH_RE = /^[0-9a-f]{32}$/;
const MAX_OFFER_BYTES = 32 * 1024 * 1024;
const MAX_LINE = 1024;

/** Reads a request body as lines and exact byte counts. */
class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(stream: IncomingMessage) {
    this.it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, next.value]) : next.value;
    return true;
  }

  /** The next line without its newline; undefined at a clean end. */
  async line(): Promise<string | undefined> {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl !== -1) {
        const line = this.buf.subarray(0, nl).toString('utf8');
        this.buf = this.buf.subarray(nl + 1);
        return line;
      }
      if (this.buf.length > MAX_LINE) throw badRequest('frame header too long');
      if (!(await this.fill())) {
        if (this.buf.length) throw badRequest('truncated frame header');
        return undefined;
      }
    }
  }

  /** Passes exactly `n` bytes to `sink`, in chunks. */
  async bytes(n: number, sink: (chunk: Buffer) => Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) throw badRequest('truncated frame body');
      const take = Math.min(left, this.buf.length);
      await sink(this.buf.subarray(0, take));
      this.buf = this.buf.subarray(take);
      left -= take;
    }
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBodyWhole(req, MAX_OFFER_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413);
    throw err;
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('body is not JSON');
  }
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch {
    return [];
  }
}

/** Handles `SSYNC /<device>/<partition>`. */
export async function handleSsync(
  s: ObjectServer, req: IncomingMessage, res: ServerResponse, device: string, partition: string, policyIndex: number,
): Promise<void> {
  const manager = s.manager as FsDiskFileManager;
  let devicePath: string;
  try {
    devicePath = await manager.devicePath(device);
  } catch (err) {
    if (err instanceof DeviceUnavailableError) throw insufficientStorage(device);
    throw err;
  }
  const partitionPath = join(devicePath, dataDirName(policyIndex), partition);
  const step = req.headers[SSYNC_STEP_HEADER];
  if (step === 'missing-check') {
    const offer = await readJson(req);
    if (!offer || typeof offer !== 'object' || Array.isArray(offer)) throw badRequest('offer must be a map');
    const wanted = await missingCheck(partitionPath, offer as Record<string, unknown>, s.conf.reclaimAge);
    return send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(wanted));
  }
  if (step === 'updates') {
    const result = await receiveUpdates(s, manager, req, devicePath, partition, policyIndex);
    return send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(result));
  }
  throw badRequest(`unknown ${SSYNC_STEP_HEADER} step`);
}

async function missingCheck(partitionPath: string, offer: Record<string, unknown>, reclaimAge: number): Promise<Record<string, string[]>> {
  const now = Timestamp.now();
  const wanted: Record<string, string[]> = {};
  for (const [hash, files] of Object.entries(offer)) {
    if (!HASH_RE.test(hash) || !Array.isArray(files)) continue;
    const offered = files.filter((f): f is string => typeof f === 'string' && parseOnDiskFilename(f) !== undefined);
    const local = await listNames(join(partitionPath, hash.slice(-3), hash));
    const localSet = new Set(local);
    const gathered = gatherOnDiskFiles([...new Set([...local, ...offered])]);
    const reclaimed = new Set(filesToRemove(gathered, now, reclaimAge).map((f) => f.filename));
    const keep = new Set([gathered.data, gathered.ts, gathered.meta, gathered.ctype]
      .filter((f) => f && !reclaimed.has(f.filename)).map((f) => f!.filename));
    const want = offered.filter((f) => keep.has(f) && !localSet.has(f));
    if (want.length) wanted[hash] = want;
  }
  return wanted;
}

async function receiveUpdates(
  s: ObjectServer, manager: FsDiskFileManager, req: IncomingMessage, devicePath: string, partition: string, policyIndex: number,
): Promise<{ written: number; rejected: string[] }> {
  const reader = new FrameReader(req);
  const tmpDir = join(devicePath, tmpDirName(policyIndex));
  let written = 0;
  const rejected: string[] = [];
  const dirsToSync = new Set<string>();
  const landed = new Map<string, FsDiskFile>();
  const settle = async (): Promise<void> => {
    // Before answering (the sender counts a file only on our answer) and
    // before cleanup unlinks older versions, every rename is fsynced.
    for (const dir of dirsToSync) await fsyncDir(dir);
    for (const diskFile of landed.values()) await diskFile.afterWrite();
  };
  try {
    for (;;) {
      const line = await reader.line();
      if (line === undefined) break;
      const [hash, filename, sizeText, dataLenText] = line.split(' ');
      const size = Number(sizeText);
      const dataLength = Number(dataLenText);
      if (!HASH_RE.test(hash ?? '') || !filename || !parseOnDiskFilename(filename) ||
          !Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(dataLength) || dataLength < 0 || dataLength > size) {
        throw badRequest(`bad frame header: ${line.slice(0, 200)}`);
      }
      const tmp = await tempPath(tmpDir);
      const fh = await fsp.open(tmp, 'wx', 0o644);
      const md5 = createHash('md5');
      let seen = 0;
      try {
        await reader.bytes(size, async (chunk) => {
          if (seen < dataLength) md5.update(chunk.subarray(0, Math.min(chunk.length, dataLength - seen)));
          seen += chunk.length;
          await fh.write(chunk);
        });
        await fh.sync();
      } catch (err) {
        await fh.close().catch(() => undefined);
        await fsp.rm(tmp, { force: true });
        throw err;
      }
      await fh.close();
      const problem = await checkReceived(s, tmp, hash, filename, dataLength, md5.digest('hex'));
      if (problem) {
        s.logger.warn({ hash, filename, problem }, 'ssync: rejected file');
        rejected.push(`${hash}/${filename}`);
        await fsp.rm(tmp, { force: true });
        continue;
      }
      const diskFile = new FsDiskFile(manager, devicePath, partition, hash, '', policyIndex);
      // Renamed now, made durable below: one fsync per dir for the whole stream.
      for (const created of await makeDirs(diskFile.hashDir)) dirsToSync.add(dirname(created));
      await fsp.rename(tmp, join(diskFile.hashDir, filename));
      dirsToSync.add(diskFile.hashDir);
      landed.set(diskFile.hashDir, diskFile);
      written++;
    }
  } catch (err) {
    // A stream cut short: the files that landed whole before it stay, made
    // durable and their suffixes invalidated, as if the stream had ended there.
    await settle().catch((settleErr: unknown) => s.logger.error({ err: settleErr }, 'ssync: settling received files failed'));
    throw err;
  }
  await settle();
  return { written, rejected };
}

/** Why a received file must not be published, or undefined when it is sound. */
async function checkReceived(s: ObjectServer, tmp: string, hash: string, filename: string, dataLength: number, md5: string): Promise<string | undefined> {
  let meta;
  try {
    meta = await readFileMetadata(tmp);
  } catch (err) {
    return (err as Error).message;
  }
  if (meta.dataLength !== dataLength) return 'data length differs from the frame';
  // What the auditor would quarantine is not taken in: every file names its object, every .data has its ETag.
  const name = meta.metadata.name;
  if (name === undefined) return 'no name in its metadata';
  const m = /^\/([^/]+)\/([^/]+)\/(.+)$/s.exec(name);
  if (!m || hashPath(s.swiftConf.hashPath, m[1], m[2], m[3]) !== hash) return `name ${name} does not hash to ${hash}`;
  if (filename.endsWith('.data')) {
    const etag = meta.metadata.ETag ?? meta.metadata.Etag ?? meta.metadata.etag;
    if (etag === undefined) return 'no ETag in its metadata';
    if (etag !== md5) return `ETag ${etag} does not match the data (${md5})`;
    const cl = meta.metadata['Content-Length'];
    if (cl !== undefined && Number(cl) !== dataLength) return 'Content-Length does not match the data';
  }
  return undefined;
}
