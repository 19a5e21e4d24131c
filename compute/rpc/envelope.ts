/**
 * The RPC message on the wire (both transports): JSON
 * `{ "v": 1, "version": "1.3", "method": "...", "args": {...},
 *    "request_id": "req-<uuid>", "context": {...} }`
 * and its reply `{ "ok": true, "result": ... }` or
 * `{ "ok": false, "error": { "name", "message", "status" } }`.
 */
import { randomUUID } from 'node:crypto';

/** Who asked, carried with every message (Nova's RequestContext, reduced). */
export interface RequestContext {
  requestId: string;
  projectId?: string;
  userId?: string;
  isAdmin?: boolean;
}

export interface RpcRequest {
  v: 1;
  version: string;
  method: string;
  args: Record<string, unknown>;
  request_id: string;
  context: Omit<RequestContext, 'requestId'>;
}

export type RpcReply =
  | { ok: true; result: unknown }
  | { ok: false; error: { name: string; message: string; status: number } };

/** Nova's request id shape. */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

const REQUEST_ID = /^req-[0-9a-f-]{36}$/;
const VERSION = /^(\d+)\.(\d+)$/;

/** Parse and check a request; returns a reason string when it is malformed. */
export function decodeRequest(body: Buffer): RpcRequest | string {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'body is not a JSON object';
  const m = raw as Record<string, unknown>;
  if (m.v !== 1) return `unknown envelope ${JSON.stringify(m.v)}`;
  if (typeof m.method !== 'string' || m.method === '') return 'no method';
  if (typeof m.version !== 'string' || !VERSION.test(m.version)) return 'no version';
  if (typeof m.request_id !== 'string' || !REQUEST_ID.test(m.request_id)) return 'no request id';
  if (typeof m.args !== 'object' || m.args === null || Array.isArray(m.args)) return 'args is not an object';
  const context = typeof m.context === 'object' && m.context !== null ? (m.context as RpcRequest['context']) : {};
  return { v: 1, version: m.version, method: m.method, args: m.args as Record<string, unknown>, request_id: m.request_id, context };
}

/**
 * oslo.messaging's rule: a server at `have` serves a message at `want` when
 * the majors match and the server's minor is at least the message's.
 */
export function versionCompatible(have: string, want: string): boolean {
  const h = VERSION.exec(have);
  const w = VERSION.exec(want);
  if (!h || !w) return false;
  return h[1] === w[1] && Number(h[2]) >= Number(w[2]);
}
