/** Volume snapshots (Cinder's `snapshots`): the record, its statuses and the store of rows. */

/** Cinder's snapshot statuses (cinder/objects/fields.py SnapshotStatus, the ones swiftly uses). */
export const SnapshotStatus = {
  CREATING: 'creating', AVAILABLE: 'available', DELETING: 'deleting', ERROR: 'error', ERROR_DELETING: 'error_deleting',
} as const;
export type SnapshotStatus = (typeof SnapshotStatus)[keyof typeof SnapshotStatus];

export interface Snapshot {
  id: string;
  volume_id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  status: SnapshotStatus;
  /** Cinder's "0%" … "100%". */
  progress: string;
  /** GiB of the volume when the snapshot was taken. */
  volume_size: number;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string | null;
}

export type NewSnapshot = Pick<Snapshot, 'id' | 'volume_id' | 'project_id' | 'user_id' | 'name' | 'description' | 'volume_size'>
  & Partial<Pick<Snapshot, 'metadata'>>;

export interface SnapshotFilters {
  projectId?: string;
  volumeId?: string;
  status?: string;
  name?: string;
}

/** The rows; status changes are compare-and-swaps on `expected`, as the volume store's. */
export interface SnapshotStore {
  create(s: NewSnapshot): Promise<Snapshot>;
  get(id: string): Promise<Snapshot | undefined>;
  list(filters?: SnapshotFilters): Promise<Snapshot[]>;
  update(id: string, values: Partial<Omit<Snapshot, 'id' | 'created_at'>>, expected?: readonly SnapshotStatus[]): Promise<Snapshot>;
  destroy(id: string): Promise<void>;
}
