/**
 * The volume manager (nova-volume, later cinder-volume): consumes `volume`
 * and `volume.<host>` and does the work on the volume host's files —
 * create (empty, from an image fetched through the image service, or from
 * a snapshot's file), delete, extend — moving the row through Cinder's
 * statuses. Each step starts only from the status the API set, so a
 * redelivered message is a no-op.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../common/index.js';
import type { ImageDataService, ImageService } from '../image/index.js';
import type { RequestContext, RpcEndpoint, RpcMethod } from '../rpc/index.js';
import type { Manager } from '../service/index.js';
import { VOLUME_RPC_VERSION } from './volume-rpcapi.js';
import type { NbdExports } from './nbd-exports.js';
import { VolumeStatus, type ConnectionInfo, type Volume, type VolumeBackend, type VolumeConnector, type VolumeStore } from './types.js';

/** Where a new volume's data comes from when it is made from a snapshot (snapshot/snapshot-manager.ts). */
export interface SnapshotSource {
  /** Write the snapshot's data as a new image `dest` of `destFormat`. */
  copyTo(snapshotId: string, dest: string, destFormat: string): Promise<void>;
}

export interface VolumeManagerOptions {
  host: string;
  store: VolumeStore;
  backend: VolumeBackend;
  /** Image data for volumes made from images (compute's own credentials for the image service). */
  images: ImageService;
  snapshots?: SnapshotSource;
  /** More methods on the same topic (the snapshot and backup managers': they work on this host's files). */
  methods?: Record<string, RpcMethod>;
  logger: Logger;
  /** Where image data is fetched to before conversion (the volumes directory by default). */
  scratchDir: string;
  /** How volumes reach guests on other hosts (`[volume] target_ip_address` set); absent: only this host's guests attach them. */
  exports?: NbdExports;
}

function hasData(images: ImageService): images is ImageDataService {
  return typeof (images as Partial<ImageDataService>).fetchTo === 'function';
}

export class VolumeManager implements Manager {
  readonly endpoint: RpcEndpoint;
  private readonly log: Logger;

  constructor(private readonly o: VolumeManagerOptions) {
    this.log = o.logger.child({ manager: 'volume', host: o.host });
    const id = (a: Record<string, unknown>) => a.volume_id as string;
    this.endpoint = {
      version: VOLUME_RPC_VERSION,
      methods: {
        create_volume: (c, a) => this.createVolume(c, id(a)),
        delete_volume: (c, a) => this.deleteVolume(c, id(a)),
        extend_volume: (c, a) => this.extendVolume(c, id(a), a.new_size as number),
        initialize_connection: (_c, a) => this.initializeConnection(id(a), a.connector as VolumeConnector | undefined),
        terminate_connection: (_c, a) => this.terminateConnection(id(a), a.connector as VolumeConnector | undefined),
        ...o.methods,
      },
    };
  }

  /**
   * At start (Cinder's ensure_export): every volume of this host attached to
   * another host's server is exported again on its port (qemu-nbd does not
   * outlive a reboot of the machine), and an export no attachment needs any
   * more (a terminate_connection that never came) stops.
   */
  async initHost(): Promise<void> {
    const exports = this.o.exports;
    if (!exports) return;
    const needed = new Set<string>();
    for (const v of await this.o.store.list({ host: this.o.host })) {
      const remote = (await this.o.store.attachments({ volumeId: v.id })).some((a) => a.host !== this.o.host);
      if (!remote) continue;
      needed.add(v.id);
      if (await exports.restore(v.id, this.o.backend.path(v), v.format)) this.log.info({ volume: v.id }, 'NBD export running');
      else this.log.warn({ volume: v.id }, 'a volume attached to another host has no export record: detach and attach it again');
    }
    for (const id of await exports.exported()) {
      if (needed.has(id)) continue;
      await exports.unexport(id);
      this.log.info({ volume: id }, 'NBD export no attachment needs stopped');
    }
  }

  get backend(): VolumeBackend {
    return this.o.backend;
  }

