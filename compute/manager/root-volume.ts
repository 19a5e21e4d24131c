/**
 * A server that boots from a volume (Nova's block_device_mapping_v2 with
 * boot_index 0, destination volume), on its compute host: the API recorded
 * the attachment (`/dev/vda`); a volume made from an image for the server
 * may still be `creating`, so the build waits for it (Nova's
 * _await_block_device_map_created), claims it (available → attaching), asks
 * its volume host how to reach it, and after the spawn marks it `in-use`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { VolumeDisk } from '../driver/index.js';
import type { Instance } from '../model.js';
import type { RequestContext } from '../rpc/index.js';
import { VolumeStatus, type ConnectionInfo, type VolumeAttachment, type VolumeRpcApi, type VolumeStore } from '../volume/index.js';

export interface RootVolume {
  attachment: VolumeAttachment;
  disk: VolumeDisk;
  /** The image the volume was made from (its kernel, ramdisk and properties), or '' for none. */
  imageId: string;
}

/**
 * What a compute host's driver is given for a volume connection: `file`, the
 * volume host's own file (this host is the volume host); `nbd`, the volume
 * host's export of it, read as raw.
 */
export function volumeDisk(conn: ConnectionInfo, device: string): VolumeDisk {
  const dev = device.replace(/^\/dev\//, '');
  if (conn.driver_volume_type === 'file') return { volumeId: conn.data.volume_id, device: dev, path: conn.data.path, format: conn.data.format };
  if (conn.driver_volume_type === 'nbd') {
    const { host, port, name } = conn.data;
    return { volumeId: conn.data.volume_id, device: dev, format: 'raw', nbd: { host, port, name } };
  }
  throw new Error(`volume connection type ${(conn as { driver_volume_type: string }).driver_volume_type} is not supported`);
}

export class RootVolumes {
  /** `host`: this compute host (the connector the volume host exports to). */
  constructor(private readonly v: { store: VolumeStore; rpc: VolumeRpcApi }, private readonly host: string, private readonly waitMs = 180_000) {}

  /** The root volume of `inst`, ready for the driver; undefined for a server booted from an image. */
  async prepare(ctx: RequestContext, inst: Instance): Promise<RootVolume | undefined> {
    const attachment = (await this.v.store.attachments({ instanceUuid: inst.uuid })).find((a) => a.boot_index === 0);
    if (!attachment) return undefined;
    const until = Date.now() + this.waitMs;
    let volume = await this.v.store.get(attachment.volume_id);
    while (volume?.status === VolumeStatus.CREATING) {
      if (Date.now() > until) throw new Error(`Volume ${attachment.volume_id} did not finish creation within ${this.waitMs} ms`);
      await sleep(250);
      volume = await this.v.store.get(attachment.volume_id);
    }
    if (!volume) throw Object.assign(new Error(`Volume ${attachment.volume_id} could not be found.`), { name: 'VolumeNotFound' });
    if (volume.status === VolumeStatus.AVAILABLE) await this.v.store.claimAttachment(attachment.id);
    else if (volume.status !== VolumeStatus.ATTACHING) {
      throw Object.assign(new Error(`Volume ${volume.id} is ${volume.status}: the server can't boot from it`), { name: 'VolumeNotCreated' });
    }
    if (!volume.host) throw new Error(`Volume ${volume.id} has no host`);
    const conn = await this.v.rpc.initializeConnection(ctx, volume.host, volume.id, { host: this.host });
    return { attachment, disk: volumeDisk(conn, attachment.device), imageId: volume.image_id ?? '' };
  }

  /** The server runs on it: `in-use`. */
  async attached(root: RootVolume): Promise<void> {
    await this.v.store.update(root.attachment.volume_id, { status: VolumeStatus.IN_USE }, [VolumeStatus.ATTACHING]);
  }
}
