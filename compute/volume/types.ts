/**
 * Volumes (Cinder's, as nova-volume began it): records, states and the two
 * interfaces the rest of compute builds on — `VolumeStore` (the rows, async
 * so a PostgreSQL store fits beside the SQLite one) and `VolumeBackend`
 * (where a volume's bytes live on its volume host: a file, its format, its
 * size). Snapshots and backups build on these two.
 */

/** Cinder's volume statuses (cinder/objects/fields.py VolumeStatus, the ones swiftly uses). */
export const VolumeStatus = {
  CREATING: 'creating', AVAILABLE: 'available', ATTACHING: 'attaching', IN_USE: 'in-use', DETACHING: 'detaching',
  DELETING: 'deleting', ERROR: 'error', ERROR_DELETING: 'error_deleting', EXTENDING: 'extending', ERROR_EXTENDING: 'error_extending',
  /** Held by a backup or restore (Cinder's backing-up / restoring-backup). */
  BACKING_UP: 'backing-up', RESTORING_BACKUP: 'restoring-backup',
} as const;
export type VolumeStatus = (typeof VolumeStatus)[keyof typeof VolumeStatus];

/** How a volume's bytes are laid out in its file: qemu's formats. */
export type VolumeFormat = 'raw' | 'qcow2';

export interface Volume {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  /** GiB, as Cinder counts. */
  size: number;
  status: VolumeStatus;
  /** The volume host that holds its file (Cinder's `host`), once scheduled. */
  host: string | null;
  format: VolumeFormat;
  /** Made from this image (Glance id), if any. */
  image_id: string | null;
  /** Made from this snapshot, if any. */
  snapshot_id: string | null;
  bootable: boolean;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string | null;
}

/** A volume attached to a server (Cinder's volume_attachment, Nova's block device mapping in small). */
export interface VolumeAttachment {
  id: string;
  volume_id: string;
  instance_uuid: string;
  /** The guest device (`/dev/vdb`). */
  device: string;
  /** The compute host of the server when it was attached. */
  host: string | null;
  attached_at: string;
  /** 0: the server boots from this volume (its root disk, `/dev/vda`); null: an attached data volume. */
  boot_index: number | null;
  /** Deleted with the server (Nova's block device mapping flag; root volumes only here). */
  delete_on_termination: boolean;
}

/** What an attachment is recorded with (a data volume by default: no boot index, kept on server delete). */
export type NewAttachment = Omit<VolumeAttachment, 'attached_at' | 'boot_index' | 'delete_on_termination'>
  & Partial<Pick<VolumeAttachment, 'boot_index' | 'delete_on_termination'>>;

/** The fields a new volume row takes. */
export type NewVolume = Pick<Volume, 'id' | 'project_id' | 'user_id' | 'name' | 'description' | 'size' | 'format'>
  & Partial<Pick<Volume, 'image_id' | 'snapshot_id' | 'metadata' | 'host' | 'bootable'>>;

export interface VolumeFilters {
  projectId?: string;
  status?: string;
  name?: string;
  host?: string;
}

/**
 * The volume rows. Every state change is a compare-and-swap on the status
 * (`expected`), so two racing requests can't both attach, delete or extend
 * one volume: the loser gets `VolumeStateError` (409).
 */
export interface VolumeStore {
  create(v: NewVolume): Promise<Volume>;
  get(id: string): Promise<Volume | undefined>;
  list(filters?: VolumeFilters): Promise<Volume[]>;
  /** Update `values` only while the status is one of `expected` (when given). */
  update(id: string, values: Partial<Omit<Volume, 'id' | 'created_at'>>, expected?: readonly VolumeStatus[]): Promise<Volume>;
  /** Remove the row (after its file is gone). */
  destroy(id: string): Promise<void>;

  /**
   * Record an attachment and move the volume `available` → `attaching` in
   * one step; 409 when it isn't available. `whileCreating`: a volume still
   * `creating` (a root volume made from an image for the server) keeps its
   * status; the server's host waits for it, then `claimAttachment`.
   */
  reserveAttachment(a: NewAttachment, opts?: { whileCreating?: boolean }): Promise<VolumeAttachment>;
  /** `available` → `attaching` for an attachment recorded while the volume was being made; 409 otherwise. */
  claimAttachment(id: string): Promise<void>;
  attachments(filter: { volumeId?: string; instanceUuid?: string }): Promise<VolumeAttachment[]>;
  /** Drop an attachment; the volume becomes `available` again. */
  removeAttachment(id: string): Promise<void>;
}

/**
 * Where volumes' bytes live on a volume host: one file each. `path` is what
 * a hypervisor on the same host opens (single-host: attached directly), what
 * snapshot and backup code reads and writes.
 */
export interface VolumeBackend {
  /** The file of a volume (it may not exist yet). */
  path(volume: Pick<Volume, 'id' | 'format'>): string;
  /** A new empty volume of `sizeGb` GiB. */
  create(volume: Pick<Volume, 'id' | 'format'>, sizeGb: number): Promise<void>;
  /** A new volume holding image data from `source` (a file of format `sourceFormat`), grown to `sizeGb`. */
  createFrom(volume: Pick<Volume, 'id' | 'format'>, source: string, sourceFormat: string, sizeGb: number): Promise<void>;
  /** A new volume whose file `write` makes (in the volume's format, at a temporary path), then grown to `sizeGb`. */
  createWith(volume: Pick<Volume, 'id' | 'format'>, sizeGb: number, write: (path: string) => Promise<void>): Promise<void>;
  /** Grow to `sizeGb` (never shrinks). */
  extend(volume: Pick<Volume, 'id' | 'format'>, sizeGb: number): Promise<void>;
  /** Remove the file; a missing one is not an error. */
  delete(volume: Pick<Volume, 'id' | 'format'>): Promise<void>;
  /** What the volume's file holds: its virtual size in bytes. */
  virtualSize(volume: Pick<Volume, 'id' | 'format'>): Promise<number>;
}

/** Who asks for a connection (Cinder's connector, in small): the compute host that will open the volume. */
export interface VolumeConnector {
  host: string;
}

/**
 * How a compute host reaches a volume (Cinder's connection_info). `file`:
 * the volume host's own file, attached directly (the compute host is the
 * volume host). `nbd`: the volume host exports it with qemu-nbd at
 * `host:port` under the export `name`; the export serves the guest-visible
 * bytes (a qcow2 file is read through its format on the volume host), so
 * the compute host reads it as raw.
 */
export type ConnectionInfo =
  | { driver_volume_type: 'file'; data: { path: string; format: VolumeFormat; volume_id: string } }
  | { driver_volume_type: 'nbd'; data: NbdConnection & { volume_id: string } };

/** Where an NBD export listens and what it is called. */
export interface NbdConnection {
  host: string;
  port: number;
  name: string;
}
