/** A forked storage server worker (see run-storage.ts): `storage-worker.js <kind> <conf>`. */
import { serveStorage } from './server-runner.js';
import type { StorageKind } from './servers.js';

const [kind, confPath] = process.argv.slice(2);
await serveStorage(kind as StorageKind, confPath);
