/**
 * Ring changes on the bed the way an operator makes them: the builder under
 * `<root>/rings` changed and rebalanced, its ring written there, and
 * `swiftly ring push` run from the client namespace to every host's rsync
 * daemon (module `swift` = the host's etc, as Swift operators serve
 * /etc/swift), over the bed's network. The servers are never restarted:
 * they reload a ring whose mtime changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { saveBuilder, writeRingFile, type RingBuilder } from '../../../ring/index.js';
import type { ServerKind } from '../../../cli/cluster/layout.js';
import type { MultiHostBed } from './bed.js';
import { listeningPorts, nsExec } from './network.js';
import type { Fault } from './scenario.js';

export const RSYNC_PORT = 873;
const SWIFTLY_BIN = new URL('../../../cli/bin/swiftly.js', import.meta.url).pathname;

/**
 * Starts an rsync daemon on every host that has none listening (its net-A
 * address, port 873, module `swift` → its etc): again after a kill -9 of a
 * host took its daemon too. Namespaces' teardown ends them.
 */
export async function startRsyncDaemons(bed: MultiHostBed): Promise<ChildProcess[]> {
  const missing = [];
  for (const h of bed.hosts) if (!(await listeningPorts(h.ns)).has(RSYNC_PORT)) missing.push(h);
  const children = missing.map((h) => {
    const conf = join(h.paths.dir, 'rsyncd.conf');
    writeFileSync(conf, [
      'use chroot = no', 'uid = root', 'gid = root', `pid file = ${join(h.paths.dir, 'rsyncd.pid')}`, `log file = ${join(h.paths.log, 'rsyncd.log')}`,
      '[swift]', `path = ${h.paths.etc}`, 'read only = false', '',
    ].join('\n'));
    const fd = openSync(join(h.paths.log, 'rsyncd.out'), 'a');
    const child = spawn('ip', ['netns', 'exec', h.ns, 'rsync', '--daemon', '--no-detach', `--address=${h.ip}`, `--port=${RSYNC_PORT}`, `--config=${conf}`], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    return child;
  });
  for (const h of missing) {
    const deadline = Date.now() + 60_000;
    while (!(await listeningPorts(h.ns)).has(RSYNC_PORT)) {
      if (Date.now() > deadline) throw new Error(`host ${h.n}'s rsync daemon not listening`);
      await sleep(200);
    }
  }
  return children;
}

/** The operator's ring file of `kind` under `<root>/rings`. */
export const operatorRing = (bed: MultiHostBed, kind: ServerKind): string => join(bed.root, 'rings', `${kind}.ring.gz`);

/**
 * Saves `builder` as the operator's, writes its ring beside it and runs
 * `swiftly ring push` in the client namespace to every host's rsync daemon.
 * Resolves with the command's output.
 */
export async function pushOverRsync(bed: MultiHostBed, kind: ServerKind, builder: RingBuilder): Promise<string> {
  saveBuilder(builder, join(bed.root, 'rings', `${kind}.builder`));
  writeRingFile(operatorRing(bed, kind), builder.getRing());
  const targets = bed.hosts.map((h) => `rsync://${h.ip}:${RSYNC_PORT}/swift/`);
  if (!existsSync(SWIFTLY_BIN)) throw new Error(`${SWIFTLY_BIN} missing: npm run build`);
  return nsExec(bed.clientNs, process.execPath, [SWIFTLY_BIN, 'ring', 'push', '--ring', operatorRing(bed, kind), ...targets], 120_000);
}

/** A ring change as a scenario's fault: `change` edits the object builder, which is rebalanced and pushed; nothing to undo. */
export function ringChange(name: string, change: (b: RingBuilder) => void, log: string[] = []): Fault {
  return {
    name,
    apply: async (bed) => {
      const b = bed.loadBuilder('object');
      change(b);
      b.rebalance();
      log.push(await pushOverRsync(bed, 'object', b));
    },
    undo: async () => undefined,
  };
}
