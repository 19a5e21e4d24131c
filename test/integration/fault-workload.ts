/**
 * Test helper (not a test): a mixed PUT/overwrite/DELETE workload sent
 * through swiftly's proxy over a StorageCluster (so a fault meets the
 * quorum, handoff, error-limiting and container-update code users run),
 * recording what was acknowledged, and checks of every primary against it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { backend, type StorageCluster } from './storage-cluster.js';

export const ACCOUNT = 'AUTH_fault';

export type Expected = { kind: 'put'; body: string } | { kind: 'delete' };

/** A client of the cluster's proxy: what it acknowledges is what the workload counts on. */
export class ProxyWriter {
  constructor(readonly port: number) {}

  /** Starts swiftly's proxy over `cluster` (closed with the cluster) and writes through it. */
  static async start(cluster: StorageCluster, app: Record<string, string> = {}): Promise<ProxyWriter> {
    return new ProxyWriter((await cluster.startProxy(app)).port);
  }

  private async status(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<number | undefined> {
    try {
      return (await backend(this.port, method, `/v1/${ACCOUNT}${path}`, headers, body)).status;
    } catch {
      // No answer (the proxy cut the connection, a timeout): not acknowledged.
      return undefined;
    }
  }

  /** Creates the container (and the account, autocreated); throws unless the proxy says 201/202. */
  async createContainer(container: string): Promise<void> {
    const status = await this.status('PUT', `/${container}`);
    if (status !== 201 && status !== 202) throw new Error(`container PUT through the proxy: ${status}`);
  }

  async put(container: string, name: string, body: string): Promise<boolean> {
    return (await this.status('PUT', `/${container}/${name}`, { 'Content-Type': 'text/plain' }, body)) === 201;
  }

  /** A 404 is acknowledged too: the object servers wrote their tombstones all the same. */
  async delete(container: string, name: string): Promise<boolean> {
    const status = await this.status('DELETE', `/${container}/${name}`);
    return status === 204 || status === 404;
  }
}

export interface WorkloadResult {
  /** Last acknowledged state per object. */
  expected: Map<string, Expected>;
  /** Objects that had an unacknowledged write after their last acknowledged one: those may show it. */
  uncertain: Map<string, Expected[]>;
  acked: number;
  failed: number;
}

/**
 * Runs `ops` random writes over `objects` names with `concurrency` workers
 * (each object touched by one worker at a time); `during(i)` runs before
 * op i, the hooks one after another in op order.
 */
export async function runWorkload(
  proxy: ProxyWriter, container: string, opts: { objects: number; ops: number; concurrency: number; seed?: number; during?: (i: number) => Promise<void> },
): Promise<WorkloadResult> {
  let seed = opts.seed ?? 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const expected = new Map<string, Expected>();
  const uncertain = new Map<string, Expected[]>();
  let acked = 0;
  let failed = 0;
  let next = 0;
  const busy = new Set<string>();
  let hooks: Promise<unknown> = Promise.resolve();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= opts.ops) return;
      // Hooks run one at a time, in op order (a restart must not overtake a kill).
      const hook = hooks.then(() => opts.during?.(i));
      hooks = hook.catch(() => undefined);
      await hook;
      let name: string;
      do name = `obj-${Math.floor(rand() * opts.objects)}`;
      while (busy.has(name));
      busy.add(name);
      try {
        const isDelete = expected.get(name)?.kind === 'put' && rand() < 0.3;
        const op: Expected = isDelete ? { kind: 'delete' } : { kind: 'put', body: `${name} v${i} ${'x'.repeat(Math.floor(rand() * 2000))}` };
        const ok = op.kind === 'put' ? await proxy.put(container, name, op.body) : await proxy.delete(container, name);
        if (ok) {
          acked++;
          expected.set(name, op);
          uncertain.delete(name);
        } else {
          failed++;
          uncertain.set(name, [...(uncertain.get(name) ?? []), op]);
        }
      } finally {
        busy.delete(name);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  return { expected, uncertain, acked, failed };
}

/** Mismatches between every object primary and the acknowledged state. */
export async function checkObjects(cluster: StorageCluster, container: string, result: WorkloadResult): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, want] of result.expected) {
    const { partition, nodes } = cluster.ring('object').getNodes(ACCOUNT, container, name);
    const allowed = [want, ...(result.uncertain.get(name) ?? [])];
    for (const n of nodes) {
      const r = await backend(n.port, 'GET', `/${n.device}/${partition}/${ACCOUNT}/${container}/${name}`);
      const ok = allowed.some((a) => (a.kind === 'delete' ? r.status === 404 : r.status === 200 && r.body.toString() === a.body));
      if (!ok) problems.push(`${name} on ${n.port}/${n.device}: ${r.status} ${r.body.toString().slice(0, 20)} (want ${want.kind})`);
    }
  }
  return problems;
}

/** Mismatches between every container replica's listing and the acknowledged PUTs. */
export async function checkListings(cluster: StorageCluster, container: string, result: WorkloadResult): Promise<string[]> {
  const live = [...result.expected].filter(([, e]) => e.kind === 'put').map(([n]) => n).sort();
  const maybe = new Set(result.uncertain.keys());
  const { partition, nodes } = cluster.ring('container').getNodes(ACCOUNT, container);
  const problems: string[] = [];
  for (const n of nodes) {
    const r = await backend(n.port, 'GET', `/${n.device}/${partition}/${ACCOUNT}/${container}?format=json`);
    if (r.status !== 200) {
      problems.push(`listing on ${n.port}: ${r.status}`);
      continue;
    }
    const names = new Set((JSON.parse(r.body.toString()) as { name: string }[]).map((e) => e.name));
    for (const name of live) if (!names.has(name) && !maybe.has(name)) problems.push(`${name} missing from listing on ${n.port}`);
    for (const name of names) if (!live.includes(name) && !maybe.has(name)) problems.push(`${name} listed on ${n.port} but deleted`);
  }
  return problems;
}

/** One pass of every daemon that repairs replicas, on every node. */
export async function settle(cluster: StorageCluster, extra: Record<string, string> = {}): Promise<void> {
  const { createObjectReplicator, createObjectUpdater, createContainerReplicator, createAccountReplicator } = await import('../../consistency/index.js');
  await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator, extra);
  await cluster.runOnEveryNode('object', 'object-updater', createObjectUpdater, extra);
  await cluster.runOnEveryNode('container', 'container-replicator', createContainerReplicator, extra);
  await cluster.runOnEveryNode('account', 'account-replicator', createAccountReplicator, extra);
}

/** Object partitions (with files in them) held on a device that is not among their primaries. */
export function handoffPartitions(cluster: StorageCluster): string[] {
  const ring = cluster.ring('object');
  const out: string[] = [];
  for (const node of cluster.nodes) {
    for (const dev of node.deviceNames) {
      const dir = join(node.devices, dev, 'objects');
      if (!existsSync(dir)) continue;
      for (const part of readdirSync(dir)) {
        const primaries = ring.getPartNodes(Number(part));
        if (primaries.some((p) => p.port === node.ports.object && p.device === dev)) continue;
        const suffixes = readdirSync(join(dir, part)).filter((s) => /^[0-9a-f]{3}$/.test(s));
        if (suffixes.length) out.push(`node${node.index}/${dev}/objects/${part}`);
      }
    }
  }
  return out;
}
