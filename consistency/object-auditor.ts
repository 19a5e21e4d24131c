/**
 * object-auditor (Swift's `obj/auditor.py`): walks every object on every
 * device and checks it can be served as stored —
 *
 * - the `.data` trailer reads and names an object that hashes to its dir;
 * - its data length equals the stored Content-Length;
 * - (full pass) the MD5 of its bytes equals the stored ETag.
 *
 * A file that fails goes to `quarantined/objects[-N]/<hash>` through the
 * DiskFile's quarantine, which also invalidates the suffix hash so the
 * replicator restores a good copy from a peer. The zero-byte-file pass
 * (ZBF) only looks at objects with no data: cheap, so it runs first and
 * fast. Full passes are rate-limited by files_per_second and
 * bytes_per_second; the ZBF pass by zero_byte_files_per_second.
 *
 * Options (`[object-auditor]`): interval 30, files_per_second 20,
 * bytes_per_second 10000000, zero_byte_files_per_second 50, disk_chunk_size
 * 65536, and `mode` = all | zbf (default: a ZBF pass then a full pass).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { dumpReconCache, getFloat, getInt, getString, hashPath, SwiftlyError, type Logger } from '../common/index.js';
import { CorruptMetadataError, FsDiskFile, FsDiskFileManager, gatherOnDiskFiles, readFileMetadata } from '../storage/index.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { listDir, policyOfDir, usableDevices } from './devices.js';
import { RateLimiter } from './rate-limit.js';

export type AuditMode = 'ALL' | 'ZBF';

export interface AuditStats {
  passes: number;
  quarantined: number;
  errors: number;
  bytes_processed: number;
  audit_time: number;
  start_time: number;
}

/** Why an object failed its audit. */
export class AuditError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_DISK', message, { status: 500 });
    this.name = 'AuditError';
  }
}

const newStats = (): AuditStats => ({ passes: 0, quarantined: 0, errors: 0, bytes_processed: 0, audit_time: 0, start_time: Date.now() / 1000 });

export class ObjectAuditor implements Daemon {
  readonly name = 'object-auditor';
  readonly conf: CommonDaemonConf;
  private readonly filesPerSecond: number;
  private readonly bytesPerSecond: number;
  private readonly zbfPerSecond: number;
  private readonly chunkSize: number;
  private readonly modes: AuditMode[];
  private readonly manager: FsDiskFileManager;
  private readonly logger: Logger;
  readonly stats: Record<AuditMode, AuditStats> = { ALL: newStats(), ZBF: newStats() };

  constructor(private readonly ctx: DaemonContext) {
    this.conf = commonDaemonConf(ctx.conf, { interval: 30, concurrency: 1 });
    this.filesPerSecond = getFloat(ctx.conf, 'files_per_second', 20, 0);
    this.bytesPerSecond = getFloat(ctx.conf, 'bytes_per_second', 10_000_000, 0);
    this.zbfPerSecond = getFloat(ctx.conf, 'zero_byte_files_per_second', 50, 0);
    this.chunkSize = getInt(ctx.conf, 'disk_chunk_size', 65536, 1);
    const mode = getString(ctx.conf, 'mode', 'both').toLowerCase();
    this.modes = mode === 'zbf' ? ['ZBF'] : mode === 'all' ? ['ALL'] : ['ZBF', 'ALL'];
    this.logger = ctx.logger;
    this.manager = new FsDiskFileManager({
      devices: this.conf.devices, mountCheck: this.conf.mountCheck, reclaimAge: this.conf.reclaimAge,
      diskChunkSize: this.chunkSize, hashSecrets: ctx.swiftConf.hashPath, logger: ctx.logger,
    });
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    for (const mode of this.modes) {
      if (signal.aborted) return;
      await this.auditAll(mode, signal);
    }
  }

