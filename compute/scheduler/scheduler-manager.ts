/**
 * The scheduler (Nova's FilterScheduler): hosts from the state DB, filtered,
 * weighed, best first. Selections not yet claimed by their compute host are
 * remembered briefly and counted against the host, so two requests in a row
 * don't both land on the last free slot.
 */
import type { Logger } from '../../common/index.js';
import type { ComputeDb } from '../db/index.js';
import { NoValidHostError } from '../errors.js';
import type { Flavor } from '../model.js';
import type { RpcEndpoint } from '../rpc/index.js';
import { SCHEDULER_RPC_VERSION } from '../rpcapi.js';
import { serviceIsUp, type Manager } from '../service/index.js';
import { ALL_FILTERS, type HostFilter } from './filters.js';
import { consumeFromRequest, DEFAULT_ALLOCATION_RATIOS, hostStateOf, type AllocationRatios, type HostState, type RequestSpec } from './host-state.js';
import { DEFAULT_WEIGHER_MULTIPLIERS, makeWeighers, weighHosts, type HostWeigher, type WeigherMultipliers } from './weighers.js';

export interface SchedulerOptions {
  db: ComputeDb;
  logger: Logger;
  filters?: readonly HostFilter[];
  weighers?: WeigherMultipliers;
  ratios?: AllocationRatios;
  /** Nova: service_down_time (60 s). */
  serviceDownTimeMs?: number;
  /** How long a selection counts against its host before the compute's claim is expected in the DB. */
  pendingTtlMs?: number;
}

export class SchedulerManager implements Manager {
  readonly endpoint: RpcEndpoint;
  private readonly filters: readonly HostFilter[];
  private readonly weighers: HostWeigher[];
  private readonly ratios: AllocationRatios;
  private readonly pending = new Map<string, { host: string; flavor: Flavor; until: number }>();
  private selecting: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SchedulerOptions) {
    this.filters = options.filters ?? ALL_FILTERS;
    this.weighers = makeWeighers(options.weighers ?? DEFAULT_WEIGHER_MULTIPLIERS);
    this.ratios = options.ratios ?? DEFAULT_ALLOCATION_RATIOS;
    this.endpoint = {
      version: SCHEDULER_RPC_VERSION,
      methods: {
        select_destinations: (_ctx, args) => this.selectDestinations(args.request_spec as RequestSpec),
      },
    };
  }

  /** Every compute host as the scheduler sees it now. */
  async hostStates(now = Date.now()): Promise<HostState[]> {
    const { db } = this.options;
    const services = new Map((await db.listServices('swiftly-compute')).map((s) => [s.host, s]));
    for (const [uuid, p] of this.pending) {
      const inst = await db.getInstance(uuid);
      // Claimed (host set) or expired; a vanished instance ages out with its TTL.
      if (p.until < now || inst?.host) this.pending.delete(uuid);
    }
    const out: HostState[] = [];
    for (const node of await db.listComputeNodes()) {
      const svc = services.get(node.host);
      if (!svc) continue;
      const up = serviceIsUp(svc.last_seen_up, this.options.serviceDownTimeMs ?? 60_000, now);
      const h = hostStateOf(node, svc, await db.usageOnHost(node.host), up, this.ratios);
      for (const p of this.pending.values()) if (p.host === node.host) consumeFromRequest(h, p.flavor);
      out.push(h);
    }
    return out;
  }

  /** Filter, weigh, pick the best; throws NoValidHostError naming the filter that emptied the list. */
  selectDestinations(spec: RequestSpec): Promise<{ host: string; node: string }[]> {
    // One at a time: each selection must count the ones before it (the pending list) and the DB reads are async.
    const run = this.selecting.then(() => this.selectNow(spec));
    this.selecting = run.catch(() => {});
    return run;
  }

  private async selectNow(spec: RequestSpec): Promise<{ host: string; node: string }[]> {
    let hosts = await this.hostStates();
    if (hosts.length === 0) throw new NoValidHostError('There are not enough hosts available.');
    for (const f of this.filters) {
      const before = hosts.length;
      hosts = hosts.filter((h) => f.passes(h, spec));
      if (hosts.length === 0) {
        this.options.logger.info({ filter: f.name, before, instance: spec.instance_uuid }, 'filter returned 0 hosts');
        throw new NoValidHostError(`There are not enough hosts available. (${f.name} returned 0 of ${before} hosts)`);
      }
    }
    const best = weighHosts(hosts, this.weighers)[0].host;
    this.pending.set(spec.instance_uuid, { host: best.host, flavor: spec.flavor, until: Date.now() + (this.options.pendingTtlMs ?? 30_000) });
    return [{ host: best.host, node: best.host }];
  }
}
