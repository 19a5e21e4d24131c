/**
 * The conductor's build and migrate tasks (Nova's ComputeTaskManager): asks
 * the scheduler for a host over RPC, then casts the work to that host's
 * compute. A request nobody can host ends the instance in ERROR with
 * "No valid host was found"; a build a host could not claim comes back
 * here and is retried elsewhere, up to `maxAttempts`.
 */
import type { Logger } from '../../common/index.js';
import type { ComputeDb } from '../db/index.js';
import { TaskState, VmState, type Flavor } from '../model.js';
import type { RequestContext, RpcEndpoint } from '../rpc/index.js';
import { ComputeApi, CONDUCTOR_RPC_VERSION, SchedulerApi, type BuildRetry } from '../rpcapi.js';
import { serviceIsUp, type Manager, type PeriodicTask } from '../service/index.js';

export interface ConductorOptions {
  db: ComputeDb;
  logger: Logger;
  scheduler: SchedulerApi;
  compute: ComputeApi;
  /** Nova: scheduler max_attempts (3). */
  maxAttempts?: number;
  /** Nova: allow_resize_to_same_host (False there; true here, so one-host clouds can resize). */
  allowResizeToSameHost?: boolean;
  /** Nova: service_down_time; a build on a host silent this long is failed. */
  serviceDownTimeMs?: number;
  /** How often to look for builds stranded on dead hosts. */
  reapIntervalMs?: number;
}

export class ConductorManager implements Manager {
  readonly endpoint: RpcEndpoint;
  readonly periodicTasks: readonly PeriodicTask[];
  private readonly log: Logger;

  constructor(private readonly options: ConductorOptions) {
    this.log = options.logger.child({ manager: 'conductor' });
    this.endpoint = {
      version: CONDUCTOR_RPC_VERSION,
      methods: {
        build_instances: (ctx, a) => this.buildInstances(ctx, a.instance_uuid as string, a.retry as BuildRetry),
        migrate_server: (ctx, a) => this.migrateServer(ctx, a.instance_uuid as string, a.flavor as Flavor),
      },
    };
    this.periodicTasks = [{ name: 'fail_builds_on_dead_hosts', intervalMs: options.reapIntervalMs ?? 10_000, run: () => this.failBuildsOnDeadHosts() }];
  }

  /**
   * A compute worker that died mid-build never answers: once its host has
   * been silent past service_down_time, its builds end in ERROR and their
   * claims are released (the instance leaves the host), so the resources
   * are free for others. A restarted worker finds nothing left to do.
   */
  async failBuildsOnDeadHosts(now = Date.now()): Promise<void> {
    const { db } = this.options;
    const down = this.options.serviceDownTimeMs ?? 60_000;
    for (const svc of await db.listServices('swiftly-compute')) {
      if (serviceIsUp(svc.last_seen_up, down, now)) continue;
      for (const inst of await db.listInstances({ host: svc.host, vmState: [VmState.BUILDING] })) {
        try {
          await db.updateInstance(inst.uuid, { vm_state: VmState.ERROR, task_state: null, host: null, node: null }, { vm_state: [VmState.BUILDING] });
          await db.addFault(inst.uuid, 500, `Compute host ${svc.host} went down while the instance was building`, 'fail_builds_on_dead_hosts', svc.host);
          this.log.warn({ instance: inst.uuid, host: svc.host }, 'build stranded on a dead host set to ERROR');
        } catch { /* moved on meanwhile */ }
      }
      await db.setComputeNodeUsage(svc.host, await db.usageOnHost(svc.host));
    }
  }

  async buildInstances(ctx: RequestContext, uuid: string, retry: BuildRetry): Promise<void> {
    const { db } = this.options;
    const inst = await db.getInstance(uuid);
    if (!inst || inst.vm_state !== VmState.BUILDING || inst.task_state !== TaskState.SCHEDULING) return; // deleted or moved on meanwhile
    const maxAttempts = this.options.maxAttempts ?? 3;
    let host: string;
    try {
      if (retry.num_attempts >= maxAttempts) {
        throw Object.assign(new Error(`No valid host was found. Exceeded max scheduling attempts ${maxAttempts} for instance ${uuid}.`), { name: 'NoValidHost' });
      }
      const dests = await this.options.scheduler.selectDestinations(ctx, {
        instance_uuid: uuid, flavor: inst.flavor, image_properties: inst.image_properties,
        availability_zone: inst.availability_zone, ignore_hosts: retry.hosts,
      });
      host = dests[0].host;
    } catch (err) {
      const e = err as Error;
      this.log.warn({ requestId: ctx.requestId, instance: uuid, err: e.message }, 'build failed to schedule');
      try {
        await db.updateInstance(uuid, { vm_state: VmState.ERROR, task_state: null }, { task_state: [TaskState.SCHEDULING] });
        await db.addFault(uuid, 500, e.message, (e as { remoteName?: string }).remoteName ?? e.name);
        await db.finishAction(uuid, ctx.requestId, 'Error', e.message);
      } catch { /* deleted meanwhile */ }
      return;
    }
    await this.options.compute.cast(ctx, host, 'build_and_run_instance', uuid, {
      retry: { num_attempts: retry.num_attempts + 1, hosts: [...retry.hosts, host] },
    });
  }

  async migrateServer(ctx: RequestContext, uuid: string, flavor: Flavor): Promise<void> {
    const { db } = this.options;
    const inst = await db.getInstance(uuid);
    if (!inst || inst.task_state !== TaskState.RESIZE_PREP || !inst.host) return;
    try {
      const dests = await this.options.scheduler.selectDestinations(ctx, {
        instance_uuid: uuid, flavor, image_properties: inst.image_properties, availability_zone: inst.availability_zone,
        ignore_hosts: this.options.allowResizeToSameHost === false ? [inst.host] : [],
      });
      await this.options.compute.cast(ctx, dests[0].host, 'prep_resize', uuid, { flavor, source_host: inst.host });
    } catch (err) {
      const e = err as Error;
      this.log.warn({ requestId: ctx.requestId, instance: uuid, err: e.message }, 'resize failed to schedule');
      try {
        await db.updateInstance(uuid, { task_state: null }, { task_state: [TaskState.RESIZE_PREP] });
        await db.addFault(uuid, 500, e.message, e.name);
        await db.finishAction(uuid, ctx.requestId, 'Error', e.message);
      } catch { /* deleted meanwhile */ }
    }
  }
}
