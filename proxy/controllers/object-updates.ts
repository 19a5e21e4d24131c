/**
 * The headers that tell object servers which container (and which
 * expiring-objects queue container) to update, spread over the outgoing
 * requests exactly as Swift's proxy does.
 */
import { hashPath } from '../../common/index.js';
import type { RingNode } from '../../ring/index.js';
import type { Headers, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';
import type { ProxyContext } from './context.js';
import { quorumSize } from './best-response.js';

/** Swift's `num_container_updates`: max(Qc + Ro - Qo, Rc). */
export function numContainerUpdates(containerReplicas: number, objectReplicas: number): number {
  return Math.max(quorumSize(containerReplicas) + objectReplicas - quorumSize(objectReplicas), containerReplicas);
}

function normalizeDeleteAt(t: number): string {
  return String(Math.min(Math.max(0, Math.floor(t)), 9999999999)).padStart(10, '0');
}

/**
 * Validates X-Delete-After / X-Delete-At (turning the first into the second),
 * as Swift's `check_delete_headers`. Returns a 400 for bad values.
 */
export function checkDeleteHeaders(headers: Headers, nowSeconds: number): SwiftResponse | undefined {
  const text = { 'content-type': 'text/plain' };
  if (headers['x-delete-after'] !== undefined) {
    if (!/^\s*[+-]?\d+\s*$/.test(headers['x-delete-after'])) return makeResponse(400, 'Non-integer X-Delete-After', text);
    const at = normalizeDeleteAt(nowSeconds + Number(headers['x-delete-after']));
    if (Number(at) <= nowSeconds) return makeResponse(400, 'X-Delete-After in past', text);
    headers['x-delete-at'] = at;
    delete headers['x-delete-after'];
  }
  if (headers['x-delete-at'] !== undefined) {
    if (!/^\s*[+-]?\d+\s*$/.test(headers['x-delete-at'])) return makeResponse(400, 'Non-integer X-Delete-At', text);
    const at = normalizeDeleteAt(Number(headers['x-delete-at']));
    if (Number(at) <= nowSeconds) return makeResponse(400, 'X-Delete-At in past', text);
    headers['x-delete-at'] = at;
  }
  return undefined;
}

export interface UpdateTarget {
  account: string;
  container: string;
  object: string;
}

function csvAppend(a: string | undefined, b: string): string {
  return a ? `${a},${b}` : b;
}

/** One header set per outgoing request, with the X-Container-* and X-Delete-At-* updates. */
export function objectUpdateHeaders(ctx: ProxyContext, t: UpdateTarget, base: Headers, nOutgoing: number): Headers[] {
  const sets: Headers[] = Array.from({ length: nOutgoing }, () => ({ ...base }));
  const cring = ctx.rings.container;
  const { partition: cpart, nodes: containers } = cring.getNodes(t.account, t.container);
  let deleteAt: { container: string; partition: number; nodes: RingNode[] } | undefined;
  if (base['x-delete-at'] !== undefined) {
    const divisor = ctx.conf.expiringObjectsContainerDivisor;
    const shard = Number(BigInt('0x' + hashPath(ctx.swiftConf.hashPath, t.account, t.container, t.object)) % 100n);
    const container = normalizeDeleteAt(Math.floor(Number(base['x-delete-at']) / divisor) * divisor - shard);
    const { partition, nodes } = cring.getNodes(ctx.conf.expiringObjectsAccount, container);
    deleteAt = { container, partition, nodes };
  }
  const needed = numContainerUpdates(containers.length, nOutgoing);
  for (let i = 0; i < needed; i++) {
    const index = i % nOutgoing;
    const c = containers[i % containers.length];
    const h = sets[index];
    h['x-container-partition'] = String(cpart);
    h['x-container-host'] = csvAppend(h['x-container-host'], `${c.ip}:${c.port}`);
    h['x-container-device'] = csvAppend(h['x-container-device'], c.device);
    if (deleteAt && deleteAt.nodes.length) {
      const d = sets[nOutgoing - 1 - index];
      const dn = deleteAt.nodes[i % deleteAt.nodes.length];
      d['x-delete-at-container'] = deleteAt.container;
      d['x-delete-at-partition'] = String(deleteAt.partition);
      d['x-delete-at-host'] = csvAppend(d['x-delete-at-host'], `${dn.ip}:${dn.port}`);
      d['x-delete-at-device'] = csvAppend(d['x-delete-at-device'], dn.device);
    }
  }
  sets.forEach((h, i) => (h['x-backend-clean-expiring-object-queue'] ??= i < 2 ? 't' : 'f'));
  return sets;
}
