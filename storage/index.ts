/**
 * storage: the three backend servers (object, container, account) that
 * speak Swift's backend protocol over HTTP, and the edge they share.
 */
export { createBackendServer, listenBackend, backendMethod, sendContinue, type BackendHandler, type ListeningServer } from './http/backend-server.js';
export { splitPath, validateDevicePartition, parseBackendPath, decodeRequestPath, rawPathIsUtf8, type BackendPath } from './http/backend-path.js';
export { SHIMMED_METHODS, BACKEND_METHOD_HEADER } from './http/method-shim.js';
export {
  startStorageServer, serveStorage, DEFAULT_PORTS,
  type StorageApp, type StorageAppContext, type StorageAppFactory, type StartOptions,
} from './server-runner.js';
export { runStorageServer, readStorageConf, workerCount } from './run-storage.js';
export { storageServers, type StorageKind } from './servers.js';
export { createObjectApp } from './object/index.js';
// Container and account DBs: the brokers a replicator, updater or reaper
// works with (merge rules, sync points, reclaim, whole-DB snapshots), the
// DB paths, and the header that uploads a DB for the REPLICATE RPC
// (documented in db/replicator-rpc.ts).
export { ContainerBroker, type ContainerInfo, type ObjectListingEntry } from './container/container-broker.js';
export { AccountBroker, type AccountInfo, type ContainerListingEntry, type ContainerRow } from './account/account-broker.js';
export { DatabaseBroker, type SyncPoint, type BrokerOptions } from './db/database-broker.js';
export { GroupSync, walSyncer, WalSyncError, type WalSyncIo } from './db/wal-sync.js';
export type { ObjectRow } from './container/object-row.js';
export { encodeTimestamps, decodeTimestamps } from './db/encoded-timestamps.js';
export { dbPath, dbPathForHash, type DataDir } from './db/db-paths.js';
export { UPLOAD_HEADER as REPLICATE_UPLOAD_HEADER } from './db/replicator-rpc.js';
export { createContainerServer } from './container/container-server.js';
export { ContainerSyncStore, SYNC_DATADIR } from './container/sync-store.js';
export { createAccountServer } from './account/account-server.js';
export {
  FsDiskFileManager, FsDiskFile, dataDirName, tmpDirName, asyncDirName, gatherOnDiskFiles, filesToRemove, parseOnDiskFilename,
  getHashes, invalidateSuffix, HASH_FILE, HASH_INVALIDATIONS_FILE, readFileMetadata, CorruptMetadataError, SSYNC_STEP_HEADER,
  rewriteAsyncPending, asyncPendingIdentity, realDiskIo,
  type AsyncPendingIdentity, type FileInfo, type OnDiskFiles, type ObjectMetadata, type FileMetadata, type AsyncUpdate, type DiskIo,
} from './object/index.js';
export { reconAnswer, withRecon, reconOptions, type ReconOptions } from './recon/recon.js';
export { isMount, checkDevice } from './device-check.js';
