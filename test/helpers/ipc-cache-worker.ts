/**
 * A node:cluster worker for the IPC cache tests: runs `count` concurrent
 * incrs of `key` through the primary's cache and reports each value it got.
 * `node --test dist/test/` also loads this file as a test file of its own,
 * outside any cluster: then there is no primary to ask and it does nothing.
 */
import cluster from 'node:cluster';
import { IpcCache } from '../../proxy/index.js';

if (cluster.isWorker && process.send) {
  const cache = new IpcCache();
  const key = process.env.INCR_KEY ?? 'k';
  const count = Number(process.env.INCR_COUNT ?? 10);
  const delta = Number(process.env.INCR_DELTA ?? 1);
  const values = await Promise.all(Array.from({ length: count }, () => cache.incr(key, delta)));
  process.send({ incrValues: values }, () => process.exit(0));
}
