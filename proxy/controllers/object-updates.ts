/**
 * The headers that tell object servers which container (and which
 * expiring-objects queue container) to update, spread over the outgoing
 * requests exactly as Swift's proxy does.
 */
import { checkDeleteHeaders, expirerContainer, InvalidArgumentError, normalizeDeleteAt } from '../../common/index.js';
import type { RingNode } from '../../ring/index.js';
import type { Headers, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';
import type { ProxyContext } from './context.js';
import { quorumSize } from './best-response.js';

/**
 * Swift's `num_container_updates`: max(Qc + Ro - Qo, Rc), the quorums the
 * proxy's (n + 1) // 2. If only Qo object writes succeed and every failed one
 * carried an update, Qc updates still remain (durable listing); and each
 * container replica is named at least once. Swift takes Qo from the ring's
 * replica count (the policy's quorum), Ro from the requests sent.
 */
export function numContainerUpdates(containerReplicas: number, objectReplicas: number, objectQuorum = quorumSize(objectReplicas)): number {
  return Math.max(quorumSize(containerReplicas) + objectReplicas - objectQuorum, containerReplicas);
}

/**
 * Swift's `_config_obj_expiration`: `check_delete_headers`, then the
 * X-Delete-At sent on (X-Delete-After turned into one) normalized to ten
 * digits. Returns Swift's 400 for a bad value.
 */
export function configObjectExpiration(headers: Headers, nowSeconds: number): SwiftResponse | undefined {
  let deleteAt: string | undefined;
  try {
    deleteAt = checkDeleteHeaders(headers, nowSeconds);
  } catch (err) {
    if (err instanceof InvalidArgumentError) return makeResponse(400, err.message, { 'content-type': 'text/plain' });
    throw err;
  }
  delete headers['x-delete-after'];
  if (deleteAt !== undefined) headers['x-delete-at'] = normalizeDeleteAt(Number(deleteAt));
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
export function objectUpdateHeaders(ctx: ProxyContext, t: UpdateTarget, base: Headers, nOutgoing: number, objectQuorum: number): Headers[] {
  const sets: Headers[] = Array.from({ length: nOutgoing }, () => ({ ...base }));
  const cring = ctx.rings.container;
  const { partition: cpart, nodes: containers } = cring.getNodes(t.account, t.container);
  let deleteAt: { container: string; partition: number; nodes: RingNode[] } | undefined;
  if (base['x-delete-at'] !== undefined) {
    const container = expirerContainer(Number(base['x-delete-at']), ctx.conf.expiringObjectsContainerDivisor,
      ctx.swiftConf.hashPath, t.account, t.container, t.object);
    const { partition, nodes } = cring.getNodes(ctx.conf.expiringObjectsAccount, container);
    deleteAt = { container, partition, nodes };
  }
  const needed = numContainerUpdates(containers.length, nOutgoing, objectQuorum);
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
