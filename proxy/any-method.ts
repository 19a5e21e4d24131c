/**
 * Every request method gets an HTTP answer, as under eventlet, where Swift's
 * pipeline sees any method token (and its proxy answers 405 with an Allow
 * header to one it doesn't serve). Two kinds of request never reach Node's
 * 'request' event:
 *  - CONNECT: Node hands the socket to a 'connect' listener, or drops the
 *    connection when there is none;
 *  - a method Node's parser doesn't know (`FOO`, a lowercase `get`): a
 *    parse error, 'clientError', which fastify answers with a JSON 400.
 * Both are turned back into an ordinary request (line and headers; a body
 * is never read) and a ServerResponse on their socket, answered by the
 * pipeline, and the connection is closed after the answer.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const REQUEST_LINE = /^(\S+) (\S+) HTTP\/(\d)\.(\d)$/;

/**
 * The request whose method Node's parser refused, read back from the bytes
 * it was parsing (`rawPacket`, `bytesParsed` of the parse error). The
 * request starts at the line holding the error; headers past the packet
 * (a header block split over packets) are not seen. Undefined when the
 * bytes hold no request line.
 */
export function refusedRequest(rawPacket: Buffer, errorAt: number, socket: Socket): IncomingMessage | undefined {
  const lineStart = errorAt > 0 ? rawPacket.lastIndexOf('\n', errorAt - 1) + 1 : 0;
  const headEnd = rawPacket.indexOf('\r\n\r\n', lineStart);
  const head = rawPacket.toString('latin1', lineStart, headEnd === -1 ? rawPacket.length : headEnd);
  const [line, ...fields] = head.split('\r\n');
  const m = REQUEST_LINE.exec(line);
  if (!m) return undefined;
  const req = new IncomingMessage(socket);
  req.method = m[1];
  req.url = m[2];
  req.httpVersionMajor = Number(m[3]);
  req.httpVersionMinor = Number(m[4]);
  req.httpVersion = `${m[3]}.${m[4]}`;
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon <= 0) continue;
    const name = field.slice(0, colon).trim();
    const value = field.slice(colon + 1).trim();
    req.rawHeaders.push(name, value);
    const key = name.toLowerCase();
    req.headers[key] = req.headers[key] === undefined ? value : `${String(req.headers[key])}, ${value}`;
  }
  req.push(null);
  return withoutBody(req);
}

/** The request as one without a body: its body (if any) is never read, and the connection closes after the answer. */
export function withoutBody(req: IncomingMessage): IncomingMessage {
  delete req.headers['content-length'];
  delete req.headers['transfer-encoding'];
  return req;
}

/**
 * A response written to `socket` once the answer Node is still writing
 * there (a request pipelined before this one) is done; the socket is closed
 * once it is sent. Written before then, it waits in the response.
 */
export function closingResponse(req: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.end();
  });
  // Node's field for the response that holds the socket (undocumented, long-standing).
  const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!current) {
    res.assignSocket(socket);
    return res;
  }
  let assigned = false;
  const assign = (): void => {
    if (assigned) return;
    assigned = true;
    if (socket.destroyed) res.destroy();
    else res.assignSocket(socket);
  };
  // After Node's own 'finish' listener, which detaches its response.
  current.once('finish', () => setImmediate(assign));
  current.once('close', () => setImmediate(assign));
  return res;
}
