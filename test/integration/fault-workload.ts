/**
 * Test helper (not a test): a minimal stand-in for the proxy's write path
 * over a StorageCluster — one X-Timestamp per request, every primary
 * tried, a failed primary replaced by the next handoff, container updates
 * named per object node as Swift's proxy does, acknowledged on a quorum —
 * plus a mixed PUT/overwrite/DELETE workload that records what was
 * acknowledged, and checks of every primary against it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { backend, nextTimestamp, type StorageCluster } from './storage-cluster.js';
import type { RingNode } from '../../ring/index.js';

export const ACCOUNT = 'AUTH_fault';

export type Expected = { kind: 'put'; body: string } | { kind: 'delete' };

export class MiniProxy {
  constructor(private readonly cluster: StorageCluster) {}

  private async write(container: string, name: string, method: 'PUT' | 'DELETE', body?: string): Promise<boolean> {
    const objectRing = this.cluster.ring('object');
    const { partition, nodes } = objectRing.getNodes(ACCOUNT, container, name);
    const c = this.cluster.ring('container').getNodes(ACCOUNT, container);
    const ts = nextTimestamp();
    const handoffs = objectRing.moreNodes(partition)[Symbol.iterator]();
    const attempt = async (node: RingNode, i: number): Promise<boolean> => {
      const cn = c.nodes[i % c.nodes.length];
      const headers: Record<string, string> = {
        'X-Timestamp': ts,
        'X-Container-Host': `${cn.ip}:${cn.port}`, 'X-Container-Device': cn.device, 'X-Container-Partition': String(c.partition),
      };
      if (method === 'PUT') Object.assign(headers, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body!)) });
      try {
        const r = await backend(node.port, method, `/${node.device}/${partition}/${ACCOUNT}/${container}/${name}`, headers, body);
        return method === 'PUT' ? r.status === 201 : r.status === 204 || r.status === 404;
      } catch {
        return false;
      }
    };
    const results = await Promise.all(nodes.map(async (node, i) => {
      if (await attempt(node, i)) return true;
      for (let h = handoffs.next(); !h.done; h = handoffs.next()) {
        if (await attempt(h.value, i)) return true;
      }
      return false;
    }));
    return results.filter(Boolean).length >= Math.floor(nodes.length / 2) + 1;
  }

  put(container: string, name: string, body: string): Promise<boolean> {
    return this.write(container, name, 'PUT', body);
  }

  delete(container: string, name: string): Promise<boolean> {
    return this.write(container, name, 'DELETE');
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
  proxy: MiniProxy, container: string, opts: { objects: number; ops: number; concurrency: number; seed?: number; during?: (i: number) => Promise<void> },
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

/** Creates the container on every container primary. */
export async function createContainer(cluster: StorageCluster, container: string): Promise<void> {
  const { partition, nodes } = cluster.ring('container').getNodes(ACCOUNT, container);
  const ts = nextTimestamp();
  for (const n of nodes) {
    const r = await backend(n.port, 'PUT', `/${n.device}/${partition}/${ACCOUNT}/${container}`, { 'X-Timestamp': ts });
    if (r.status !== 201 && r.status !== 202) throw new Error(`container PUT: ${r.status}`);
  }
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
