/**
 * common's light face: the part of common that needs no package — Swift
 * INI config, swift.conf (hash secrets, policies, constraints), timestamps,
 * hashPath, quoting, typed errors, atomic files. index.ts exports all of
 * this plus the loggers (pino), metrics (prom-client) and the backend HTTP
 * client (undici). ring/ and the CLI's ring commands import this face: a
 * `swift-ring-builder` or `swiftly ring …` call is a process of its own,
 * and those three packages were a third of its CPU.
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
export * from './recon-cache.js';
export * from './atomic-file.js';
export * from './fsync-dir.js';
export * from './swob-status.js';
export * from './byte-ranges.js';
export * from './conditional.js';
