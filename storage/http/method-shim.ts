/**
 * Node's HTTP parser knows a fixed list of methods and answers 400 to
 * Swift's backend verbs REPLICATE, SSYNC and UPDATE. Swift's peers open one
 * connection per backend request, so the verb always opens a connection:
 * we look at the first bytes of each new connection and, for those verbs,
 * rewrite the request line to a method Node knows (same length not needed:
 * the bytes go to the parser as if the client had sent them) and add an
 * `X-Backend-Method` header carrying the real verb.
 *
 * Our own clients must likewise send these verbs on a fresh connection
 * (e.g. undici with `reset: true`), which is what Swift does anyway.
 */
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

export const SHIMMED_METHODS = ['REPLICATE', 'SSYNC', 'UPDATE'] as const;
export type ShimmedMethod = (typeof SHIMMED_METHODS)[number];
/** Header the shim adds; a backend handler reads the verb from it. */
export const BACKEND_METHOD_HEADER = 'x-backend-method';
/** The method Node sees for a shimmed verb. */
const CARRIER_METHOD = 'PROPPATCH';
const LONGEST = Math.max(...SHIMMED_METHODS.map((m) => m.length)) + 1;

/**
 * The bytes to hand to Node's parser, rewritten when they open with a
 * shimmed verb; undefined while too few bytes have come to tell.
 */
function rewrite(head: Buffer): Buffer | undefined {
  const text = head.toString('latin1', 0, Math.min(head.length, LONGEST));
  for (const verb of SHIMMED_METHODS) {
    const token = `${verb} `;
    if (text.length < token.length && token.startsWith(text)) return undefined;
    if (!text.startsWith(token)) continue;
    const eol = head.indexOf('\r\n');
    if (eol === -1) return undefined;
    return Buffer.concat([
      Buffer.from(CARRIER_METHOD, 'latin1'),
      head.subarray(verb.length, eol + 2),
      Buffer.from(`X-Backend-Method: ${verb}\r\n`, 'latin1'),
      head.subarray(eol + 2),
    ]);
  }
  return head;
}

/** Hands `socket` to `server` after rewriting a shimmed verb in its first request. */
function adopt(server: HttpServer, socket: Socket): void {
  let buffered: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const out = rewrite(buffered);
    if (out === undefined) {
      if (buffered.length > 16384) socket.destroy();
      return; // request line not complete yet
    }
    buffered = out;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    socket.unshift(buffered);
    server.emit('connection', socket);
    socket.resume();
  };
  const onEnd = (): void => {
    socket.destroy();
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', () => {
    socket.destroy();
  });
}

/**
 * A net.Server that feeds connections to `httpServer` through the shim.
 * Listen on the returned server; `httpServer` itself never listens.
 */
export function createShimmedListener(httpServer: HttpServer): NetServer {
  return createNetServer({ pauseOnConnect: false, noDelay: true }, (socket) => adopt(httpServer, socket));
}
