/**
 * The volume API's business layer (Cinder's volume/api.py): checks a
 * request against the volume's status, records the new status with a
 * compare-and-swap, then casts the work to the volume's host on topic
 * `volume`. A project sees only its own volumes (an admin sees all).
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, SwiftlyError, type Logger } from '../../common/index.js';
import type { ImageService } from '../image/index.js';
import type { RequestContext } from '../rpc/index.js';
import { serviceIsUp } from '../service/index.js';
import { VolumeNotFoundError, VolumeStateError } from './errors.js';
import { VOLUME_BINARY, type VolumeRpcApi } from './volume-rpcapi.js';
import { VolumeStatus, type Volume, type VolumeFormat, type VolumeStore } from './types.js';

/** Who asks (the compute API's context fits). */
export interface VolumeContext extends RequestContext {
  principal: { projectId: string; userId: string; isAdmin: boolean };
  /** The image service as this caller may see it. */
  images: ImageService;
}

/** The services table, as the volume API reads it (the compute DB). */
export interface ServiceDirectory {
  listServices(binary?: string): { host: string; disabled: boolean; last_seen_up: number | null }[] | Promise<{ host: string; disabled: boolean; last_seen_up: number | null }[]>;
}

export interface VolumeApiOptions {
  store: VolumeStore;
  rpc: VolumeRpcApi;
  services: ServiceDirectory;
  /** The format of new volumes' files (`[volume] volume_format`). */
  format: VolumeFormat;
  serviceDownTimeMs?: number;
  logger: Logger;
  /** Snapshots a volume can be made from (the snapshot service, when there is one). */
  snapshots?: SnapshotDirectory;
}

/** What a new volume needs to know of the snapshot it is made from. */
export interface SnapshotDirectory {
  /** A snapshot the caller may see, or undefined. */
  get(ctx: VolumeContext, id: string): Promise<{ size: number; status: string; host: string | null } | undefined>;
  /** How many snapshots the volume has (Cinder refuses to delete a volume that has any). */
  countFor(volumeId: string): Promise<number>;
}

export interface CreateVolumeRequest {
  size?: number;
  name?: string | null;
  description?: string | null;
  imageRef?: string;
  snapshotId?: string;
  metadata?: Record<string, string>;
}

const GIB = 1024 ** 3;

export class VolumeApiService {
  constructor(private readonly o: VolumeApiOptions) {}

  get store(): VolumeStore {
    return this.o.store;
  }

  /** A volume the caller may see: its project's, or any for an admin; else 404. */
  async get(ctx: VolumeContext, id: string): Promise<Volume> {
    const v = await this.o.store.get(id);
    if (!v || (v.project_id !== ctx.principal.projectId && !ctx.principal.isAdmin)) throw new VolumeNotFoundError(id);
    return v;
  }

  async list(ctx: VolumeContext, filters: { allTenants?: boolean; status?: string; name?: string } = {}): Promise<Volume[]> {
    const all = ctx.principal.isAdmin && filters.allTenants;
    return this.o.store.list({ projectId: all ? undefined : ctx.principal.projectId, status: filters.status, name: filters.name });
  }

  /** The volume host a new volume goes to: an enabled, live volume service (one by default). */
  private async pickHost(): Promise<string | undefined> {
    const up = (await this.o.services.listServices(VOLUME_BINARY))
      .filter((s) => !s.disabled && serviceIsUp(s.last_seen_up, this.o.serviceDownTimeMs ?? 60_000));
    return up[Math.floor(Math.random() * up.length)]?.host;
  }

