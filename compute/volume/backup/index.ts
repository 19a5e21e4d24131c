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
