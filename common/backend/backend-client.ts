/**
 * HTTP to storage nodes, for the proxy, the daemons and the storage
 * servers' own updates. undici Pools (one per node, keep-alive) carry every
 * `request` but object PUTs, HEADs and replication verbs. PUTs go through
 * node:http because they need `Expect: 100-continue` (undici refuses that
 * header) so the proxy learns a node will take the body before the client's
 * body is read; HEADs because undici closes the connection after each one.
 * REPLICATE and SSYNC go over a connection of their own: the storage edge
 * recognises those verbs only as the first request on a connection (see
 * storage/http/method-shim.ts).
 *
 * undici is imported on first use, not with this module: ~170 ms of CPU at
 * a process start, and a storage server, which imports common for
 * everything else, sends only bodiless updates (`requestWhole`, node:http).
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import {
  armTimeouts, BackendTimeoutError, flatHeaders, markStale, nodeOrigin, retryStale,
  type BackendHeaders, type BackendNode, type BackendResponse, type BackendTimeouts, type WholeBackendResponse,
} from './node-http.js';
import { PutConnection } from './put-connection.js';

/**
 * Makes `req` send its head as latin1, byte for byte. Header strings hold
 * the raw bytes as latin1 code units (how Node reads them: a UTF-8 metadata
 * value's bytes), but a request with `Expect` (and flushHeaders()) has Node
 * send the head through `_send('')` with no encoding, that is as UTF-8, so
 * every byte 0x80-0xff went out as two: X-Object-Meta-Foo: Bär was stored
 * as BÃ¤r. Node's own writes that name an encoding are left as they are.
 */
function headInLatin1(req: http.ClientRequest): void {
  const r = req as http.ClientRequest & { _send(data: unknown, encoding?: unknown, ...rest: unknown[]): boolean };
  const send = r._send;
  r._send = function (data: unknown, encoding?: unknown, ...rest: unknown[]): boolean {
    return send.call(this, data, typeof data === 'string' && encoding === undefined ? 'latin1' : encoding, ...rest);
  };
}

type Undici = typeof import('undici');
let undici: Undici | undefined;
let loadingUndici: Promise<Undici> | undefined;

/** undici, imported once; after that, at hand without a wait. */
async function loadUndici(): Promise<Undici> {
  return undici ?? (undici = await (loadingUndici ??= import('undici')));
}

/** A timeout of undici's as ours (connect or response), other errors as they are. */
function backendError(err: unknown, u: Undici, what: string): unknown {
  const connect = err instanceof u.errors.ConnectTimeoutError;
  if (connect || err instanceof u.errors.HeadersTimeoutError) return new BackendTimeoutError(what, connect ? 'connect' : 'response');
  return err;
}

/** What a request may send: a whole body or a stream. */
export type BackendBody = string | Buffer | Readable;

export type PutConnectResult<N extends BackendNode = BackendNode> =
  | { kind: 'continue'; conn: PutConnection<N> }
  | { kind: 'final'; response: BackendResponse };

export class BackendClient {
  private readonly pools = new Map<string, Pool>();
  // Idle sockets are let go before a Swift node's own 60 s client_timeout.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, timeout: 30_000 });

  constructor(private readonly timeouts: BackendTimeouts) {}

