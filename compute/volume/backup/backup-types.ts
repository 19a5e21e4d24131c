/** Volume backups (Cinder's `backups`): the record, its statuses and the store of rows. */

/** Cinder's backup statuses (cinder/objects/fields.py BackupStatus, the ones swiftly uses). */
export const BackupStatus = {
  CREATING: 'creating', AVAILABLE: 'available', DELETING: 'deleting', ERROR: 'error', ERROR_DELETING: 'error_deleting', RESTORING: 'restoring',
} as const;
export type BackupStatus = (typeof BackupStatus)[keyof typeof BackupStatus];

export interface Backup {
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  /** Backed up from this snapshot rather than the volume itself. */
  snapshot_id: string | null;
  /** The volume host that ran it (and runs its restores and delete). */
  host: string | null;
  name: string | null;
  description: string | null;
  status: BackupStatus;
  fail_reason: string | null;
  /** The object store container (of the user's account). */
  container: string;
  /** GiB of the volume. */
  size: number;
  object_count: number;
  parent_id: string | null;
  is_incremental: boolean;
  /** The objects' name prefix (Cinder keeps it in service_metadata). */
  service_metadata: string | null;
  /** swiftly: percent done of the running create or restore. */
  progress: number;
  /** When the data was read (Cinder: the volume's or snapshot's time). */
  data_timestamp: string | null;
  created_at: string;
  updated_at: string | null;
}

export type NewBackup = Pick<Backup, 'id' | 'project_id' | 'user_id' | 'volume_id' | 'name' | 'description' | 'container' | 'size' | 'parent_id' | 'host'>
  & Partial<Pick<Backup, 'snapshot_id'>>;

export interface BackupFilters {
  projectId?: string;
  volumeId?: string;
  status?: string;
  name?: string;
  parentId?: string;
}

/** The rows; status changes are compare-and-swaps on `expected`. */
export interface BackupStore {
  create(b: NewBackup): Promise<Backup>;
  get(id: string): Promise<Backup | undefined>;
  list(filters?: BackupFilters): Promise<Backup[]>;
  update(id: string, values: Partial<Omit<Backup, 'id' | 'created_at'>>, expected?: readonly BackupStatus[]): Promise<Backup>;
  destroy(id: string): Promise<void>;
  /** Backups whose parent this is (Cinder's has_dependent_backups). */
  dependents(id: string): Promise<number>;
}
