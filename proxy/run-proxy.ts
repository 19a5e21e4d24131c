/**
 * The long-running form behind `swiftly server proxy <conf>`: `workers = N`
 * forks N processes with node:cluster sharing the port (and a cache in the
 * primary), restarts a worker that dies, and on SIGTERM/SIGINT stops
 * accepting and lets in-flight requests finish.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { readIniFile, getString, getInt } from '../common/index.js';
import { startProxyServer } from './server.js';
import { serveIpcCache } from './cache/ipc-cache.js';

/** Swift's `workers`: a number, or `auto` for one per core; 0 runs in this process. */
export function proxyWorkers(defaults: Record<string, string>): number {
  const w = getString(defaults, 'workers', 'auto');
  return w === 'auto' ? availableParallelism() : getInt(defaults, 'workers', 1, 0);
}

export async function runProxyServer(confPath: string): Promise<void> {
  const ini = readIniFile(confPath);
  const workers = proxyWorkers(ini.defaults);
  if (cluster.isPrimary && workers > 0) {
    serveIpcCache();
    let stopping = false;
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on('exit', (worker, code) => {
      if (!stopping) {
        process.stderr.write(`proxy-server worker ${worker.process.pid} exited (${code}); restarting\n`);
        cluster.fork();
      } else if (Object.keys(cluster.workers ?? {}).length === 0) {
        process.exit(0);
      }
    });
    const stop = (): void => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  const server = await startProxyServer(ini);
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
