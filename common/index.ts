/**
 * common: what every part of swiftly shares, importing nothing of ours —
 * Swift INI config, swift.conf (hash secrets, policies, constraints),
 * timestamps, hashPath, typed errors and loggers, and the HTTP client
 * every part uses to talk to storage nodes.
 */
export * from './errors.js';
export * from './timestamp.js';
export * from './hash-path.js';
export * from './quote.js';
export * from './py-repr.js';
export * from './delete-at.js';
export * from './config.js';
export * from './constraints.js';
export * from './check-metadata.js';
export * from './swift-conf.js';
export * from './container-sync-realms.js';
export * from './logger.js';
export * from './recon-cache.js';
export * from './atomic-file.js';
export * from './fsync-dir.js';
export * from './swob-status.js';
export * from './worker-supervisor.js';
export * from './pipe-body.js';
export * from './page-cache.js';
export { BackendClient, type BackendBody, type PutConnectResult } from './backend/backend-client.js';
export { PutConnection } from './backend/put-connection.js';
export {
  BackendTimeoutError, nodeOrigin, parseHostPort, readWhole,
  type BackendHeaders, type BackendNode, type BackendResponse, type BackendTimeouts, type WholeBackendResponse,
} from './backend/node-http.js';
export * from './byte-ranges.js';
export * from './conditional.js';
export * from './any-content-type.js';
export * from './metrics/index.js';
