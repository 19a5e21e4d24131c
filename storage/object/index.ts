/**
 * storage/object: Swift's object server on a DiskFile in Swift's on-disk
 * layout, with container updates, async_pending and REPLICATE hashes.
 */
export { createObjectApp } from './object-server.js';
export { objectServerConf, type ObjectServerConf } from './object-conf.js';
export type { DiskFile, DiskFileManager, DiskFileWriter, ObjectState, OpenObject } from './disk-file.js';
export { FsDiskFileManager, FsDiskFile, dataDirName, tmpDirName, asyncDirName } from './fs-disk-file.js';
export { gatherOnDiskFiles, filesToRemove, parseOnDiskFilename, makeOnDiskFilename, type FileInfo, type OnDiskFiles } from './on-disk-files.js';
export { encodeTrailer, titleCase, type ObjectMetadata } from './metadata.js';
export { getHashes, hashSuffix, invalidateSuffix, HASH_FILE, HASH_INVALIDATIONS_FILE } from './suffix-hashes.js';
export {
  asyncPendingPath, writeAsyncPending, rewriteAsyncPending, asyncPendingIdentity, type AsyncUpdate, type AsyncPendingIdentity, type RewriteOutcome,
} from './async-pending.js';
export { DeviceUnavailableError, DiskFileCollisionError, DiskWriteError } from './errors.js';
export { realDiskIo, type DiskIo } from './fs-io.js';
export { readFileMetadata, CorruptMetadataError, type FileMetadata } from './file-metadata.js';
export { handleSsync, SSYNC_STEP_HEADER } from './sync-receiver.js';
