/**
 * Object PUT: one X-Timestamp, connections to all primaries at once with
 * `Expect: 100-continue` (refusing or slow nodes replaced by handoffs), a
 * quorum of `100 Continue` before the client's body is read, then each chunk
 * to every live backend — the client is paused while any backend's socket is
 * full, and a backend that stalls past node_timeout is dropped while a quorum
 * remains. The answer is the best final status once a quorum agrees, with
 * the ETag the object servers agree on.
 */
import type { Readable } from 'node:stream';
import type { RingLookup, RingNode } from '../../ring/index.js';
import type { Headers, SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse, readSmallBody } from '../response.js';
import type { ProxyContext } from './context.js';
import { noteResult } from './fan-out.js';
import { NodeSource } from '../backend/node-iter.js';
import type { PutConnection as NodePutConnection } from '../../common/index.js';
import { bestResponse, type NodeAnswer } from './best-response.js';

type PutConnection = NodePutConnection<RingNode>;

export interface PutPlan {
  ring: RingLookup;
  partition: number;
  path: string;
  headerSets: Headers[];
  /** Declared length, or undefined for chunked. */
  contentLength?: number;
  maxFileSize: number;
}

class Timeout extends Error {}

function withTimeout<T>(p: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_r, reject) => {
      timer = setTimeout(() => reject(new Timeout()), seconds * 1000);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Opens a PUT per header set, walking the shared node iterator past refusals. */
async function connectAll(ctx: ProxyContext, plan: PutPlan, nodes: Iterable<import('../../ring/index.js').RingNode>) {
  const source = new NodeSource(nodes);
  const early: NodeAnswer[] = [];
  const one = async (headers: Headers): Promise<PutConnection | undefined> => {
    for (let node = source.next(); node; node = source.next()) {
      const started = ctx.now();
      const path = `/${encodeURIComponent(node.device)}/${plan.partition}${plan.path}`;
      try {
        const r = await ctx.client.putConnect(node, path, headers);
        if (r.kind === 'continue') return r.conn;
        const body = await readSmallBody(r.response.body).catch(() => Buffer.alloc(0));
        noteResult(ctx, node, r.response.status, started);
        if (r.response.status < 500) {
          early.push({ status: r.response.status, headers: r.response.headers, body });
          return undefined;
        }
      } catch (err) {
        ctx.logger.warn({ err: (err as Error).message, node: `${node.ip}:${node.port}/${node.device}` }, 'ERROR connecting for PUT');
        noteResult(ctx, node, 'error', started);
      }
    }
    return undefined;
  };
  const conns = (await Promise.all(plan.headerSets.map(one))).filter((c): c is PutConnection => c !== undefined);
  return { conns, early };
}

/** The rest of the client's body is not wanted: answer, then close the connection (as Swift). */
function closing(resp: SwiftResponse): SwiftResponse {
  resp.headers.connection = 'close';
  return resp;
}

type StreamResult = { ok: true; bytes: number } | { ok: false; response: SwiftResponse };

/** Sends the client's body to every live connection, with backpressure. */
async function streamBody(ctx: ProxyContext, body: Readable | undefined, live: Set<PutConnection>, plan: PutPlan, quorum: number): Promise<StreamResult> {
  let bytes = 0;
  if (!body) return { ok: true, bytes };
  const it = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await withTimeout(it.next(), ctx.conf.clientTimeout);
    } catch (err) {
      // A stalled client still gets its 408 (then the connection closes);
      // destroying the body here would destroy the socket the answer needs.
      if (err instanceof Timeout) return { ok: false, response: closing(makeResponse(408)) };
      body.destroy();
      return { ok: false, response: makeResponse(499) };
    }
    if (next.done) break;
    const chunk = next.value;
    bytes += chunk.length;
    if (bytes > plan.maxFileSize || (plan.contentLength !== undefined && bytes > plan.contentLength)) {
      return { ok: false, response: closing(makeResponse(413, 'Your request is too large.', { 'content-type': 'text/plain' })) };
    }
    await Promise.all(
      [...live].map((c) =>
        c.write(chunk, ctx.conf.nodeTimeout * 1000).catch((err: Error) => {
          ctx.logger.warn({ err: err.message, node: `${c.node.ip}:${c.node.port}` }, 'ERROR writing object to node');
          ctx.limiter.error(c.node);
          live.delete(c);
          c.abort();
        }),
      ),
    );
    if (live.size < quorum) return { ok: false, response: closing(makeResponse(503)) };
  }
  if (plan.contentLength !== undefined && bytes < plan.contentLength) return { ok: false, response: makeResponse(499) };
  return { ok: true, bytes };
}

