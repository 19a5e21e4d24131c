/**
 * One benchmarked cluster, swiftly's or Swift's: the same layout, every
 * server its own process, plus the memcached the proxy's tempauth uses.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertPortsFree, ProcessGroup, waitForPort } from './procs.js';
import { writeLayout, type Kind, type Layout } from './layout.js';

export type SystemName = 'swiftly' | 'swift';

export interface Cluster {
  name: SystemName;
  layout: Layout;
  url: string;
  group: ProcessGroup;
  stop(): Promise<void>;
}

const SWIFTLY_BIN = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));

/** How each system runs a server from its config file. */
function serverCommand(system: SystemName, kind: Kind | 'proxy', conf: string, nodeArgs: string[]): [string, string[]] {
  if (system === 'swiftly') return [process.execPath, [...nodeArgs, SWIFTLY_BIN, 'server', kind, conf]];
  return [`/usr/bin/swift-${kind}-server`, [conf]];
}

/**
 * Starts one cluster. `cpuProfDir` runs swiftly's servers under
 * `node --cpu-prof` (profiles written there when they stop).
 */
export async function startCluster(system: SystemName, dir: string, basePort: number, cpuProfDir?: string, timeoutMs = 90_000): Promise<Cluster> {
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const layout = writeLayout(dir, basePort);
  const ports = [layout.memcachePort, layout.proxyPort, ...layout.storage.map((s) => s.port)];
  await assertPortsFree(layout.host, ports);
  const group = new ProcessGroup(layout.log);
  const stop = (): Promise<void> => group.stop();
  try {
    group.spawn('memcached', '/usr/bin/memcached', ['-u', 'root', '-l', layout.host, '-p', String(layout.memcachePort), '-U', '0', '-m', '64', '-t', '2']);
    for (const s of layout.storage) {
      const [cmd, args] = serverCommand(system, s.kind, s.conf, nodeArgs);
      group.spawn(`${s.kind}-server-${s.node}`, cmd, args);
    }
    const [cmd, args] = serverCommand(system, 'proxy', layout.proxyConf, nodeArgs);
    group.spawn('proxy-server', cmd, args);
    await Promise.all(ports.map((p) => waitForPort(layout.host, p, timeoutMs)));
  } catch (err) {
    await stop();
    throw new Error(`${system} cluster did not start (logs in ${join(dir, 'log')}): ${(err as Error).message}`);
  }
  return { name: system, layout, url: `http://${layout.host}:${layout.proxyPort}`, group, stop };
}
