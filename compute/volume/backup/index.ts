/**
 * compute/volume/backup: volume backups in the object store, laid out as
 * Cinder's Swift backup driver lays them out (chunk objects + metadata +
 * sha256file in a container of the user's account), written and restored
 * as streams, incremental by changed blocks, restores verified by sha256.
 */
export * from './backup-format.js';
export { writeBackup, changedRuns, type BackupWriteOptions, type BackupWriteResult, type Compression } from './backup-writer.js';
export { restoreBackup, BackupChecksumError, type RestoreStep, type RestoreOptions } from './backup-restorer.js';
export { BlockHasher } from './block-hasher.js';
export { getJson, putJson } from './store-json.js';
export * from './backup-types.js';
export { BackupNotFoundError, BackupStateError } from './backup-errors.js';
export { SqlBackupStore } from './backup-db.js';
export { VolumeRawFiles, type RawFile } from './volume-raw.js';
export { BackupManager, type BackupManagerOptions, type BackupConfig, type StoreAuth } from './backup-manager.js';
export { BackupApiService, type BackupApiOptions, type CreateBackupRequest, type BackupCaller } from './backup-api.js';
export { rawZeroBlocks, zeroBlocksOf, type ZeroBlocks } from './zero-blocks.js';
