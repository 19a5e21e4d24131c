/**
 * `swiftly server <kind> <conf>` for a storage server, the primary's side:
 * reads the config, and with `workers = N` only supervises N forked
 * workers (`storage-worker.ts`), loading none of the server code itself;
 * with `workers = 0` serves in this process (Swift's meaning of both).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
// The inner files, not common/index.js: the primary keeps resident only what supervising needs.
import { readIniFile, getSection, getInt, getString, type Section } from '../common/config.js';
import { ConfigError } from '../common/errors.js';
import { tuneHeap, type HeapTuning } from '../common/heap-flags.js';
import { superviseWorkers } from '../common/worker-supervisor.js';
import { metricsListen, startMetricsServer } from '../common/metrics/metrics-server.js';
import type { StorageKind } from './servers.js';

/** Reads `[DEFAULT]` + `[app:<kind>-server]` of a storage server config. */
export function readStorageConf(kind: StorageKind, confPath: string): Section {
  const ini = readIniFile(confPath);
  const section = getSection(ini, `app:${kind}-server`);
  if (!section) throw new ConfigError(`Unable to find app:${kind}-server config section in ${confPath}`);
  return section;
}

/** Swift's `workers`: a number, or `auto` for one per core. 0 means no fork. */
export function workerCount(conf: Section): number {
  const w = getString(conf, 'workers', 'auto');
  return w === 'auto' ? availableParallelism() : getInt(conf, 'workers', 1, 0);
}

/**
 * Each kind's heap flags (see heap-flags.ts). Object servers' stream chunks
 * and account servers' small answers are short-lived: 2 MiB semi-spaces
 * saved ~30 MiB per busy object worker against V8's default. Object servers
 * take 8 MiB (as the proxy does: fewer scavenges per small request, at most
 * ≈ 18 MiB more), account servers 2. A container server's 10,000-row
 * listings outgrow small semi-spaces (more promotions, more CPU per
 * listing), and its RSS did not shrink with them, so it keeps V8's default.
 * Only object servers stream, so only they get the growing percent.
 */
export const STORAGE_HEAP: Record<StorageKind, HeapTuning> = {
  object: { semiSpaceMib: 8, heapGrowingPercent: 300 },
  account: { semiSpaceMib: 2 },
  container: {},
};

/** The long-running form: forks workers when asked, restarts a worker that dies, and exits on SIGTERM. */
export async function runStorageServer(kind: StorageKind, confPath: string): Promise<void> {
  const conf = readStorageConf(kind, confPath);
  const workers = workerCount(conf);
  const flags = tuneHeap(STORAGE_HEAP[kind]);
  if (workers > 0) {
    // The primary owns the /metrics port and answers with its workers' sum.
    const listen = metricsListen(conf, getString(conf, 'bind_ip', '0.0.0.0'));
    if (listen) await startMetricsServer(listen, { aggregateWorkers: true });
    superviseWorkers({
      name: `${kind}-server`, count: workers, execArgv: flags,
      exec: fileURLToPath(new URL('./storage-worker.js', import.meta.url)), args: [kind, confPath],
    });
    return;
  }
  const { serveStorage } = await import('./server-runner.js');
  await serveStorage(kind, confPath);
}
