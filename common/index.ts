/**
 * common: what every part of swiftly shares, importing nothing of ours —
 * Swift INI config, swift.conf (hash secrets, policies, constraints),
 * timestamps, hashPath, typed errors and loggers, and the HTTP client
 * every part uses to talk to storage nodes. The part of it that needs no
 * package is also core.ts, for the short-lived CLI processes.
 */
export * from './core.js';
export * from './logger.js';
export * from './worker-supervisor.js';
export * from './pipe-body.js';
export * from './page-cache.js';
export { BackendClient, type BackendBody, type PutConnectResult } from './backend/backend-client.js';
export { PutConnection } from './backend/put-connection.js';
export {
  BackendTimeoutError, nodeOrigin, parseHostPort, readWhole,
  type BackendHeaders, type BackendNode, type BackendResponse, type BackendTimeouts, type WholeBackendResponse,
} from './backend/node-http.js';
export * from './any-content-type.js';
export * from './lazy-schema-compilers.js';
export * from './metrics/index.js';
