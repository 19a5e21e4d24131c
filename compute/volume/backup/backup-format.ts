/**
 * What a backup leaves in the object store, as Cinder's chunked backup
 * driver (the Swift backup driver's base) lays it out, so a backup reads
 * the same to either:
 *
 * - container `volumebackups` (`backup_swift_container`) of the user's
 *   account, or the container the request names;
 * - objects `<prefix>-00001`, `<prefix>-00002`, … each one piece of the
 *   volume (`backup_swift_object_size` bytes in a full backup, a run of
 *   changed blocks in an incremental one), zlib-compressed or not; a full
 *   backup stores no object for a piece that is all zeros (a sparse
 *   volume's unwritten parts): a restore writes zeros where no object is;
 * - `<prefix>_metadata`: JSON, the object list with each object's offset,
 *   length, md5 (of the bytes stored) and compression, `parent_id`;
 * - `<prefix>_sha256file`: JSON, a sha256 per `backup_swift_block_size`
 *   block of the volume, what the next incremental backup compares with.
 *
 * `<prefix>` is Cinder's `volume_<volume id>/<UTC yyyymmddHHMMSS>/az_<az>_backup_<backup id>`.
 * swiftly adds to the metadata what a restore needs to check itself:
 * the volume's byte size and format and its checksum (the sha256 of its
 * block sha256s, see block-hasher.ts).
 */

/** One stored piece: Cinder's `{ "<name>": { offset, length, md5, compression } }` entries. */
export interface BackupObjectEntry {
  offset: number;
  /** Bytes of the volume it holds (before compression). */
  length: number;
  /** md5 of the object's bytes as stored (what the store's ETag is). */
  md5: string;
  compression: 'zlib' | 'none';
}

/** The fields Cinder's `_metadata` and `_sha256file` objects both open with. */
interface BackupHeader {
  version: '1.0.0';
  backup_id: string;
  volume_id: string;
  backup_name: string | null;
  backup_description: string | null;
  created_at: string;
}

export interface BackupMetadata extends BackupHeader {
  parent_id: string | null;
  /** In volume order; an incremental backup's cover only what changed. */
  objects: Record<string, BackupObjectEntry>[];
  /** swiftly: the volume as backed up. */
  volume_size_bytes: number;
  volume_format: string;
  /** swiftly: sha256 over the volume's block sha256s in order, checked after a restore. */
  volume_checksum: string;
  object_size: number;
  block_size: number;
  /** swiftly: the object prefix, so a child finds its parent's objects. */
  prefix: string;
}

export interface BackupSha256File extends BackupHeader {
  chunk_size: number;
  sha256s: string[];
}

export const METADATA_VERSION = '1.0.0';

/** Cinder's `_generate_object_name_prefix`. */
export function objectPrefix(volumeId: string, backupId: string, az: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `volume_${volumeId}/${stamp}/az_${az}_backup_${backupId}`;
}

export const objectName = (prefix: string, n: number): string => `${prefix}-${String(n).padStart(5, '0')}`;
export const metadataName = (prefix: string): string => `${prefix}_metadata`;
export const sha256fileName = (prefix: string): string => `${prefix}_sha256file`;

/** The entries of a metadata object's list, flattened with their names. */
export function objectsOf(meta: BackupMetadata): (BackupObjectEntry & { name: string })[] {
  return meta.objects.flatMap((o) => Object.entries(o).map(([name, e]) => ({ name, ...e })));
}
