/**
 * What every request to a storage node shares: the node's address, the
 * two timeouts (conn_timeout, node_timeout), the timeout error, and the
 * response with its headers flattened.
 */
import type http from 'node:http';
import type { Readable } from 'node:stream';

/** A storage node as the client needs it: a ring device has these fields. */
export interface BackendNode {
  ip: string;
  port: number;
  replication_ip?: string;
  replication_port?: number;
}

export type BackendHeaders = Record<string, string>;

export interface BackendResponse {
  status: number;
  headers: BackendHeaders;
  body: Readable;
}

/** An answer read whole (daemons, REPLICATE, SSYNC: small answers only). */
export interface WholeBackendResponse {
  status: number;
  headers: BackendHeaders;
  body: Buffer;
}

export interface BackendTimeouts {
  /** Seconds to open a connection (conn_timeout). */
  connTimeout: number;
  /** Seconds to wait for headers, or between body chunks (node_timeout). */
  nodeTimeout: number;
}

export class BackendTimeoutError extends Error {
  /** `connect`: no connection within conn_timeout; `response`: the request went and no answer came within node_timeout. */
  constructor(what: string, readonly phase: 'connect' | 'response' = 'response') {
    super(`${what} timed out`);
    this.name = 'BackendTimeoutError';
  }
}

/** `http://ip:port` of a node, IPv6 in brackets; its replication address when asked. */
export function nodeOrigin(node: BackendNode, replication = false): string {
  const ip = replication ? node.replication_ip || node.ip : node.ip;
  const port = replication ? node.replication_port || node.port : node.port;
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

/** A node from Swift's `<ip>:<port>` (IPv6 in brackets), as X-Container-Host and X-Account-Host name one. */
export function parseHostPort(host: string): BackendNode {
  const sep = host.lastIndexOf(':');
  return { ip: host.slice(0, sep).replace(/^\[|\]$/g, ''), port: Number(host.slice(sep + 1)) };
}

/** Header names lower-cased, repeated headers joined with ", ". */
export function flatHeaders(h: Record<string, string | string[] | undefined> | http.IncomingHttpHeaders): BackendHeaders {
  const out: BackendHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Reads a response's body whole. */
export async function readWhole(res: BackendResponse): Promise<WholeBackendResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return { status: res.status, headers: res.headers, body: Buffer.concat(chunks) };
}

/** Runs `once`, and once more if it failed on a kept-alive socket the node had closed while idle. */
export async function retryStale<T>(once: () => Promise<T>): Promise<T> {
  try {
    return await once();
  } catch (err) {
    if ((err as { staleSocket?: boolean }).staleSocket) return once();
    throw err;
  }
}

/** Marks a reset on a reused agent socket as stale (see retryStale). */
export function markStale(req: http.ClientRequest, err: NodeJS.ErrnoException & { staleSocket?: boolean }): void {
  if (req.reusedSocket && err.code === 'ECONNRESET') err.staleSocket = true;
}

/**
 * conn_timeout to connect, then `nodeMs` for what comes next; `onTimeout`
 * gets the error. Returns the function that disarms it.
 */
export function armTimeouts(
  req: http.ClientRequest, node: BackendNode, connMs: number, nodeMs: number, waitingFor: string, onTimeout: (err: Error) => void,
): () => void {
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
