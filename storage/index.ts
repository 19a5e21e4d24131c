/**
 * storage: the three backend servers (object, container, account) that
 * speak Swift's backend protocol over HTTP, and the edge they share.
 */
export { createBackendServer, listenBackend, backendMethod, sendContinue, type BackendHandler, type ListeningServer } from './http/backend-server.js';
export { splitPath, validateDevicePartition, parseBackendPath, decodeRequestPath, rawPathIsUtf8, type BackendPath } from './http/backend-path.js';
export { SHIMMED_METHODS, BACKEND_METHOD_HEADER } from './http/method-shim.js';
export {
  startStorageServer, runStorageServer, readStorageConf, workerCount, DEFAULT_PORTS,
  type StorageApp, type StorageAppContext, type StorageAppFactory, type StartOptions,
} from './server-runner.js';
export { storageServers, type StorageKind } from './servers.js';
export { createObjectApp } from './object/index.js';
