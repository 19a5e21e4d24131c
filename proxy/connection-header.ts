/**
 * The Connection header as eventlet writes it for Swift: `keep-alive` only
 * echoing a client that sent `Connection: keep-alive`, `close` when the
 * connection closes after the answer, and otherwise none (an HTTP/1.1
 * connection persists without it). Node would add `Connection: keep-alive`
 * and `Keep-Alive: timeout=…` to every answer on a persistent connection.
 */
import type { ServerResponse } from 'node:http';

/** Node's fields: `_last` marks the answer after which the socket is ended (undocumented, long-standing). */
type NodeResponse = ServerResponse & { _last?: boolean; _expect_continue?: boolean; _sent100?: boolean };
type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * Makes `res` write its Connection header as eventlet does. Decided when
 * Node writes the head, not before: a client that sent its whole request
 * and shut its side in the meantime has had its answer marked the last,
 * and Node, writing a head whose Connection header was removed, would take
 * that mark back (it sets `_last = !shouldKeepAlive`), leaving the socket
 * open after the answer (e498e78, reverted in 42426f7). Such an answer says
 * `Connection: close` and ends its socket, as an answer Node closes after
 * for any other reason does.
 */
export function connectionAsEventlet(res: ServerResponse): void {
  const out = res as NodeResponse;
  const target = out as unknown as { writeHead: WriteHead };
  const writeHead = target.writeHead;
  target.writeHead = function writeHeadAsEventlet(this: ServerResponse, ...args: unknown[]): ServerResponse {
    target.writeHead = writeHead;
    // A final answer to an `Expect: 100-continue` request that was never told
    // to continue: the client may or may not send its body now, so the
    // connection can't carry another request (eventlet closes it too). Node's
    // writeHead would decide so itself, but only after the Connection header
    // was removed below, which keeps the socket open: the next request's
    // bytes were read as the unsent body, and that request got a bare 400.
    if (out._last || (out._expect_continue && !out._sent100)) out.shouldKeepAlive = false;
    if (out.shouldKeepAlive && !out.hasHeader('connection')) {
      const asked = String(out.req?.headers.connection ?? '').trim().toLowerCase() === 'keep-alive';
      // A removed Connection header still leaves an HTTP/1.1 connection open (Node's _removedConnection).
      if (asked) out.setHeader('Connection', 'keep-alive');
      else out.removeHeader('Connection');
    }
    return writeHead.apply(this, args);
  };
}