  private async createVolume(ctx: RequestContext, volumeId: string): Promise<void> {
    const v = await this.o.store.get(volumeId);
    if (!v || v.status !== VolumeStatus.CREATING) return;
    try {
      if (v.image_id) await this.fromImage(v);
      else if (v.snapshot_id) {
        if (!this.o.snapshots) throw new Error('this volume host has no snapshots');
        const snapshots = this.o.snapshots;
        await this.o.backend.createWith(v, v.size, (path) => snapshots.copyTo(v.snapshot_id!, path, v.format));
      } else await this.o.backend.create(v, v.size);
      await this.o.store.update(volumeId, { status: VolumeStatus.AVAILABLE }, [VolumeStatus.CREATING]);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, volume: volumeId, err: (err as Error).message }, 'volume create failed');
      await this.o.backend.delete(v).catch(() => {});
      await this.o.store.update(volumeId, { status: VolumeStatus.ERROR }).catch(() => {});
    }
  }

  /** The image's data fetched (verified against its checksums), converted to the volume's format, grown to its size. */
  private async fromImage(v: Volume): Promise<void> {
    const images = this.o.images;
    if (!hasData(images)) throw new Error('volumes from images need the image service ([glance] api_servers)');
    const dir = await mkdtemp(join(this.o.scratchDir, '.image-'));
    try {
      const path = join(dir, 'image');
      const image = await images.fetchTo(v.image_id!, path);
      if (image.disk_format !== 'raw' && image.disk_format !== 'qcow2') throw new Error(`Image ${image.id} has disk_format ${image.disk_format}: volumes are made from raw and qcow2 images`);
      await this.o.backend.createFrom(v, path, image.disk_format, v.size);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async deleteVolume(ctx: RequestContext, volumeId: string): Promise<void> {
    const v = await this.o.store.get(volumeId);
    if (!v || v.status !== VolumeStatus.DELETING) return;
    try {
      await this.o.backend.delete(v);
      await this.o.store.destroy(volumeId);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, volume: volumeId, err: (err as Error).message }, 'volume delete failed');
      await this.o.store.update(volumeId, { status: VolumeStatus.ERROR_DELETING }).catch(() => {});
    }
  }

  private async extendVolume(ctx: RequestContext, volumeId: string, newSize: number): Promise<void> {
    const v = await this.o.store.get(volumeId);
    if (!v || v.status !== VolumeStatus.EXTENDING) return;
    try {
      await this.o.backend.extend(v, newSize);
      await this.o.store.update(volumeId, { status: VolumeStatus.AVAILABLE, size: newSize }, [VolumeStatus.EXTENDING]);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, volume: volumeId, err: (err as Error).message }, 'volume extend failed');
      await this.o.store.update(volumeId, { status: VolumeStatus.ERROR_EXTENDING }).catch(() => {});
    }
  }

  /**
   * How `connector`'s host reaches the volume (Cinder's initialize_connection):
   * this very host opens the file itself; another host gets an NBD export
   * (the same one again if it already runs: a retried attach). A volume
   * host that exports nothing (`[volume] target_ip_address` unset) gives
   * every host the file's path: right when they share `volumes_dir` (one
   * machine, or a shared file system), as Cinder's NFS driver does.
   */
  private async initializeConnection(volumeId: string, connector?: VolumeConnector): Promise<ConnectionInfo> {
    const v = await this.o.store.get(volumeId);
    if (!v) throw Object.assign(new Error(`Volume ${volumeId} could not be found.`), { status: 404 });
    const path = this.o.backend.path(v);
    if (!connector || connector.host === this.o.host || !this.o.exports) return { driver_volume_type: 'file', data: { path, format: v.format, volume_id: v.id } };
    const nbd = await this.o.exports.export(v.id, path, v.format);
    this.log.info({ volume: v.id, to: connector.host, port: nbd.port }, 'volume exported over NBD');
    return { driver_volume_type: 'nbd', data: { ...nbd, volume_id: v.id } };
  }

  /** The other host let go of the volume (Cinder's terminate_connection): its export stops. This host's own guests had no export. */
  private async terminateConnection(volumeId: string, connector?: VolumeConnector): Promise<void> {
    if (!connector || connector.host === this.o.host || !this.o.exports) return;
    await this.o.exports.unexport(volumeId);
    this.log.info({ volume: volumeId, from: connector.host }, 'NBD export stopped');
  }
}