  /** Each mode's running (or last) pass counters as `<MODE>.<stat>`, for /metrics. */
  passStats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [mode, stats] of Object.entries(this.stats)) {
      for (const [k, v] of Object.entries(stats ?? {})) if (typeof v === 'number') out[`${mode}.${k}`] = v;
    }
    return out;
  }

  private async auditAll(mode: AuditMode, signal: AbortSignal): Promise<void> {
    const stats = newStats();
    this.stats[mode] = stats;
    const files = new RateLimiter(mode === 'ZBF' ? this.zbfPerSecond : this.filesPerSecond);
    const bytes = new RateLimiter(mode === 'ZBF' ? 0 : this.bytesPerSecond);
    const started = Date.now();
    for (const { path: devicePath } of await usableDevices(this.conf.devices, this.conf.mountCheck, this.conf.onlyDevices)) {
      for (const dirName of await listDir(devicePath)) {
        const policy = policyOfDir(dirName, 'objects');
        if (policy === undefined) continue;
        const objDir = join(devicePath, dirName);
        for (const partition of await listDir(objDir)) {
          if (!/^\d+$/.test(partition)) continue;
          for (const suffix of await listDir(join(objDir, partition))) {
            if (!/^[0-9a-f]{3}$/.test(suffix)) continue;
            for (const hash of await listDir(join(objDir, partition, suffix))) {
              if (signal.aborted) return;
              await files.take(1, signal);
              const diskFile = new FsDiskFile(this.manager, devicePath, partition, hash, '', policy);
              await this.auditObject(diskFile, mode, stats, bytes, signal);
            }
          }
        }
      }
    }
    stats.audit_time = (Date.now() - started) / 1000;
    this.logger.info({ mode, ...stats }, 'Object audit pass completed');
    dumpReconCache(this.conf.reconCachePath, 'object', { [`object_auditor_stats_${mode}`]: stats });
  }

  /** Audits one hash dir; quarantines it when its newest `.data` is bad. */
  async auditObject(diskFile: FsDiskFile, mode: AuditMode, stats: AuditStats, bytes: RateLimiter, signal: AbortSignal): Promise<void> {
    const files = gatherOnDiskFiles(await listDir(diskFile.hashDir));
    if (!files.data) return;
    const dataPath = join(diskFile.hashDir, files.data.filename);
    try {
      let meta;
      try {
        meta = await readFileMetadata(dataPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // replaced meanwhile
        throw err;
      }
      if (mode === 'ZBF' && meta.dataLength > 0) return;
      const name = meta.metadata.name ?? '';
      const m = /^\/([^/]+)\/([^/]+)\/(.+)$/s.exec(name);
      if (!m || hashPath(this.ctx.swiftConf.hashPath, m[1], m[2], m[3]) !== diskFile.hash) {
        throw new AuditError(`object name ${name} does not belong in ${diskFile.hash}`);
      }
      const cl = meta.metadata['Content-Length'];
      if (cl !== undefined && Number(cl) !== meta.dataLength) {
        throw new AuditError(`Content-Length of ${cl} does not match file size of ${meta.dataLength}`);
      }
      if (mode === 'ALL') {
        const etag = meta.metadata.ETag;
        const md5 = createHash('md5');
        if (meta.dataLength > 0) {
          for await (const chunk of createReadStream(dataPath, { start: 0, end: meta.dataLength - 1, highWaterMark: this.chunkSize })) {
            md5.update(chunk as Buffer);
            await bytes.take((chunk as Buffer).length, signal);
          }
        }
        stats.bytes_processed += meta.dataLength;
        const got = md5.digest('hex');
        if (etag !== undefined && etag !== got) throw new AuditError(`ETag ${etag} and file's md5 ${got} do not match`);
      }
      stats.passes++;
    } catch (err) {
      if (err instanceof AuditError || err instanceof CorruptMetadataError) {
        stats.quarantined++;
        this.ctx.statsd?.increment('quarantines');
        this.logger.error({ path: dataPath, reason: (err as Error).message }, 'ERROR Object failed audit and was quarantined');
        await diskFile.quarantine(err as Error);
      } else {
        stats.errors++;
        this.ctx.statsd?.increment('errors');
        this.logger.error({ err, path: dataPath }, 'ERROR Trying to audit');
      }
    }
  }
}

export const createObjectAuditor = (ctx: DaemonContext): ObjectAuditor => new ObjectAuditor(ctx);
