/**
 * container-auditor and account-auditor (Swift's `container/auditor.py`,
 * `account/auditor.py` over `db_auditor.py`): opens every DB on the
 * server's devices and reads its info; a DB that SQLite cannot read (or
 * whose quick_check fails) is moved to `quarantined/<containers|accounts>/<hash>`
 * so the replicators restore a good copy from a peer.
 *
 * Options (`[container-auditor]` / `[account-auditor]`): interval 1800,
 * containers_per_second / accounts_per_second 200.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { dumpReconCache, getFloat, type Logger, type Statsd } from '../common/index.js';
import { AccountBroker, ContainerBroker } from '../storage/index.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { walkDbs } from './db-walk.js';
import { RateLimiter } from './rate-limit.js';

export class DbAuditor implements Daemon {
  readonly name: string;
  readonly conf: CommonDaemonConf;
  private readonly limiter: RateLimiter;
  private readonly logger: Logger;
  private readonly statsd?: Statsd;
  stats = { passes: 0, failures: 0, quarantined: 0 };

  constructor(ctx: DaemonContext, readonly kind: 'container' | 'account') {
    this.statsd = ctx.statsd;
    this.name = `${kind}-auditor`;
    this.conf = commonDaemonConf(ctx.conf, { interval: 1800, bindPort: kind === 'container' ? 6201 : 6202 });
    this.limiter = new RateLimiter(getFloat(ctx.conf, `${kind}s_per_second`, 200, 0));
    this.logger = ctx.logger;
  }

  passStats(): Record<string, number> {
    return { ...this.stats };
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    try {
      await this.auditPass(signal);
    } catch (err) {
      // Swift's <kind>-auditor.errors: a pass that broke off (the runner logs it).
      this.statsd?.increment('errors');
      throw err;
    }
  }

  private async auditPass(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    this.stats = { passes: 0, failures: 0, quarantined: 0 };
    const datadir = this.kind === 'container' ? 'containers' : 'accounts';
    for await (const db of walkDbs(this.conf.devices, this.conf.mountCheck, datadir, this.conf.onlyDevices, signal)) {
      await this.limiter.take(1, signal);
      if (!(await fsp.stat(db.dbFile).catch(() => undefined))) continue;
      const begin = performance.now();
      const problem = this.check(db.dbFile);
      // Swift's <kind>-auditor.passes / .failures / .timing (one DB's audit).
      this.statsd?.timingSince('timing', begin);
      if (!problem) {
        this.stats.passes++;
        this.statsd?.increment('passes');
        continue;
      }
      this.stats.failures++;
      this.statsd?.increment('failures');
      await this.quarantine(db.devicePath, datadir, db.dbFile, problem);
    }
    const seconds = (Date.now() - started) / 1000;
    this.logger.info({ ...this.stats, seconds }, `${this.kind} audit pass completed`);
    dumpReconCache(this.conf.reconCachePath, this.kind, {
      [`${this.kind}_auditor_pass_completed`]: seconds, [`${this.kind}_audits_passed`]: this.stats.passes,
      [`${this.kind}_audits_failed`]: this.stats.failures,
      [`${this.kind}_audits_since`]: started / 1000,
    });
  }

  /** Why the DB is unreadable, or undefined when it reads. */
  private check(dbFile: string): string | undefined {
    try {
      const db = new Database(dbFile, { fileMustExist: true, readonly: true });
      try {
        const row = db.prepare('PRAGMA quick_check').get() as Record<string, string>;
        const verdict = Object.values(row)[0];
        if (verdict !== 'ok') return `quick_check: ${verdict}`;
      } finally {
        db.close();
      }
      const broker = this.kind === 'container' ? new ContainerBroker(dbFile, '', '') : new AccountBroker(dbFile, '');
      try {
        broker.getInfo();
      } finally {
        broker.close();
      }
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  private async quarantine(devicePath: string, datadir: string, dbFile: string, reason: string): Promise<void> {
    const hashDir = dirname(dbFile);
    const qdir = join(devicePath, 'quarantined', datadir);
    await fsp.mkdir(qdir, { recursive: true });
    let target = join(qdir, hashDir.split('/').pop()!);
    if (await fsp.stat(target).catch(() => undefined)) target = `${target}-${randomUUID().replace(/-/g, '')}`;
    await fsp.rename(hashDir, target).catch(() => undefined);
    this.stats.quarantined++;
    this.logger.error({ dbFile, target, reason }, 'Quarantined DB');
  }
}

export const createContainerAuditor = (ctx: DaemonContext): DbAuditor => new DbAuditor(ctx, 'container');
export const createAccountAuditor = (ctx: DaemonContext): DbAuditor => new DbAuditor(ctx, 'account');
