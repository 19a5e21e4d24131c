/**
 * The long-running form behind `swiftly server proxy <conf>`: `workers = N`
 * forks N processes with node:cluster sharing the port (and a cache in the
 * primary), restarts a worker that dies, and on SIGTERM/SIGINT stops
 * accepting and lets in-flight requests finish.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { readIniFile, getString, getInt } from '../common/index.js';
import { startProxyServer } from './server.js';
import { serveIpcCache } from './cache/ipc-cache.js';

/** Swift's `workers`: a number, or `auto` for one per core; 0 runs in this process. */
export function proxyWorkers(defaults: Record<string, string>): number {
  const w = getString(defaults, 'workers', 'auto');
  return w === 'auto' ? availableParallelism() : getInt(defaults, 'workers', 1, 0);
}

/**
 * V8's young generation grows to 3 × 16 MiB semi-spaces by default; a proxy
 * streaming at full speed fills it with short-lived chunk garbage and its RSS
 * climbs by that much. Smaller semi-spaces keep RSS tight (issue 4: under
 * 150 MiB through a 5 GiB transfer) at the cost of more, cheaper scavenges.
 * An explicit `--max-semi-space-size` (node flags, NODE_OPTIONS) wins.
 */
export const PROXY_SEMI_SPACE_MIB = 2;

function limitYoungGeneration(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space-size'));
  if (given) return;
  const flag = `--max-semi-space-size=${PROXY_SEMI_SPACE_MIB}`;
  // Workers get it at start-up, where V8 surely honours it; this process, already running, as a runtime flag.
  if (cluster.isPrimary) cluster.setupPrimary({ execArgv: [...process.execArgv, flag] });
  setFlagsFromString(flag);
}

export async function runProxyServer(confPath: string): Promise<void> {
  limitYoungGeneration();
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
