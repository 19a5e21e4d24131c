/**
 * The two ways the proxy talks to a set of replicas (other than object PUT):
 *  - `makeRequests`: one request per replica in parallel, each moving on to
 *    the next node when one fails, then the best response by quorum;
 *  - `firstGood`: nodes tried one after the other until one has it (GET/HEAD).
 */
import { InvalidTimestampError, Timestamp } from '../../common/index.js';
import type { RingNode } from '../../ring/index.js';
import type { Headers, SwiftResponse } from '../types.js';
import { dropBody, makeResponse, readSmallBody } from '../response.js';
import type { ProxyContext } from './context.js';
import { NodeSource } from '../backend/node-iter.js';
import { bestResponse, quorumSize, type NodeAnswer } from './best-response.js';
import type { BackendResponse } from '../../common/index.js';

export interface RequestPlan {
  method: string;
  /** Backend path after `/<device>/<partition>`, already quoted. */
  path: string;
  partition: number;
}

/** Records the outcome of a backend request for error limiting and timing. */
export function noteResult(ctx: ProxyContext, node: RingNode, status: number | 'error', started: number): void {
  if (status === 'error' || (status >= 500 && status !== 507)) ctx.limiter.error(node);
  else if (status === 507) ctx.limiter.limitNow(node);
  else ctx.timings.record(node, ctx.now() - started);
}

function backendPath(node: RingNode, plan: RequestPlan): string {
  return `/${encodeURIComponent(node.device)}/${plan.partition}${plan.path}`;
}

/** One request per header set, in parallel, each walking the shared node iterator. */
export async function makeRequests(
  ctx: ProxyContext,
  nodes: Iterable<RingNode>,
  plan: RequestPlan,
  headerSets: Headers[],
  quorum: number,
  body?: string,
): Promise<SwiftResponse> {
  const source = new NodeSource(nodes);
  const one = async (headers: Headers): Promise<NodeAnswer | undefined> => {
    for (let node = source.next(); node; node = source.next()) {
      const started = ctx.now();
      try {
        const res = await ctx.client.request(node, plan.method, backendPath(node, plan), headers, { body });
        const buf = await readSmallBody(res.body);
        noteResult(ctx, node, res.status, started);
        if (res.status < 500) return { status: res.status, headers: res.headers, body: buf };
      } catch (err) {
        ctx.logger.warn({ err, node: `${node.ip}:${node.port}/${node.device}`, method: plan.method }, 'ERROR with node');
        noteResult(ctx, node, 'error', started);
      }
    }
    return undefined;
  };
  const answers = (await Promise.all(headerSets.map(one))).filter((a): a is NodeAnswer => a !== undefined);
  const best = bestResponse(answers, quorum);
  if (!best) return makeResponse(503);
  return answerResponse(best);
}

/** Backend headers a best response does not carry over (Swift's `update_headers`). */
const NOT_CARRIED = new Set(['date', 'content-length', 'content-type', 'connection', 'keep-alive', 'transfer-encoding', 'x-put-timestamp', 'x-delete-after']);

/**
 * The client's response made from the chosen backend answer, as Swift's
 * `best_response` makes it: the backend's body as it was (an empty one
 * stays empty), its headers but those in NOT_CARRIED, and the ETag bare.
 */
