/**
 * The typed faces of each service on the bus (Nova's rpcapi.py modules): method
 * names, arguments and the version each client speaks, in one place.
 */
import { RpcClient, type RequestContext, type Transport } from './rpc/index.js';
import type { Flavor } from './model.js';
import type { Network } from './network/index.js';
import type { RequestSpec } from './scheduler/host-state.js';

export const SCHEDULER_TOPIC = 'scheduler';
export const CONDUCTOR_TOPIC = 'conductor';
export const COMPUTE_TOPIC = 'compute';

export const SCHEDULER_RPC_VERSION = '1.0';
export const CONDUCTOR_RPC_VERSION = '1.0';
export const COMPUTE_RPC_VERSION = '1.4';

type Ctx = Partial<RequestContext>;

/** Retry bookkeeping of a build (Nova: filter_properties['retry']). */
export interface BuildRetry {
  num_attempts: number;
  hosts: string[];
}

export class SchedulerApi {
  private readonly client: RpcClient;
  constructor(transport: Transport, timeoutMs?: number) {
    this.client = new RpcClient(transport, { topic: SCHEDULER_TOPIC, version: SCHEDULER_RPC_VERSION, timeoutMs });
  }
  selectDestinations(ctx: Ctx, spec: RequestSpec): Promise<{ host: string; node: string }[]> {
    return this.client.call(ctx, 'select_destinations', { request_spec: spec });
  }
}

export class ConductorApi {
  private readonly client: RpcClient;
  constructor(transport: Transport, timeoutMs?: number) {
    this.client = new RpcClient(transport, { topic: CONDUCTOR_TOPIC, version: CONDUCTOR_RPC_VERSION, timeoutMs });
  }
  buildInstances(ctx: Ctx, instanceUuid: string, retry: BuildRetry = { num_attempts: 0, hosts: [] }): Promise<void> {
    return this.client.cast(ctx, 'build_instances', { instance_uuid: instanceUuid, retry });
  }
  migrateServer(ctx: Ctx, instanceUuid: string, flavor: Flavor): Promise<void> {
    return this.client.cast(ctx, 'migrate_server', { instance_uuid: instanceUuid, flavor });
  }
}

export class ComputeApi {
  private readonly client: RpcClient;
  constructor(transport: Transport, timeoutMs?: number) {
    this.client = new RpcClient(transport, { topic: COMPUTE_TOPIC, version: COMPUTE_RPC_VERSION, timeoutMs });
  }
  /** Cast an instance operation to the host that runs it. */
  cast(ctx: Ctx, host: string, method: string, instanceUuid: string, args: Record<string, unknown> = {}): Promise<void> {
    return this.client.cast(ctx, method, { instance_uuid: instanceUuid, ...args }, { server: host });
  }
  /** Every compute host takes a deleted network off its data plane (1.2). */
  teardownNetwork(ctx: Ctx, network: Network): Promise<void> {
    return this.client.cast(ctx, 'teardown_network', { network }, { fanout: true, version: '1.2' });
  }
  call<T>(ctx: Ctx, host: string, method: string, instanceUuid: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<T> {
    return this.client.call<T>(ctx, method, { instance_uuid: instanceUuid, ...args }, { server: host, timeoutMs });
  }
  /**
   * A running server's attached disk `device` copied by its hypervisor to a new file `target.path` on `host` (1.4;
   * Nova's volume_snapshot_create): false when the server is not running or its driver can't (copy the file then).
   */
  volumeSnapshotCreate(ctx: Ctx, host: string, instanceUuid: string, device: string, target: { path: string; format: 'raw' | 'qcow2' }, timeoutMs?: number): Promise<boolean> {
    return this.client.call<boolean>(ctx, 'volume_snapshot_create', { instance_uuid: instanceUuid, device, target }, { server: host, timeoutMs, version: '1.4' });
  }
}