  async create(ctx: VolumeContext, req: CreateVolumeRequest): Promise<Volume> {
    let size = req.size;
    let bootable = false;
    if (req.imageRef) {
      const image = await ctx.images.show(req.imageRef.replace(/^.*\/images\//, ''));
      if (!image) throw new InvalidArgumentError(`Invalid image identifier or unable to access requested image.`);
      if (image.status !== 'active') throw new InvalidArgumentError(`Image ${image.id} is not active.`);
      size ??= Math.max(1, Math.ceil(image.size / GIB), image.min_disk);
      if (image.size > size * GIB) throw new InvalidArgumentError(`Size of specified image ${Math.ceil(image.size / GIB)}GB is larger than volume size ${size}GB.`);
      if (image.min_disk > size) throw new InvalidArgumentError(`Volume size ${size}GB cannot be smaller than the image minDisk size ${image.min_disk}GB.`);
      bootable = true;
    }
    if (req.snapshotId) {
      const snap = await this.o.snapshots?.get(ctx, req.snapshotId);
      if (!snap) throw new SwiftlyError('ERR_NOT_FOUND', `Snapshot ${req.snapshotId} could not be found.`, { status: 404 });
      if (snap.status !== 'available') throw new InvalidArgumentError(`Invalid snapshot: Originating snapshot status must be one of 'available' values`);
      size ??= snap.size;
      if (size < snap.size) throw new InvalidArgumentError(`Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ${snap.size}GB. They must be >= original snapshot size.`);
    }
    if (size === undefined || !Number.isInteger(size) || size < 1) {
      throw new InvalidArgumentError(`Invalid input received: "size" (${JSON.stringify(req.size ?? null)}) must be an integer that is larger than 0.`);
    }
    let host = await this.pickHost();
    // A snapshot's data is on its volume's host: the new volume is made there.
    if (req.snapshotId) host = (await this.o.snapshots?.get(ctx, req.snapshotId))?.host ?? host;
    const v = await this.o.store.create({
      id: randomUUID(), project_id: ctx.principal.projectId, user_id: ctx.principal.userId, name: req.name ?? null,
      description: req.description ?? null, size, format: this.o.format, image_id: req.imageRef ? req.imageRef.replace(/^.*\/images\//, '') : null,
      snapshot_id: req.snapshotId ?? null, metadata: req.metadata ?? {}, host: host ?? null, bootable,
    });
    if (!host) {
      this.o.logger.warn({ volume: v.id }, 'no volume service is up: the volume is in error');
      return this.o.store.update(v.id, { status: VolumeStatus.ERROR });
    }
    try {
      await this.o.rpc.createVolume(ctx, host, v.id);
    } catch (err) {
      await this.o.store.update(v.id, { status: VolumeStatus.ERROR });
      throw err;
    }
    return v;
  }

  /** Cinder's delete: only an available or failed volume, never one attached. */
  async delete(ctx: VolumeContext, id: string): Promise<void> {
    const v = await this.get(ctx, id);
    const deletable = [VolumeStatus.AVAILABLE, VolumeStatus.ERROR, VolumeStatus.ERROR_EXTENDING, VolumeStatus.ERROR_DELETING] as VolumeStatus[];
    if (!deletable.includes(v.status)) {
      throw new VolumeStateError(`Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.`, 400);
    }
    const snapshots = (await this.o.snapshots?.countFor(id)) ?? 0;
    if (snapshots > 0) throw new VolumeStateError(`Invalid volume: Volume ${id} still has ${snapshots} dependent snapshots.`, 400);
    if (!v.host) {
      await this.o.store.destroy(id);
      return;
    }
    await this.o.store.update(id, { status: VolumeStatus.DELETING }, [v.status]);
    try {
      await this.o.rpc.deleteVolume(ctx, v.host, id);
    } catch (err) {
      await this.o.store.update(id, { status: v.status }, [VolumeStatus.DELETING]).catch(() => {});
      throw err;
    }
  }

  /** Cinder's os-extend: an available volume grows to `newSize` GiB. */
  async extend(ctx: VolumeContext, id: string, newSize: number): Promise<void> {
    const v = await this.get(ctx, id);
    if (!Number.isInteger(newSize) || newSize <= v.size) {
      throw new InvalidArgumentError(`Invalid input received: New size for extend must be greater than current size. (current: ${v.size}, extended: ${newSize}).`);
    }
    if (v.status !== VolumeStatus.AVAILABLE || !v.host) throw new VolumeStateError(`Invalid volume: Volume status must be available to extend, but current status is: ${v.status}.`, 400);
    await this.o.store.update(id, { status: VolumeStatus.EXTENDING }, [VolumeStatus.AVAILABLE]);
    try {
      await this.o.rpc.extendVolume(ctx, v.host, id, newSize);
    } catch (err) {
      await this.o.store.update(id, { status: VolumeStatus.AVAILABLE }, [VolumeStatus.EXTENDING]).catch(() => {});
      throw err;
    }
  }

  /** Name, description, metadata (Cinder's PUT); bootable (os-set_bootable). */
  async update(ctx: VolumeContext, id: string, values: { name?: string | null; description?: string | null; metadata?: Record<string, string>; bootable?: boolean }): Promise<Volume> {
    await this.get(ctx, id);
    return this.o.store.update(id, values);
  }
}