  private pool(u: Undici, node: BackendNode): Pool {
    const origin = nodeOrigin(node);
    let p = this.pools.get(origin);
    if (!p) {
      p = new u.Pool(origin, {
        connect: { timeout: this.timeouts.connTimeout * 1000 },
        keepAliveTimeout: 20_000,
        headersTimeout: this.timeouts.nodeTimeout * 1000,
        bodyTimeout: this.timeouts.nodeTimeout * 1000,
        pipelining: 1,
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  /** One backend request; the body is a stream the caller must consume or destroy. */
  async request(
    node: BackendNode,
    method: string,
    path: string,
    headers: BackendHeaders,
    options: { body?: BackendBody; timeout?: number } = {},
  ): Promise<BackendResponse> {
    const timeoutMs = (options.timeout ?? this.timeouts.nodeTimeout) * 1000;
    if (method === 'HEAD' && options.body === undefined) return this.head(node, path, headers, timeoutMs);
    if (method === 'UPDATE') return this.freshRequest(node, method, path, headers, options.body, timeoutMs);
    const u = undici ?? await loadUndici();
    try {
      const res = await this.pool(u, node).request({
        path,
        method,
        headers,
        body: options.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return { status: res.statusCode, headers: flatHeaders(res.headers), body: res.body };
    } catch (err) {
      throw backendError(err, u, `${method} ${node.ip}:${node.port}${path}`);
    }
  }

  /**
   * A bodiless request whose answer is small (a container or account
   * update), on the kept-alive node:http agent, its answer read whole.
   * `timeout` (seconds, node_timeout by default) bounds the wait from
   * connection to the answer's end.
   */
  requestWhole(node: BackendNode, method: string, path: string, headers: BackendHeaders, options: { timeout?: number } = {}): Promise<WholeBackendResponse> {
    const timeoutMs = (options.timeout ?? this.timeouts.nodeTimeout) * 1000;
    return this.agentRequest(node, method, path, headers, timeoutMs, true).then(({ res, body }) => ({ status: res.status, headers: res.headers, body }));
  }

  /**
   * A HEAD on the kept-alive node:http agent: undici closes the connection
   * after every HEAD (its answer to servers that send a body anyway), so
   * each object HEAD cost a new TCP connection to the node (the bench's 4 KiB
   * HEAD used twice the cluster CPU of a GET, and left a TIME_WAIT per request).
   */
  private head(node: BackendNode, path: string, headers: BackendHeaders, timeoutMs: number): Promise<BackendResponse> {
    return this.agentRequest(node, 'HEAD', path, headers, timeoutMs, false).then(({ res }) => res);
  }

  /**
   * A bodiless request on the kept-alive agent, resolved once its answer has
   * ended (so that a caller destroying `res.body` finds it ended and the
   * socket goes back to the agent instead of being torn down with it);
   * `keep` collects the answer's bytes, else they are dropped.
   */
  private agentRequest(
    node: BackendNode, method: string, path: string, headers: BackendHeaders, timeoutMs: number, keep: boolean,
  ): Promise<{ res: BackendResponse; body: Buffer }> {
    return retryStale(() => new Promise((resolve, reject) => {
      const req = http.request({ host: node.ip, port: node.port, method, path, headers, agent: this.agent });
      const disarm = armTimeouts(req, node, this.timeouts.connTimeout * 1000, timeoutMs, `${method} ${path}`, (err) => {
        req.destroy();
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        if (keep) res.on('data', (chunk: Buffer) => chunks.push(chunk));
        else res.resume();
        res.once('error', (err) => {
          disarm();
          reject(err);
        });
        res.once('end', () => {
          disarm();
          resolve({ res: { status: res.statusCode ?? 500, headers: flatHeaders(res.headers), body: res as Readable }, body: Buffer.concat(chunks) });
        });
      });
      req.on('error', (err) => {
        markStale(req, err);
        disarm();
        reject(err);
      });
      req.end();
    }));
  }

  /**
   * Starts an object PUT with `Expect: 100-continue`: resolves `continue` when
   * the node asks for the body, `final` when it answers at once (e.g. 507,
   * 409, 412), rejects on a connection error or timeout.
   */
  putConnect<N extends BackendNode>(node: N, path: string, headers: BackendHeaders): Promise<PutConnectResult<N>> {
    return retryStale(() => this.putConnectOnce(node, path, headers));
  }

  private putConnectOnce<N extends BackendNode>(node: N, path: string, headers: BackendHeaders): Promise<PutConnectResult<N>> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: node.ip,
        port: node.port,
        method: 'PUT',
        path,
        headers,
        agent: this.agent,
      });
      // Expect only once the head is latin1 (given to the constructor, Node queues the head at once).
      headInLatin1(req);
      req.setHeader('expect', '100-continue');
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        disarm();
        fn();
      };
      // conn_timeout to connect, then node_timeout for the 100 Continue.
      const disarm = armTimeouts(req, node, this.timeouts.connTimeout * 1000, this.timeouts.nodeTimeout * 1000, '100-continue', (err) => {
        settle(() => reject(err));
        req.destroy();
      });
      let resolveResponse!: (r: BackendResponse) => void;
      let rejectResponse!: (e: Error) => void;
      const response = new Promise<BackendResponse>((res, rej) => {
        resolveResponse = res;
        rejectResponse = rej;
      });
      // Nobody may ever await it (a node that never said 100 Continue).
      response.catch(() => undefined);
      req.on('response', (res) => {
        const r = { status: res.statusCode ?? 500, headers: flatHeaders(res.headers), body: res as Readable };
        resolveResponse(r);
        settle(() => {
          resolve({ kind: 'final', response: r });
        });
      });
      req.on('error', (err) => {
        markStale(req, err);
        rejectResponse(err);
        settle(() => reject(err));
      });
      // 'information' rather than 'continue': it carries the 100's headers
      // (an object server says there whether it takes footers).
      req.on('information', (info) => {
        if (info.statusCode !== 100) return;
        const conn = new PutConnection(node, req, response, flatHeaders(info.headers));
        settle(() => resolve({ kind: 'continue', conn }));
      });
      req.flushHeaders();
    });
  }

  /**
   * A backend-only verb (a container `UPDATE`) on a connection of its own:
   * Node's parser knows no such method, so the storage server's shim
   * rewrites it in a connection's first bytes only (storage/http/method-shim.ts).
   * The answer is small and read whole before the connection closes.
   */
  private async freshRequest(node: BackendNode, method: string, path: string, headers: BackendHeaders, body: BackendBody | undefined, timeoutMs: number): Promise<BackendResponse> {
    const u = undici ?? await loadUndici();
    const client = new u.Client(nodeOrigin(node), { connect: { timeout: this.timeouts.connTimeout * 1000 }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    try {
      const res = await client.request({ method: method as Dispatcher.HttpMethod, path, headers, body });
      const whole = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: flatHeaders(res.headers), body: Readable.from([whole]) };
    } catch (err) {
      throw backendError(err, u, `${method} ${node.ip}:${node.port}${path}`);
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  /**
   * A REPLICATE or SSYNC on a fresh connection to the node's replication
   * address, closed once the answer is read whole. `timeout` (seconds,
   * node_timeout by default) bounds the wait for headers and between chunks.
   */
  async replicationRequest(
    node: BackendNode, method: 'REPLICATE' | 'SSYNC', path: string, headers: BackendHeaders,
    options: { body?: BackendBody; timeout?: number } = {},
  ): Promise<WholeBackendResponse> {
    const timeoutMs = (options.timeout ?? this.timeouts.nodeTimeout) * 1000;
    const u = undici ?? await loadUndici();
    const client = new u.Client(nodeOrigin(node, true), {
      connect: { timeout: this.timeouts.connTimeout * 1000 },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    try {
      const res = await client.request({ method: method as Dispatcher.HttpMethod, path, headers, body: options.body });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: flatHeaders(res.headers), body };
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.agent.destroy();
  }
}
