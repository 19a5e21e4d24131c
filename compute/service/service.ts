/**
 * A compute-side daemon (Nova's nova/service.py Service): a `binary`
 * (`swiftly-compute`, `swiftly-scheduler`, …) serving its manager on
 * `topic` (and `topic.host`), heartbeating into the state DB, running the
 * manager's periodic tasks, and stopping gracefully (stop consuming, let
 * running handlers finish, then stop timers).
 */
import type { Logger } from '../../common/index.js';
import type { ComputeDb } from '../db/index.js';
import { RpcServer, type RpcEndpoint, type Transport } from '../rpc/index.js';

/** A periodic task of a manager; a run that throws is logged and the next run happens anyway. */
export interface PeriodicTask {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

/** What a Service runs: the RPC endpoint and the host lifecycle hooks. */
export interface Manager {
  readonly endpoint: RpcEndpoint;
  /** Before consuming: reconcile the host with the DB (Nova: init_host). */
  initHost?(): Promise<void>;
  readonly periodicTasks?: readonly PeriodicTask[];
  /** After consuming stopped, before the process ends. */
  cleanupHost?(): Promise<void>;
}

export interface ServiceOptions {
  binary: string;
  topic: string;
  host: string;
  manager: Manager;
  db: ComputeDb;
  transport: Transport;
  logger: Logger;
  availabilityZone?: string;
  /** Nova: report_interval (10 s). */
  reportIntervalMs?: number;
  /** Handlers running at once (Nova: executor_thread_pool_size). */
  concurrency?: number;
}

export class Service {
  readonly binary: string;
  readonly topic: string;
  readonly host: string;
  readonly manager: Manager;
  private readonly rpc: RpcServer;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly options: ServiceOptions) {
    this.binary = options.binary;
    this.topic = options.topic;
    this.host = options.host;
    this.manager = options.manager;
    this.log = options.logger.child({ binary: options.binary, host: options.host });
    this.rpc = new RpcServer(options.transport, {
      topic: options.topic, server: options.host, endpoint: options.manager.endpoint,
      logger: options.logger, concurrency: options.concurrency,
    });
  }

  async start(): Promise<void> {
    const { db } = this.options;
    await db.registerService(this.binary, this.host, this.topic, this.options.availabilityZone ?? 'nova');
    await this.manager.initHost?.();
    await db.heartbeat(this.binary, this.host);
    await this.rpc.start();
    this.every(this.options.reportIntervalMs ?? 10_000, 'report_state', async () => await db.heartbeat(this.binary, this.host));
    for (const task of this.manager.periodicTasks ?? []) this.every(task.intervalMs, task.name, () => task.run());
    this.log.info({ topic: this.topic }, 'service started');
  }

  /** Run `fn` every `ms`, never two runs of one task at once. */
  private every(ms: number, name: string, fn: () => Promise<void>): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      const p = fn()
        .catch((err: Error) => this.log.error({ task: name, err: err.message }, 'periodic task failed'))
        .finally(() => { busy = false; this.running.delete(p); });
      this.running.add(p);
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.rpc.stop();
    for (const t of this.timers) clearInterval(t);
    await Promise.all([...this.running]);
    await this.manager.cleanupHost?.();
    this.log.info('service stopped');
  }
}

/** Nova's servicegroup DB driver: up when the last heartbeat is within service_down_time. */
export function serviceIsUp(lastSeenUp: number | null, downTimeMs: number, now = Date.now()): boolean {
  return lastSeenUp !== null && now - lastSeenUp <= downTimeMs;
}
