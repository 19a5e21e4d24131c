/**
 * The long-running form behind `swiftly server proxy <conf>`: `workers = N`
 * forks N processes (`proxy-worker.ts`) with node:cluster sharing the port
 * (and a cache in the primary), restarts a worker that dies, and on
 * SIGTERM/SIGINT stops accepting and lets in-flight requests finish. The
 * primary loads none of the proxy's serving code; `workers = 0` serves here.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
// The inner files, not common/index.js: the primary keeps resident only what supervising needs.
import { readIniFile, getString, getInt } from '../common/config.js';
import { tuneHeap, type HeapTuning } from '../common/heap-flags.js';
import { superviseWorkers } from '../common/worker-supervisor.js';
import { serveIpcCache } from './cache/ipc-cache.js';
import { metricsListen, startMetricsServer } from '../common/metrics/metrics-server.js';

/** Swift's `workers`: a number, or `auto` for one per core; 0 runs in this process. */
export function proxyWorkers(defaults: Record<string, string>): number {
  const w = getString(defaults, 'workers', 'auto');
  return w === 'auto' ? availableParallelism() : getInt(defaults, 'workers', 1, 0);
}

/**
 * A proxy process's heap flags (see heap-flags.ts). Semi-spaces are 8 MiB,
 * not 2: at 2 MiB a proxy serving small GETs scavenged so often that 4 KiB
 * GET c32 cost 0.61 ms of cluster CPU per request, against 0.50 at 8 (2,660
 * vs 3,260 op/s, bench 2026-12-02), for at most ≈ 18 MiB more RSS. The
 * growing percent is there because it streams object bodies.
 */
export const PROXY_HEAP: HeapTuning = { semiSpaceMib: 8, heapGrowingPercent: 300 };

export async function runProxyServer(confPath: string): Promise<void> {
  const flags = tuneHeap(PROXY_HEAP);
  const defaults = readIniFile(confPath, { keepCase: true }).defaults;
  const workers = proxyWorkers(defaults);
  if (workers > 0) {
    serveIpcCache();
    // The primary owns the /metrics port and answers with its workers' sum.
    const listen = metricsListen(defaults, getString(defaults, 'bind_ip', '127.0.0.1'));
    if (listen) await startMetricsServer(listen, { aggregateWorkers: true });
    superviseWorkers({
      name: 'proxy-server', count: workers, execArgv: flags,
      exec: fileURLToPath(new URL('./proxy-worker.js', import.meta.url)), args: [confPath],
    });
    return;
  }
  const { serveProxy } = await import('./server.js');
  await serveProxy(confPath);
}
