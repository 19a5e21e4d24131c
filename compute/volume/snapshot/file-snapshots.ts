/**
 * Where a volume snapshot's bytes live, beside its volume's file.
 *
 * qcow2 volumes (the default): an **internal** qcow2 snapshot tagged with
 * the snapshot's id (`qemu-img snapshot -c`). Why internal rather than
 * external overlays: the volume stays one self-contained file at the path
 * attach/detach and the domain XML already use — no backing chain to record,
 * spell out in `<backingStore>` or merge back (block commit/rebase) when a
 * snapshot is deleted, and deleting any snapshot is `qemu-img snapshot -d`.
 * An internal snapshot is written with `qemu-img`, so only while no guest
 * has the volume open.
 *
 * A copy file `volume-<id>.snapshot-<snapshot id>`, in the volume's format,
 * is the snapshot instead (a) of a raw volume, which has no room for
 * internal snapshots (a sparse `qemu-img convert` copy), and (b) of a volume
 * in use by a running guest, whose qemu holds the file's write lock: that
 * guest's hypervisor writes the copy (snapshot-manager.ts). Whichever it is,
 * a snapshot with a copy file is read and deleted through that file.
 */
import { access, rm } from 'node:fs/promises';
import {
  convert, convertSnapshot, createInternalSnapshot, deleteInternalSnapshot, listInternalSnapshots,
} from '../../driver/libvirt/index.js';
import type { Volume, VolumeBackend } from '../types.js';

type VolumeRef = Pick<Volume, 'id' | 'format'>;

export class FileSnapshots {
  constructor(private readonly backend: VolumeBackend) {}

  /** The copy file of a snapshot (a raw volume's, or one a running guest's hypervisor wrote). */
  copyPath(volume: VolumeRef, snapshotId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(snapshotId)) throw new RangeError(`not a snapshot id: ${snapshotId}`);
    return `${this.backend.path(volume)}.snapshot-${snapshotId}`;
  }

  async create(volume: VolumeRef, snapshotId: string): Promise<void> {
    if (volume.format === 'qcow2') {
      // A redelivered create finds its snapshot already there.
      if ((await listInternalSnapshots(this.backend.path(volume))).includes(snapshotId)) return;
      await createInternalSnapshot(this.backend.path(volume), snapshotId);
    } else {
      await convert(this.backend.path(volume), 'raw', this.copyPath(volume, snapshotId), 'raw');
    }
  }

  private async hasCopy(volume: VolumeRef, snapshotId: string): Promise<boolean> {
    return access(this.copyPath(volume, snapshotId)).then(() => true, () => false);
  }

  async delete(volume: VolumeRef, snapshotId: string): Promise<void> {
    if (volume.format === 'qcow2' && !(await this.hasCopy(volume, snapshotId))) {
      if (!(await listInternalSnapshots(this.backend.path(volume))).includes(snapshotId)) return;
      await deleteInternalSnapshot(this.backend.path(volume), snapshotId);
    } else {
      await rm(this.copyPath(volume, snapshotId), { force: true });
    }
  }

  /** The snapshot's data written to a new image `dest` of `destFormat` (a new volume, a raw copy for a backup). */
  async copyTo(volume: VolumeRef, snapshotId: string, dest: string, destFormat: string): Promise<void> {
    if (volume.format === 'qcow2' && !(await this.hasCopy(volume, snapshotId))) await convertSnapshot(this.backend.path(volume), snapshotId, dest, destFormat);
    else await convert(this.copyPath(volume, snapshotId), volume.format, dest, destFormat);
  }
}
