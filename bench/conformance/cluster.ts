/**
 * The cluster the conformance suite runs against: `swiftly start`'s
 * all-in-one cluster (proxy, 3 storage nodes, daemons, each a child
 * process) on free ports, with the suite's proxy-server.conf.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { FILTERS } from '../../proxy/index.js';
import { clusterPaths, ensureClusterLayout, NODE_COUNT, STORAGE_KINDS } from '../../cli/cluster/layout.js';
import { startAllInOne, type AllInOne } from '../../cli/cluster/all-in-one.js';
import { conformanceProxyConf } from './proxy-conf.js';

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

/** `n` distinct free ports. */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Writes the cluster's files in `dir` (free storage ports, the suite's proxy conf) and starts it. */
export async function startConformanceCluster(dir: string, proxyPort: number, onEvent: (msg: string) => void): Promise<AllInOne> {
  const paths = clusterPaths(dir);
  const bind = { host: '127.0.0.1', port: proxyPort };
  const ports = await freePorts(STORAGE_KINDS.length * NODE_COUNT);
  ensureClusterLayout(paths, bind, (kind, node) => ports[STORAGE_KINDS.indexOf(kind) * NODE_COUNT + node - 1]);
  writeFileSync(paths.proxyConf, conformanceProxyConf(FILTERS, bind, paths.etc), { mode: 0o600 });
  // The reference run's container servers allow legacy versioning (allow_versions).
  for (let n = 1; n <= NODE_COUNT; n++) {
    const conf = readFileSync(paths.storageConf('container', n), 'utf8')
      .replace('[app:container-server]\nuse = egg:swift#container\n', '[app:container-server]\nuse = egg:swift#container\nallow_versions = true\n');
    writeFileSync(paths.storageConf('container', n), conf);
  }
  // Eleven Node processes starting at once on a loaded 2-core machine took over the default 30 s.
  return startAllInOne({ dir, bind, onEvent, startTimeoutMs: 180_000 });
}
