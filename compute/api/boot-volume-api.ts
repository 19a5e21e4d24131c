/**
 * Boot from volume on the API side (Nova's compute/api.py
 * _validate_bdm and _create_block_device_mapping, with Cinder's reserve):
 * before the server row, the volume or image is checked (Nova's 400s); after
 * it, the root attachment (`/dev/vda`, boot_index 0) is recorded — an
 * existing volume is reserved at once (available → attaching), a volume
 * from an image is made first (the compute host waits for it).
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, type Logger } from '../../common/index.js';
import type { RequestContext } from '../rpc/index.js';
import {
  deleteTerminatedVolumes, VolumeNotFoundError, VolumeStatus, type VolumeApiService, type VolumeContext, type VolumeRpcApi,
} from '../volume/index.js';
import type { BootVolumeRequest } from './block-device-params.js';

const bdmInvalid = (details: string) => new InvalidArgumentError(`Block Device Mapping is Invalid: ${details}`);

export class BootVolumes {
  constructor(private readonly v: { api: VolumeApiService; rpc: VolumeRpcApi }, private readonly log: Logger) {}

  /** What the server is built with: the properties of the image its root volume holds (kernel, ramdisk, command line). */
  async check(ctx: VolumeContext, req: BootVolumeRequest): Promise<{ properties: Record<string, string>; minRam: number }> {
    if (req.sourceType === 'image') {
      const image = await ctx.images.show(req.uuid);
      if (!image) throw bdmInvalid(`failed to get image ${req.uuid}.`);
      if (image.status !== 'active') throw new InvalidArgumentError(`Image ${image.id} is not active.`);
      return { properties: image.properties, minRam: image.min_ram };
    }
    let volume;
    try {
      volume = await this.v.api.get(ctx, req.uuid);
    } catch (err) {
      if (err instanceof VolumeNotFoundError) throw bdmInvalid(`failed to get volume ${req.uuid}.`);
      throw err;
    }
    if (volume.status !== VolumeStatus.AVAILABLE) throw new InvalidArgumentError(`Invalid volume: volume '${volume.id}' status must be 'available'. Currently in '${volume.status}'`);
    if (!volume.bootable) throw new InvalidArgumentError(`Block Device ${volume.id} is not bootable.`);
    const image = volume.image_id ? await ctx.images.show(volume.image_id) : undefined;
    return { properties: image?.properties ?? {}, minRam: image?.min_ram ?? 0 };
  }

  /** The server `uuid`'s root volume recorded (a volume from an image created first). */
  async record(ctx: VolumeContext, uuid: string, req: BootVolumeRequest): Promise<void> {
    const volumeId = req.sourceType === 'volume'
      ? req.uuid
      : (await this.v.api.create(ctx, { size: req.volumeSize, imageRef: req.uuid, name: '' })).id;
    await this.v.api.store.reserveAttachment({
      id: randomUUID(), volume_id: volumeId, instance_uuid: uuid, device: '/dev/vda', host: null, boot_index: 0,
      delete_on_termination: req.deleteOnTermination,
    }, { whileCreating: req.sourceType === 'image' });
  }

  /** Volumes a deleted server left `deleting` (delete_on_termination) go to their hosts to be deleted. */
  deleteTerminated(ctx: Partial<RequestContext>, ids: readonly string[]): Promise<void> {
    return deleteTerminatedVolumes({ store: this.v.api.store, rpc: this.v.rpc }, ctx, ids, this.log);
  }
}
