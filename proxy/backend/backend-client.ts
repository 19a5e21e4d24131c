/**
 * HTTP to storage nodes. undici Pools (one per node, keep-alive) carry every
 * request but object PUTs and HEADs; PUTs go through node:http because they
 * need `Expect: 100-continue` (undici refuses that header) so the proxy
 * learns a node will take the body before the client's body is read, HEADs
 * because undici closes the connection after each one.
 */
import http from 'node:http';
import type { Readable } from 'node:stream';
import { Pool, errors as undiciErrors } from 'undici';
import type { RingNode } from '../../ring/index.js';
import type { Headers } from '../types.js';

export interface BackendResponse {
  status: number;
  headers: Headers;
  body: Readable;
}

export interface BackendTimeouts {
  /** Seconds to open a connection (conn_timeout). */
  connTimeout: number;
  /** Seconds to wait for headers, or between body chunks (node_timeout). */
  nodeTimeout: number;
}

export class BackendTimeoutError extends Error {
  constructor(what: string) {
    super(`${what} timed out`);
    this.name = 'BackendTimeoutError';
  }
}

function flatHeaders(h: Record<string, string | string[] | undefined> | http.IncomingHttpHeaders): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Runs `once`, and once more if it failed on a kept-alive socket the node had closed while idle. */
async function retryStale<T>(once: () => Promise<T>): Promise<T> {
  try {
    return await once();
  } catch (err) {
    if ((err as { staleSocket?: boolean }).staleSocket) return once();
    throw err;
  }
}

/** Marks a reset on a reused agent socket as stale (see retryStale). */
function markStale(req: http.ClientRequest, err: NodeJS.ErrnoException & { staleSocket?: boolean }): void {
  if (req.reusedSocket && err.code === 'ECONNRESET') err.staleSocket = true;
}

/**
 * conn_timeout to connect, then `nodeMs` for what comes next; `onTimeout`
 * gets the error. Returns the function that disarms it.
 */
function armTimeouts(req: http.ClientRequest, node: RingNode, connMs: number, nodeMs: number, waitingFor: string, onTimeout: (err: Error) => void): () => void {
  let timer = setTimeout(() => onTimeout(new BackendTimeoutError(`connect to ${node.ip}:${node.port}`)), connMs);
  req.on('socket', (socket) => {
    const armNodeTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => onTimeout(new BackendTimeoutError(`${waitingFor} from ${node.ip}:${node.port}`)), nodeMs);
    };
    if ((socket as import('node:net').Socket).connecting) socket.once('connect', armNodeTimer);
    else armNodeTimer();
  });
  return () => clearTimeout(timer);
}

/**
 * What a node's PUT connection may hold unsent before the client's body
 * waits for it: Swift's put_queue_depth (10) chunks of 64 KiB. Without it
 * every chunk waited for the slowest node's socket to drain (Node's 16 KiB
 * high-water mark), so the nodes took turns instead of writing together.
 */
const PUT_QUEUE_BYTES = 10 * 65536;

/** A PUT whose headers a node has accepted with `100 Continue`. */
export class PutConnection {
  failed?: Error;
  readonly response: Promise<BackendResponse>;

  constructor(
    readonly node: RingNode,
    private readonly req: http.ClientRequest,
    response: Promise<BackendResponse>,
  ) {
    this.response = response;
    response.catch(() => undefined);
    req.on('error', (err) => (this.failed ??= err));
  }

  /**
   * Writes a chunk; resolves at once while the node has at most
   * PUT_QUEUE_BYTES waiting, else once it has taken them all (or rejects
   * after `timeoutMs`).
   */
  write(chunk: Buffer, timeoutMs: number): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.req.write(chunk) || this.req.writableLength <= PUT_QUEUE_BYTES) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new BackendTimeoutError(`write to ${this.node.ip}:${this.node.port}`));
      }, timeoutMs);
      const onDrain = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.req.off('drain', onDrain);
        this.req.off('error', onError);
      };
      this.req.on('drain', onDrain);
      this.req.on('error', onError);
    });
  }

  end(): void {
    if (!this.failed) this.req.end();
  }

  abort(): void {
    this.failed ??= new Error('aborted');
    this.req.destroy();
  }
}

export type PutConnectResult =
  | { kind: 'continue'; conn: PutConnection }
  | { kind: 'final'; response: BackendResponse };

export class BackendClient {
  private readonly pools = new Map<string, Pool>();
  // Idle sockets are let go before a Swift node's own 60 s client_timeout.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, timeout: 30_000 });

  constructor(private readonly timeouts: BackendTimeouts) {}

  private pool(node: RingNode): Pool {
    const origin = `http://${node.ip.includes(':') ? `[${node.ip}]` : node.ip}:${node.port}`;
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, {
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
    node: RingNode,
    method: string,
    path: string,
    headers: Headers,
    options: { body?: string | Buffer; timeout?: number } = {},
  ): Promise<BackendResponse> {
    const timeoutMs = (options.timeout ?? this.timeouts.nodeTimeout) * 1000;
    if (method === 'HEAD' && options.body === undefined) return this.head(node, path, headers, timeoutMs);
    try {
      const res = await this.pool(node).request({
        path,
        method,
        headers,
        body: options.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return { status: res.statusCode, headers: flatHeaders(res.headers), body: res.body };
    } catch (err) {
      if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
        throw new BackendTimeoutError(`${method} ${node.ip}:${node.port}${path}`);
      }
      throw err;
    }
  }

  /**
   * A HEAD on the kept-alive node:http agent: undici closes the connection
   * after every HEAD (its answer to servers that send a body anyway), so
   * each object HEAD cost a new TCP connection to the node (the bench's 4 KiB
   * HEAD used twice the cluster CPU of a GET, and left a TIME_WAIT per request).
   */
  private head(node: RingNode, path: string, headers: Headers, timeoutMs: number): Promise<BackendResponse> {
    return retryStale(() => new Promise((resolve, reject) => {
      const req = http.request({ host: node.ip, port: node.port, method: 'HEAD', path, headers, agent: this.agent });
      const disarm = armTimeouts(req, node, this.timeouts.connTimeout * 1000, timeoutMs, `HEAD ${path}`, (err) => {
        req.destroy();
        reject(err);
      });
      req.on('response', (res) => {
        // A HEAD answer has no body: read it to its end first, so that a
        // caller destroying the body (dropBody) finds it ended and the
        // socket goes back to the agent instead of being torn down with it.
        res.resume();
        res.once('end', () => {
          disarm();
          resolve({ status: res.statusCode ?? 500, headers: flatHeaders(res.headers), body: res as Readable });
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
  putConnect(node: RingNode, path: string, headers: Headers): Promise<PutConnectResult> {
    return retryStale(() => this.putConnectOnce(node, path, headers));
  }

  private putConnectOnce(node: RingNode, path: string, headers: Headers): Promise<PutConnectResult> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: node.ip,
        port: node.port,
        method: 'PUT',
        path,
        headers: { ...headers, expect: '100-continue' },
        agent: this.agent,
      });
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
      req.on('continue', () => settle(() => resolve({ kind: 'continue', conn: new PutConnection(node, req, response) })));
      req.flushHeaders();
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.agent.destroy();
  }
}
