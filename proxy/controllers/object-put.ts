/**
 * Object PUT: one X-Timestamp, connections to all primaries at once with
 * `Expect: 100-continue` (refusing or slow nodes replaced by handoffs), a
 * quorum of `100 Continue` before the client's body is read, then each chunk
 * to every live backend — the client is paused while any backend's socket is
 * full, and a backend that stalls past node_timeout is dropped while a quorum
 * remains. The answer is the best final status once a quorum agrees, with
 * the ETag the object servers agree on.
 *
 * When a filter has footers to add (`env.updateFooters`, e.g. encryption's
 * etags), the body goes out as Swift's multipart MIME document: the object's
 * bytes, then a JSON footer document, to nodes that said in their 100
 * Continue that they read footers (X-Obj-Metadata-Footer). Each body chunk
 * then goes out one chunk late, so the MIME framing rides with the body: the
 * opening with the first chunk, the footers and the end of the request with
 * the last. A small object is one write per node (one read for the object
 * server) instead of four: every S3 PUT takes this path (its checksum is a
 * footer).
 */
import type { Readable } from 'node:stream';
import { createHash, randomUUID } from 'node:crypto';
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
  /** Footers to send after the body (see the file's header). */
  footers?: (footers: Headers) => SwiftResponse | undefined;
}

const TRUE = new Set(['true', '1', 'yes', 'on', 't', 'y']);

/** The start of a MIME body, before the object's bytes. */
function mimeHead(boundary: string): Buffer {
  return Buffer.from(`--${boundary}\r\nX-Document: object body\r\n\r\n`, 'latin1');
}

/** A PUT's headers for a multipart MIME body with footers (Swift's MIMEPutter.connect). */
function mimeHeaders(headers: Headers, boundary: string): Headers {
  const out: Headers = { ...headers };
  out['x-backend-obj-content-length'] ??= out['content-length'];
  if (out['x-backend-obj-content-length'] === undefined) delete out['x-backend-obj-content-length'];
  delete out['content-length'];
  out['transfer-encoding'] = 'chunked';
  out['x-backend-obj-multipart-mime-boundary'] = boundary;
  out['x-backend-obj-metadata-footer'] = 'yes';
  return out;
}

/** The end of a MIME body: the footer document (JSON, non-ASCII escaped, with its MD5) and the closing boundary. */
function mimeTail(boundary: string, footers: Headers): Buffer {
  const json = JSON.stringify(footers).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const md5 = createHash('md5').update(json).digest('hex');
  return Buffer.from(`\r\n--${boundary}\r\nX-Document: object metadata\r\nContent-MD5: ${md5}\r\n\r\n${json}\r\n--${boundary}--\r\n`, 'latin1');
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
async function connectAll(ctx: ProxyContext, plan: PutPlan, nodes: Iterable<import('../../ring/index.js').RingNode>, boundary?: string) {
  const source = new NodeSource(nodes);
  const early: NodeAnswer[] = [];
  const one = async (headers: Headers): Promise<PutConnection | undefined> => {
    for (let node = source.next(); node; node = source.next()) {
      const started = ctx.now();
      const path = `/${encodeURIComponent(node.device)}/${plan.partition}${plan.path}`;
      try {
        const r = await ctx.client.putConnect(node, path, boundary ? mimeHeaders(headers, boundary) : headers);
        if (r.kind === 'continue' && boundary && !TRUE.has((r.conn.continueHeaders['x-obj-metadata-footer'] ?? '').toLowerCase())) {
          // Swift's FooterNotSupported: this node would store the MIME framing as the object.
          r.conn.abort();
          throw new Error('object server does not take footers');
        }
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

/** Writes a chunk to every live connection, dropping those that fail; false when none is left. */
async function sendToAll(ctx: ProxyContext, live: Set<PutConnection>, chunk: Buffer): Promise<boolean> {
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
  return live.size > 0;
}

/** `held`: what is not sent yet when the body went one chunk late (the MIME head, then the last chunk). */
type StreamResult = { ok: true; bytes: number; held?: Buffer } | { ok: false; response: SwiftResponse };

/**
 * Sends the client's body to every live connection, with backpressure.
 * With `head` (a MIME body's opening), each chunk goes out once the next
 * has come, the first behind `head`; the last is left in `held`.
 */
async function streamBody(ctx: ProxyContext, body: Readable | undefined, live: Set<PutConnection>, plan: PutPlan, quorum: number, head?: Buffer): Promise<StreamResult> {
  let bytes = 0;
  let held = head;
  if (!body) return { ok: true, bytes, held };
  const it = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await withTimeout(it.next(), ctx.conf.clientTimeout);
    } catch (err) {
      // A stalled client still gets its 408 (then the connection closes);
      // destroying the body here would destroy the socket the answer needs.
      if (err instanceof Timeout) {
        ctx.controllerStat('object', 'client_timeouts');
        return { ok: false, response: closing(makeResponse(408)) };
      }
      ctx.controllerStat('object', 'client_disconnects');
      body.destroy();
      return { ok: false, response: makeResponse(499) };
    }
    if (next.done) break;
    const chunk = next.value;
    bytes += chunk.length;
    if (bytes > plan.maxFileSize || (plan.contentLength !== undefined && bytes > plan.contentLength)) {
      return { ok: false, response: closing(makeResponse(413, 'Your request is too large.', { 'content-type': 'text/plain' })) };
    }
    if (head === undefined) await sendToAll(ctx, live, chunk);
    else if (held === head) held = Buffer.concat([head, chunk]);
    else {
      const out = held!;
      held = chunk;
      await sendToAll(ctx, live, out);
    }
    if (live.size < quorum) return { ok: false, response: closing(makeResponse(503)) };
  }
  if (plan.contentLength !== undefined && bytes < plan.contentLength) {
    // Swift: 'Client disconnected without sending enough data'.
    ctx.controllerStat('object', 'client_disconnects');
    return { ok: false, response: makeResponse(499) };
  }
  return { ok: true, bytes, held };
}

/** Ends each request (with `last`, the body's unsent end), then waits for the final statuses: all of them, or a quorum plus post_quorum_timeout. */
function collect(ctx: ProxyContext, live: Set<PutConnection>, quorum: number, last?: Buffer): Promise<NodeAnswer[]> {
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
      c.end(last);
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
  // Random, so no body holds it (Swift's is 64 random hex digits); a UUID's 122 bits come from a pooled source.
  const boundary = plan.footers ? randomUUID().replace(/-/g, '') : undefined;
  const { conns, early } = await connectAll(ctx, plan, ctx.objectPutNodes(plan.ring, plan.partition, primaries), boundary);
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
  const streamed = await streamBody(ctx, body, live, plan, quorum, boundary === undefined ? undefined : mimeHead(boundary));
  if (!streamed.ok) {
    for (const c of live) c.abort();
    return streamed.response;
  }
  let last: Buffer | undefined;
  if (plan.footers && boundary) {
    const footers: Headers = {};
    const refused = plan.footers(footers);
    if (refused) {
      for (const c of live) c.abort();
      return refused;
    }
    const tail = mimeTail(boundary, footers);
    last = streamed.held ? Buffer.concat([streamed.held, tail]) : tail;
  }
  const answers = await collect(ctx, live, quorum, last);
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
