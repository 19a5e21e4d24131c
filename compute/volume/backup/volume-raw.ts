/**
 * A volume's raw bytes as a plain file, which the backup writer reads and
 * the restorer writes. A raw volume is its own file. A qcow2 volume (or a
 * snapshot) is copied out to a sparse raw scratch file first with
 * `qemu-img convert` (qemu-img can't stream to a pipe: it seeks and
 * truncates), and a restore onto one is written to a raw scratch file and
 * copied in with `convert -n` (so the volume keeps its internal snapshots).
 * Scratch files live in the volumes directory and are removed after.
 */
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { convert, convertInto, imageInfo } from '../../driver/libvirt/index.js';
import type { Volume, VolumeBackend } from '../types.js';
import type { FileSnapshots } from '../snapshot/file-snapshots.js';

export interface RawFile {
  path: string;
  sizeBytes: number;
  /** Remove the scratch copy, if one was made. */
  release(): Promise<void>;
}

type VolumeRef = Pick<Volume, 'id' | 'format'>;

export class VolumeRawFiles {
  constructor(private readonly backend: VolumeBackend, private readonly snapshots: FileSnapshots, private readonly scratchDir: string) {}

  private scratch(): string {
    return join(this.scratchDir, `.raw-${randomBytes(6).toString('hex')}`);
  }

  /** The bytes to back up: the volume's, or its snapshot's. */
  async source(volume: VolumeRef, snapshotId?: string | null): Promise<RawFile> {
    if (!snapshotId && volume.format === 'raw') {
      const path = this.backend.path(volume);
      return { path, sizeBytes: (await imageInfo(path, 'raw')).virtualSize, release: async () => {} };
    }
    const path = this.scratch();
    try {
      if (snapshotId) await this.snapshots.copyTo(volume, snapshotId, path, 'raw');
      else await convert(this.backend.path(volume), volume.format, path, 'raw');
      return { path, sizeBytes: (await imageInfo(path, 'raw')).virtualSize, release: () => rm(path, { force: true }) };
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  }

  /**
   * Somewhere to restore the volume's bytes: `write` gets a raw file of the
   * volume's size; for a qcow2 volume that scratch file is then copied in.
   */
  async restoreInto(volume: VolumeRef, write: (raw: string) => Promise<void>): Promise<void> {
    const path = this.backend.path(volume);
    if (volume.format === 'raw') return write(path);
    const raw = this.scratch();
    try {
      const fh = await open(raw, 'wx');
      await fh.truncate((await imageInfo(path, volume.format)).virtualSize);
      await fh.close();
      await write(raw);
      await convertInto(raw, 'raw', path, volume.format);
    } finally {
      await rm(raw, { force: true });
    }
  }
}
