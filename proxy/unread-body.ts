/**
 * A request answered before its body was read through: an early 401 or
 * 413, a DeleteObjects body past its limit. eventlet reads the rest for
 * Swift and drops it, however long it is, to keep the connection. Node
 * drops it too, but only for a body nobody began to read; one the pipeline
 * began and gave up on stays unread, so a client that sends its whole body
 * before reading the answer (Python's http.client, boto) waits forever on a
 * full socket. Closing the connection at once is no better: the kernel
 * resets a connection closed with bytes unread, and the client, still
 * sending, loses the answer with it.
 *
 * So such an answer says `Connection: close`, and once it is written the
 * rest of the body is read and dropped as it comes (nginx's lingering
 * close): the socket closes when the body has all come, when the client
 * closes, after LINGER_IDLE_MS with nothing coming, or after LINGER_MAX_MS
 * in all. Memory stays flat, and no request sent after the body is served
 * (`isLingering`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long a lingering close waits for more of the body (nginx's lingering_timeout). */
export const LINGER_IDLE_MS = 5_000;
/** The longest a lingering close reads a body nobody wants (nginx's lingering_time). */
export const LINGER_MAX_MS = 30_000;

const lingering = new WeakSet<Socket>();

/** True when the socket is closing after an early answer: a request parsed from it is not served. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/**
 * Call before the answer's head is written, with the request's socket as
 * it came (a reader that destroyed the request unhooked it: Node's stream
 * destroyer does so for a server's request). When the body has not all
 * come, the answer closes the connection, and the rest of the body is
 * read and dropped after it; `forgoContinue` first makes sure no
 * `100 Continue` goes out for a body read only to be dropped.
 */
export function closeAfterUnreadBody(req: IncomingMessage, socket: Socket, res: ServerResponse, forgoContinue: () => void): void {
  if (req.complete) return;
  res.shouldKeepAlive = false;
  const own = socket as unknown as { destroySoon?: () => void };
  // Node's server closes the socket of a connection's last answer with
  // destroySoon (end, then destroy once written: a reset under a client
  // still sending). A body that came in full meanwhile (a bulk upload
  // answered as it is read) needs nothing more.
  own.destroySoon = () => {
    delete own.destroySoon;
    if (req.complete) socket.destroySoon();
    else linger(req, socket, forgoContinue);
  };
}

function linger(req: IncomingMessage, socket: Socket, forgoContinue: () => void): void {
  lingering.add(socket);
  socket.end();
  const close = (): void => {
    socket.destroy();
  };
  const deadline = setTimeout(close, LINGER_MAX_MS);
  socket.once('close', () => clearTimeout(deadline));
  socket.setTimeout(LINGER_IDLE_MS, close);
  // The whole body came: the client, which may read only now, has the answer and our FIN.
  req.once('end', close);
  req.once('error', close);
  forgoContinue();
  // Whoever read the body has gone (a pipe to a destroyed stream leaves it
  // paused). Node's parser drops the body of a request marked dumped before
  // it reaches the stream, destroyed or not; what is buffered goes as the
  // stream flows. The socket may have been stopped by a full (or
  // destroyed) stream, which no longer has it to start again.
  req.unpipe();
  (req as IncomingMessage & { _dumped?: boolean })._dumped = true;
  req.removeAllListeners('data');
  req.resume();
  socket.resume();
}
