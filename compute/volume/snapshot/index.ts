/**
 * compute/volume/snapshot: volume snapshots — internal qcow2 snapshots
 * (a sparse raw copy for raw volumes), their rows, the volume host's
 * create/delete and the API's business layer.
 */
export * from './snapshot-types.js';
export { SnapshotNotFoundError, SnapshotStateError } from './snapshot-errors.js';
export { SqlSnapshotStore } from './snapshot-db.js';
export { FileSnapshots } from './file-snapshots.js';
export { SnapshotManager, type SnapshotManagerOptions } from './snapshot-manager.js';
export { SnapshotApiService, type CreateSnapshotRequest, type VolumeCaller } from './snapshot-api.js';
