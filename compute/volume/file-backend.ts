/**
 * Volumes as files under one directory of the volume host (`[volume]
 * volumes_dir`), named as Cinder names them (`volume-<id>`), qcow2 or raw,
 * made and grown with `qemu-img` (every call names the format: nothing is
 * probed). A new file is written under a temporary name and renamed once
 * whole, then the directory is fsynced.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../common/index.js';
import { convert, createImage, imageInfo, resizeImage } from '../driver/libvirt/index.js';
import type { Volume, VolumeBackend } from './types.js';

const GIB = 1024 ** 3;

export class FileVolumeBackend implements VolumeBackend {
  constructor(readonly volumesDir: string) {}

  path(volume: Pick<Volume, 'id'>): string {
    if (!/^[0-9a-f-]{36}$/.test(volume.id)) throw new RangeError(`not a volume id: ${volume.id}`);
    return join(this.volumesDir, `volume-${volume.id}`);
  }

  /** Make the file under a temporary name with `make`, then publish it. */
  private async publish(volume: Pick<Volume, 'id'>, make: (tmp: string) => Promise<void>): Promise<void> {
    await mkdir(this.volumesDir, { recursive: true });
    const dest = this.path(volume);
    const tmp = `${dest}.part-${randomBytes(4).toString('hex')}`;
    try {
      await make(tmp);
      await rename(tmp, dest);
      await fsyncDir(this.volumesDir);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async create(volume: Pick<Volume, 'id' | 'format'>, sizeGb: number): Promise<void> {
    await this.publish(volume, (tmp) => createImage(tmp, volume.format, sizeGb * GIB));
  }

  async createFrom(volume: Pick<Volume, 'id' | 'format'>, source: string, sourceFormat: string, sizeGb: number): Promise<void> {
    await this.publish(volume, async (tmp) => {
      const info = await imageInfo(source, sourceFormat);
      if (info.virtualSize > sizeGb * GIB) throw new RangeError(`Image virtual size is ${Math.ceil(info.virtualSize / GIB)}GB and doesn't fit in a volume of size ${sizeGb}GB.`);
      await convert(source, sourceFormat, tmp, volume.format);
      await resizeImage(tmp, volume.format, sizeGb * GIB);
    });
  }

  async createWith(volume: Pick<Volume, 'id' | 'format'>, sizeGb: number, write: (path: string) => Promise<void>): Promise<void> {
    await this.publish(volume, async (tmp) => {
      await write(tmp);
      if ((await imageInfo(tmp, volume.format)).virtualSize < sizeGb * GIB) await resizeImage(tmp, volume.format, sizeGb * GIB);
    });
  }

  async extend(volume: Pick<Volume, 'id' | 'format'>, sizeGb: number): Promise<void> {
    await resizeImage(this.path(volume), volume.format, sizeGb * GIB);
  }

  async delete(volume: Pick<Volume, 'id' | 'format'>): Promise<void> {
    await rm(this.path(volume), { force: true });
  }

  async virtualSize(volume: Pick<Volume, 'id' | 'format'>): Promise<number> {
    return (await imageInfo(this.path(volume), volume.format)).virtualSize;
  }
}
