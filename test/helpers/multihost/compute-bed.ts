/**
 * Compute across the bed's hosts, each service its own process started the
 * way an operator starts it (`swiftly compute api|scheduler|compute|image-api
 * <conf>`) inside its host's namespace: the API, the scheduler (with the
 * conductor) and the image API on a controller host, a compute worker (fake
 * hypervisor) on each compute host. They share one PostgreSQL database
 * (through its unix socket) and RabbitMQ (through broker-forward.ts); every
 * HTTP call between hosts goes over the bed's network.
 *
 *   const compute = await startComputeOnBed(bed, { controller: 1, computes: [2, 3], database, exchange });
 *   … request(`${compute.apiUrl}/v2.1/…`, { dispatcher: bed.dispatcher }) …
 *   await compute.stop();
 *
 * The bed's proxies need tempauth with `BED_TEMPAUTH`'s users
 * (`MultiHostBed.create({ proxyTempauth: BED_TEMPAUTH, … })`): compute and
 * the image API authenticate through the controller's proxy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqlDatabase } from '../../../compute/db/index.js';
import type { BedHost, MultiHostBed } from './bed.js';
import { forwardBroker, type BrokerForward } from './broker-forward.js';
import { COMPUTE_API_PORT, computeHostName, IMAGE_API_PORT, writeComputeFiles, type ComputeTuning } from './compute-config.js';
import { listeningPorts } from './network.js';

const SWIFTLY_BIN = fileURLToPath(new URL('../../../cli/bin/swiftly.js', import.meta.url));

export type ComputeRole = 'api' | 'scheduler' | 'compute' | 'image-api';

export interface ComputeBedOptions extends Partial<Omit<ComputeTuning, 'database' | 'exchange'>> {
  /** The bed host running the API, the scheduler and the image API. */
  controller: number;
  /** The bed hosts running a compute worker each. */
  computes: number[];
  database: string;
  exchange: string;
}

export interface ComputeBed {
  controller: BedHost;
  computes: BedHost[];
  /** `http://<controller>:8774` (add `/v2.1/<project>/…`), reached with `bed.dispatcher`. */
  apiUrl: string;
  /** `http://<controller>:9292` (add `/v2/…`). */
  imageUrl: string;
  tuning: ComputeTuning;
  /** JSON log lines of a role on bed host `n` (`<log>/compute-<role>.log`). */
  log(n: number, role: ComputeRole): Record<string, unknown>[];
  /** SIGTERMs every compute process (they stop consuming and close), then the broker forwarders. */
  stop(): Promise<void>;
}

/** Starts the controller's services and the compute workers; resolves once every worker's service has heartbeaten into the DB. */
export async function startComputeOnBed(bed: MultiHostBed, o: ComputeBedOptions): Promise<ComputeBed> {
  const controller = bed.host(o.controller);
  const computes = o.computes.map((n) => bed.host(n));
  const tuning: ComputeTuning = { database: o.database, exchange: o.exchange, reportInterval: o.reportInterval ?? 0.5, serviceDownTime: o.serviceDownTime ?? 3 };
  const children: ChildProcess[] = [];
  const logPath = (h: BedHost, role: ComputeRole): string => join(h.paths.log, `compute-${role}.log`);
  const start = (h: BedHost, role: ComputeRole, conf: string): void => {
    const fd = openSync(logPath(h, role), 'a');
    children.push(spawn('ip', ['netns', 'exec', h.ns, process.execPath, SWIFTLY_BIN, 'compute', role, conf], { stdio: ['ignore', fd, fd] }));
    closeSync(fd);
  };
  let broker: BrokerForward | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.once('exit', () => { clearTimeout(kill); resolve(); });
      c.kill('SIGTERM');
    })));
    broker?.stop();
  };
  try {
    broker = await forwardBroker(bed, { hosts: [controller.n, ...computes.map((h) => h.n)] });
    const files = writeComputeFiles(controller, controller, tuning);
    start(controller, 'image-api', files.image!);
    start(controller, 'api', files.compute);
    start(controller, 'scheduler', files.compute);
    for (const h of computes) start(h, 'compute', writeComputeFiles(h, controller, tuning).compute);
    await waitUntil(async () => {
      const open = await listeningPorts(controller.ns);
      return open.has(COMPUTE_API_PORT) && open.has(IMAGE_API_PORT);
    }, 'the controller\'s compute and image APIs', children, bed.root);
    await waitForServices(o.database, computes.map((h) => computeHostName(h.n)), children, bed.root);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    controller, computes, tuning, stop,
    apiUrl: `http://${controller.ip}:${COMPUTE_API_PORT}`,
    imageUrl: `http://${controller.ip}:${IMAGE_API_PORT}`,
    log: (n, role) => jsonLines(logPath(bed.host(n), role)),
  };
}

/** Until the scheduler and each compute host's worker have registered, heartbeaten and (workers) reported their node. */
async function waitForServices(database: string, hosts: string[], children: ChildProcess[], root: string): Promise<void> {
  const db = await openSqlDatabase(database);
  try {
    await waitUntil(async () => {
      const up = await db.all(`SELECT "binary", host FROM services WHERE last_seen_up IS NOT NULL`).catch(() => []);
      const nodes = new Set((await db.all(`SELECT host FROM compute_nodes`).catch(() => [])).map((r) => r.host));
      const has = (binary: string, host?: string): boolean => up.some((r) => r.binary === binary && (host === undefined || r.host === host));
      return has('swiftly-scheduler') && hosts.every((h) => has('swiftly-compute', h) && nodes.has(h));
    }, `compute services of ${hosts.join(', ')}`, children, root);
  } finally {
    await db.close();
  }
}

async function waitUntil(ready: () => Promise<boolean>, what: string, children: ChildProcess[], root: string, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await ready()); await sleep(200)) {
    const dead = children.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`${what}: ${dead.spawnargs.slice(-2).join(' ')} exited (${dead.exitCode}); logs in ${root}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s (logs in ${root})`);
  }
}

function jsonLines(file: string): Record<string, unknown>[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return []; // a line cut by a kill
    }
  });
}
