/** The volume service's face on the bus (Cinder's volume/rpcapi.py): topic `volume`, one queue per volume host. */
import { RpcClient, type RequestContext, type Transport } from '../rpc/index.js';
import type { ConnectionInfo, VolumeConnector } from './types.js';

export const VOLUME_TOPIC = 'volume';
export const VOLUME_RPC_VERSION = '1.0';
/** The volume service's binary in the services table. */
export const VOLUME_BINARY = 'swiftly-volume';

type Ctx = Partial<RequestContext>;

export class VolumeRpcApi {
  private readonly client: RpcClient;
  constructor(transport: Transport, timeoutMs?: number) {
    this.client = new RpcClient(transport, { topic: VOLUME_TOPIC, version: VOLUME_RPC_VERSION, timeoutMs });
  }
  createVolume(ctx: Ctx, host: string, volumeId: string): Promise<void> {
    return this.client.cast(ctx, 'create_volume', { volume_id: volumeId }, { server: host });
  }
  deleteVolume(ctx: Ctx, host: string, volumeId: string): Promise<void> {
    return this.client.cast(ctx, 'delete_volume', { volume_id: volumeId }, { server: host });
  }
  extendVolume(ctx: Ctx, host: string, volumeId: string, newSize: number): Promise<void> {
    return this.client.cast(ctx, 'extend_volume', { volume_id: volumeId, new_size: newSize }, { server: host });
  }
  /** How `connector`'s host reaches the volume (asked before an attach): its file, or an export made for it. */
  initializeConnection(ctx: Ctx, host: string, volumeId: string, connector: VolumeConnector): Promise<ConnectionInfo> {
    return this.client.call<ConnectionInfo>(ctx, 'initialize_connection', { volume_id: volumeId, connector }, { server: host });
  }
  /** `connector`'s host let go of the volume: what was exported for it stops (asked after a detach). */
  terminateConnection(ctx: Ctx, host: string, volumeId: string, connector: VolumeConnector): Promise<void> {
    return this.client.call<void>(ctx, 'terminate_connection', { volume_id: volumeId, connector }, { server: host });
  }
}