/** Waits for the final statuses: all of them, or a quorum plus post_quorum_timeout. */
function collect(ctx: ProxyContext, live: Set<PutConnection>, quorum: number): Promise<NodeAnswer[]> {
  const answers: NodeAnswer[] = [];
  return new Promise((resolve) => {
    let pending = live.size;
    let quorumTimer: NodeJS.Timeout | undefined;
    if (pending === 0) resolve(answers);
    const done = () => {
      clearTimeout(quorumTimer);
      resolve(answers);
    };
    for (const c of live) {
      const started = ctx.now();
      c.end();
      withTimeout(c.response, ctx.conf.nodeTimeout)
        .then(async (r) => {
          const body = await readSmallBody(r.body).catch(() => Buffer.alloc(0));
          noteResult(ctx, c.node, r.status, started);
          if (r.status < 500) answers.push({ status: r.status, headers: r.headers, body });
        })
        .catch((err) => {
          ctx.logger.warn({ err: (err as Error).message, node: `${c.node.ip}:${c.node.port}` }, 'ERROR getting PUT response');
          noteResult(ctx, c.node, 'error', started);
          c.abort();
        })
        .finally(() => {
          pending--;
          if (pending === 0) done();
          else if (!quorumTimer && answers.filter((a) => a.status >= 200 && a.status < 300).length >= quorum) {
            quorumTimer = setTimeout(done, ctx.conf.postQuorumTimeout * 1000);
          }
        });
    }
  });
}

export async function putObjectBody(ctx: ProxyContext, req: SwiftRequest, plan: PutPlan, body: Readable | undefined): Promise<SwiftResponse> {
  const primaries = plan.ring.getPartNodes(plan.partition);
  const quorum = ctx.quorum(primaries);
  const { conns, early } = await connectAll(ctx, plan, ctx.writeNodes(plan.ring, plan.partition, primaries));
  if (early.some((a) => a.status === 412)) {
    // If-None-Match failed on a node that has the object: no replica may be
    // overwritten (Swift's _check_failure_put_connections).
    for (const c of conns) c.abort();
    return makeResponse(412);
  }
  if (early.some((a) => a.status === 409)) {
    // A node holds a newer (or same) timestamp: this write already lost.
    for (const c of conns) c.abort();
    return makeResponse(202);
  }
  if (conns.length < quorum) {
    for (const c of conns) c.abort();
    // Not read, not destroyed: the edge discards it after answering, so the
    // client (which may have sent it all already) gets the answer.
    const best = bestResponse(early, 1);
    if (best && best.status >= 400) return makeResponse(best.status, best.body?.length ? best.body : undefined);
    ctx.logger.error({ txn: req.env.transId, got: conns.length, quorum }, 'Object PUT returning 503: not enough connections');
    return makeResponse(503);
  }
  const live = new Set(conns);
  const streamed = await streamBody(ctx, body, live, plan, quorum);
  if (!streamed.ok) {
    for (const c of live) c.abort();
    return streamed.response;
  }
  const answers = await collect(ctx, live, quorum);
  const best = bestResponse(answers, quorum);
  if (!best) {
    ctx.logger.error({ txn: req.env.transId, statuses: answers.map((a) => a.status) }, 'Object PUT returning 503');
    return makeResponse(503);
  }
  if (best.status >= 200 && best.status < 300) {
    const etags = new Set(answers.filter((a) => a.status >= 200 && a.status < 300).map((a) => a.headers.etag?.replace(/"/g, '')));
    if (etags.size > 1) return makeResponse(500, 'Object servers returned mismatched etags');
    const etag = [...etags][0];
    const headers: Headers = {};
    if (etag) headers.etag = etag;
    return makeResponse(201, '', { ...headers, 'content-length': '0' });
  }
  return makeResponse(best.status, best.body?.length ? best.body : undefined);
}
