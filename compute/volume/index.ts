/**
 * compute/volume: the volume service (nova-volume, as Cinder began):
 * volumes as qcow2 or raw files on a volume host, their rows in the compute
 * DB (`VolumeStore`), the manager on RPC topic `volume`, the API's business
 * layer, and how a compute host reaches a volume (`ConnectionInfo`: the
 * file itself on the volume host, an NBD export from any other host). Snapshots and backups build on
 * `VolumeStore` and `VolumeBackend`.
 */
export * from './types.js';
export { VolumeNotFoundError, VolumeStateError } from './errors.js';
export { SqlVolumeStore } from './volume-db.js';
export { FileVolumeBackend } from './file-backend.js';
export { NbdExports, type NbdExportOptions } from './nbd-exports.js';
export { VolumeManager, type VolumeManagerOptions, type SnapshotSource } from './volume-manager.js';
export { deleteTerminatedVolumes } from './terminated-volumes.js';
export { VolumeRpcApi, VOLUME_TOPIC, VOLUME_RPC_VERSION, VOLUME_BINARY } from './volume-rpcapi.js';
export {
  VolumeApiService, type VolumeApiOptions, type VolumeContext, type CreateVolumeRequest, type ServiceDirectory, type SnapshotDirectory,
} from './volume-api.js';
export * from './snapshot/index.js';
export * from './backup/index.js';