function answerResponse(best: NodeAnswer): SwiftResponse {
  const headers: Headers = {};
  for (const [k, v] of Object.entries(best.headers)) {
    if (k === 'etag') headers.etag = v.replace(/"/g, '');
    else if (!NOT_CARRIED.has(k)) headers[k] = v;
  }
  return makeResponse(best.status, best.body ?? Buffer.alloc(0), headers);
}

export type GoodPredicate = (status: number) => boolean;

export const isGoodDefault: GoodPredicate = (s) => s >= 200 && s < 400;

/**
 * Swift's GetOrHeadHandler rules for object reads, kept across the nodes
 * of one request: the newest tombstone a 404 carried (X-Backend-Timestamp),
 * and how many primaries' 404s without a timestamp are still to be
 * disregarded (`rebalance_missing_suppression_count`).
 */
export interface ObjectReadState {
  latest404?: Timestamp;
  suppressMissing: number;
}

/**
 * As Swift's GetOrHeadHandler, at most one fewer than the partition's primaries are disregarded: with one replica
 * its only primary's 404 is the answer, not a 503.
 */
export const objectReadState = (ctx: ProxyContext, primaries: number): ObjectReadState => ({
  suppressMissing: Math.max(0, Math.min(ctx.conf.rebalanceMissingSuppressionCount, primaries - 1)),
});

/**
 * Tries nodes in order until one gives a good answer; its body is returned
 * as a stream. Otherwise the best of the collected answers (404 when most
 * said so), or 503.
 *
 * With `objectRead` (object GET and HEAD), as Swift's GetOrHeadHandler:
 *  - a 404 carrying X-Backend-Timestamp (a tombstone) is remembered, and a
 *    good answer older than the newest one remembered is dropped, not
 *    served (the object was deleted after that copy was written; a node the
 *    DELETE did not reach, such as a handoff, still holds it until
 *    replication);
 *  - a handoff's 404 or 5xx without a timestamp is no answer (it never had
 *    the object), nor are the first `rebalance_missing_suppression_count`
 *    primaries' 404s without one (a primary a rebalance just gave the
 *    partition has nothing yet): with the other primaries down, the client
 *    gets 503, not a 404 for an object that exists.
 */
export async function firstGood(
  ctx: ProxyContext,
  nodes: Iterable<RingNode>,
  plan: RequestPlan,
  headers: Headers,
  isGood: GoodPredicate = isGoodDefault,
  objectRead?: ObjectReadState,
): Promise<{ response?: BackendResponse; node?: RingNode; answers: NodeAnswer[] }> {
  const answers: NodeAnswer[] = [];
  for (const node of nodes) {
    const started = ctx.now();
    try {
      const res = await ctx.client.request(node, plan.method, backendPath(node, plan), headers, {
        timeout: ctx.conf.recoverableNodeTimeout,
      });
      noteResult(ctx, node, res.status, started);
      if (isGood(res.status)) {
        const latest404 = objectRead?.latest404;
        if (latest404 && timestampOf(res.headers).compare(latest404) < 0) {
          dropBody(res.body);
          continue;
        }
        return { response: res, node, answers };
      }
      const buf = await readSmallBody(res.body);
      if (objectRead) {
        const tombstone = tombstoneOf(res.status, res.headers);
        if (!tombstone && !hasTimestamp(res.headers)) {
          if (node.handoff_index !== undefined && (res.status === 404 || res.status >= 500)) continue;
          if (res.status === 404 && objectRead.suppressMissing > 0) {
            objectRead.suppressMissing--;
            continue;
          }
        }
        objectRead.latest404 = newer(objectRead.latest404, tombstone);
      }
      if (res.status < 500) answers.push({ status: res.status, headers: res.headers, body: buf });
    } catch (err) {
      ctx.logger.warn({ err, node: `${node.ip}:${node.port}/${node.device}`, method: plan.method }, 'ERROR with node');
      noteResult(ctx, node, 'error', started);
    }
  }
  return { answers };
}

/** Whether an answer carries a non-zero X-Backend-Timestamp (Swift's `Timestamp(...)` truth). */
function hasTimestamp(h: Record<string, string>): boolean {
  try {
    return !!h['x-backend-timestamp'] && Timestamp.parse(h['x-backend-timestamp']).compare(Timestamp.parse(0)) > 0;
  } catch (err) {
    if (err instanceof InvalidTimestampError) return false;
    throw err;
  }
}

/** A 404's X-Backend-Timestamp: when the object it answers for was deleted (undefined: no tombstone, or not a 404). */
function tombstoneOf(status: number, h: Record<string, string>): Timestamp | undefined {
  if (status !== 404 || !h['x-backend-timestamp']) return undefined;
  try {
    const ts = Timestamp.parse(h['x-backend-timestamp']);
    return ts.compare(Timestamp.parse(0)) > 0 ? ts : undefined;
  } catch (err) {
    if (err instanceof InvalidTimestampError) return undefined;
    throw err;
  }
}

const newer = (a: Timestamp | undefined, b: Timestamp | undefined): Timestamp | undefined => (!a ? b : !b ? a : b.compare(a) > 0 ? b : a);

/** The answer when no node gave a good one. */
export function noGoodAnswer(answers: NodeAnswer[]): SwiftResponse {
  if (answers.length === 0) return makeResponse(503);
  return answerResponse(bestResponse(answers, quorumSize(answers.length)) ?? answers[0]);
}

/** Turns a good backend response into the client's, streaming the body. */
export function passThrough(res: BackendResponse, method: string): SwiftResponse {
  const headers = { ...res.headers };
  delete headers['connection'];
  delete headers['keep-alive'];
  delete headers['transfer-encoding'];
  if (method === 'HEAD') res.body.resume();
  return { status: res.status, headers, body: method === 'HEAD' ? undefined : res.body };
}

/**
 * Swift's `source_key`: the answer's timestamp as a Timestamp (offsets
 * count), the data's before the metadata's. One a node sends that is no
 * timestamp counts as the oldest rather than failing the read.
 */
function timestampOf(h: Record<string, string>): Timestamp {
  const value = h['x-backend-data-timestamp'] || h['x-backend-timestamp'] || h['x-put-timestamp'] || h['x-timestamp'] || 0;
  try {
    return Timestamp.parse(value);
  } catch (err) {
    if (err instanceof InvalidTimestampError) return Timestamp.parse(0);
    throw err;
  }
}

/**
 * `X-Newest: true`: ask `count` nodes at once and keep the good answer with
 * the newest timestamp (the others' bodies are dropped); with `objectRead`,
 * none older than the newest tombstone a node answered (see firstGood).
 */
export async function newestGood(
  ctx: ProxyContext,
  nodes: Iterable<RingNode>,
  plan: RequestPlan,
  headers: Headers,
  count: number,
  isGood: GoodPredicate = isGoodDefault,
  objectRead?: ObjectReadState,
): Promise<{ response?: BackendResponse; node?: RingNode; answers: NodeAnswer[] }> {
  const source = new NodeSource(nodes);
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const node = source.next();
      if (!node) return undefined;
      return firstGood(ctx, [node], plan, headers, isGood, objectRead);
    }),
  );
  const answers = results.flatMap((r) => r?.answers ?? []);
  let good = results.filter((r) => r?.response) as { response: BackendResponse; node: RingNode }[];
  // A tombstone newer than a copy: that copy is not served (Swift drops sources older than latest_404_timestamp).
  const latest404 = objectRead?.latest404;
  if (latest404) {
    for (const g of good) if (timestampOf(g.response.headers).compare(latest404) < 0) dropBody(g.response.body);
    good = good.filter((g) => timestampOf(g.response.headers).compare(latest404) >= 0);
  }
  if (good.length === 0) return { answers };
  good.sort((a, b) => timestampOf(b.response.headers).compare(timestampOf(a.response.headers)));
  for (const g of good.slice(1)) dropBody(g.response.body);
  return { response: good[0].response, node: good[0].node, answers };
}

/** Swift's `config_true_value` on a request's X-Newest. */
export function wantsNewest(headers: Headers): boolean {
  return ['true', '1', 'yes', 'on', 't', 'y'].includes((headers['x-newest'] ?? '').toLowerCase());
}
