/**
 * The HTTP edge: fastify passing bodies through as raw streams. The request
 * body is never parsed (a catch-all content-type parser that reads nothing);
 * `100 Continue` is sent only when the pipeline first reads the body, as
 * eventlet does for Swift; the response is written on the raw socket so a
 * body stream keeps its backpressure and a failure mid-body cuts the
 * connection rather than ending it cleanly.
 */
import { METHODS, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { acceptAnyContentType, lazySchemaCompilers, pipeBody, type HttpMetrics, type Logger } from '../common/index.js';
import type { App, SwiftRequest, SwiftResponse } from './types.js';
import { dropBody, lowerHeaders, makeResponse, reasonFor } from './response.js';
import { generateTransId } from './trans-id.js';
import { closingResponse, refusedRequest, withoutBody } from './any-method.js';
import { connectionAsEventlet } from './connection-header.js';
import { requoteRequestTarget, type ParseError } from './raw-request-line.js';
import { encodeHeaderNames, hasNonTokenNames, isTokenName, trackMessageBoundaries } from './raw-header-names.js';
import { setAnyHeader } from './any-header.js';
import { closeAfterUnreadBody, isLingering } from './unread-body.js';

const CONTINUE = Symbol('swiftly.continue');

type ContinuableRequest = IncomingMessage & { [CONTINUE]?: () => void };

export interface EdgeOptions {
  host?: string;
  port?: number;
  logger: Logger;
  /** Extra bytes after the trans id (Swift's trans_id_suffix). */
  transIdSuffix?: string;
  /** Counts each request (method, status, latency, bytes) once its response closes. */
  metrics?: HttpMetrics;
}

export interface Edge {
  readonly port: number;
  readonly server: FastifyInstance;
  close(): Promise<void>;
}

/** Title-cases a header name as Swift's swob writes it (`x-trans-id` → `X-Trans-Id`). */
export function titleCase(name: string): string {
  let out = titled.get(name);
  if (out === undefined) {
    out = name.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
    // Header names repeat (a few dozen in practice); user metadata names are bounded here.
    if (titled.size < 2048) titled.set(name, out);
  }
  return out;
}

/** titleCase's answers so far: every response writes the same few names. */
const titled = new Map<string, string>();

/** Wraps the raw request so the first read sends the interim 100 Continue. */
function bodyOf(raw: ContinuableRequest): Readable | undefined {
  const chunked = (raw.headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
  const length = raw.headers['content-length'];
  if (!chunked && (length === undefined || length === '0')) {
    // No body: still let the client's Expect be answered on the final response.
    return undefined;
  }
  if (raw[CONTINUE]) {
    const origRead = raw.read.bind(raw);
    raw.read = (n?: number) => {
      raw.read = origRead;
      // Gone when the answer came first (unread-body.ts drops the body).
      const sendContinue = raw[CONTINUE];
      raw[CONTINUE] = undefined;
      sendContinue?.();
      return origRead(n);
    };
  }
  return raw;
}

export function toSwiftRequest(raw: IncomingMessage, transId: string): SwiftRequest {
  const url = raw.url ?? '/';
  const q = url.indexOf('?');
  const req: SwiftRequest = {
    // As sent: Swift's methods are case-sensitive (a lowercase `get` is a 405).
    method: raw.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers: lowerHeaders(raw.headers),
    body: bodyOf(raw as ContinuableRequest),
    remoteAddr: raw.socket.remoteAddress ?? '',
    env: { transId },
  };
  if (hasNonTokenNames(raw)) setAsideNonTokenNames(req);
  return req;
}

/**
 * Headers whose names are no tokens (raw-header-names.ts) go to
 * `env.nonTokenHeaders`: s3api signs them, nothing sends them on (Node's
 * HTTP client, and a storage node, refuse such names).
 */
function setAsideNonTokenNames(req: SwiftRequest): void {
  const aside: Record<string, string> = {};
  for (const name of Object.keys(req.headers)) {
    if (isTokenName(name)) continue;
    aside[name] = req.headers[name];
    delete req.headers[name];
  }
  req.env.nonTokenHeaders = aside;
}

/** Writes a SwiftResponse to the socket, streaming its body. */
export async function writeResponse(method: string, resp: SwiftResponse, res: ServerResponse): Promise<void> {
  res.statusCode = resp.status;
  // Swift's reason phrases (e.g. 413 "Request Entity Too Large"), not Node's.
  const reason = reasonFor(resp.status);
  if (reason !== 'Unknown') res.statusMessage = reason;
  for (const [k, v] of Object.entries(resp.headers)) {
    if (v === undefined) continue;
    if (k === 'connection') {
      // Only "close" is ours to ask for; Node manages keep-alive itself (connection-header.ts writes it).
      if (v.toLowerCase() === 'close') res.shouldKeepAlive = false;
      continue;
    }
    setAnyHeader(res, resp.lowerCaseHeaders ? k : titleCase(k), v);
  }
  connectionAsEventlet(res);
  const body = resp.body;
  if (method === 'HEAD' && resp.status >= 400 && (typeof body === 'string' || Buffer.isBuffer(body))) {
    // An error page made here has no body to describe on a HEAD (as swob).
    res.setHeader('Content-Length', '0');
  }
  if (method === 'HEAD' || resp.status === 204 || resp.status === 304) {
    if (body instanceof Readable) dropBody(body);
    res.end();
    return;
  }
  if (body === undefined) {
    res.end();
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    // A Buffer: with a string body Node writes the head in the body's
    // encoding (UTF-8), and a header's raw bytes 0x80-0xff would be doubled.
    res.end(typeof body === 'string' ? Buffer.from(body) : body);
  } else {
    await pipeBody(body, res);
  }
}

/** Starts the edge serving `app`. */
/** Node's answer to a request its parser cannot take (what Node does with no clientError listener). */
/**
 * A connection whose next bytes are not HTTP (a PUT's body sent without a
 * Content-Length, say) gets its 400 and is closed, but only once the
 * request read before them is answered: eventlet answers each request
 * before reading the next, so the client sees Swift's 411 first (the 400
 * was written at once, ahead of that answer).
 */
function refuseRequest(err: ParseError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  const refuse = (): void => {
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  };
  // Node's field for the response that holds the socket (undocumented, long-standing).
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!inFlight || inFlight.writableFinished || inFlight.destroyed) return refuse();
  // The client closed mid-body (HPE_INVALID_EOF_STATE): a request still
  // reading its body can never complete, so an answer that needs the body
  // would never come: refuse now and drop the connection, which aborts it.
  // Other parse errors wait for the answer in flight (a 501 for a
  // Transfer-Encoding Swift refuses comes before the 400 for its body).
  if (err.code === 'HPE_INVALID_EOF_STATE' && !(inFlight as ServerResponse & { req?: IncomingMessage }).req?.complete) {
    if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    socket.destroy();
    return;
  }
  inFlight.once('finish', refuse);
  inFlight.once('close', () => {
    if (!inFlight.writableFinished) socket.destroy();
  });
}

export async function startEdge(app: App, options: EdgeOptions): Promise<Edge> {
  /** `closes`: the answer closes its socket itself (closingResponse: a refused request's, a CONNECT's). */
  let handle: (request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }, closes?: boolean) => Promise<void>;
  // Sockets whose refused request is being answered: the parser keeps
  // erroring on their later bytes, which are dropped.
  const answering = new WeakSet<Socket>();
  const server = Fastify({
    schemaController: lazySchemaCompilers(),
    // A path fastify can't decode (bad UTF-8, say) is still Swift's to answer.
    frameworkErrors: (_err, request, reply) => void handle(request, reply),
    // A method Node's parser doesn't know is still the pipeline's to answer (any-method.ts).
    clientErrorHandler: function onClientError(error: Error, socket: Socket, fedAgain = false): void {
      const err = error as ParseError;
      if (answering.has(socket)) return;
      // Raw non-ASCII bytes in the path are Swift's to answer (raw-request-line.ts).
      const requoted = requoteRequestTarget(err, socket, server.server);
      if (requoted === true) return;
      if (requoted) return onClientError(requoted, socket, true);
      // So are header names with separators, as eventlet takes them (raw-header-names.ts).
      const encoded = encodeHeaderNames(err, socket, server.server, fedAgain);
      if (encoded === true) return;
      if (encoded) return onClientError(encoded, socket, true);
      const req = err.code === 'HPE_INVALID_METHOD' && err.rawPacket ? refusedRequest(err.rawPacket, err.bytesParsed ?? 0, socket) : undefined;
      if (!req) return refuseRequest(err, socket);
      answering.add(socket);
      void handle({ raw: req }, { hijack: () => {}, raw: closingResponse(req, socket) }, true);
    },
    logger: false,
    bodyLimit: Number.MAX_SAFE_INTEGER,
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 65536 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: 60_000,
    requestTimeout: 0,
  });
  // Every method Node's parser takes reaches the pipeline (fastify's router
  // would answer the ones it doesn't route, PROPFIND say, with its own 404).
  for (const m of METHODS) {
    if (m === 'CONNECT' || server.supportedMethods.includes(m)) continue;
    server.addHttpMethod(m, { hasBody: true });
  }
  // A client that sends its whole request and then shuts its side (wrk at
  // the end of a run, a script piping into nc) still gets the request
  // carried out and answered, as under eventlet: Node would otherwise
  // destroy the request on the FIN, discarding a body already received.
  // A body cut short still fails (the parser errors at the early EOF).
  // (An undocumented but long-standing field of Node's http.Server.)
  (server.server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true;
  trackMessageBoundaries(server.server);
  // No body parsing at all: fastify's own JSON and text parsers would read
  // a body the pipeline must stream.
  acceptAnyContentType(server);
  // Handle `Expect: 100-continue` ourselves: answer it only when the body is read.
  server.server.on('checkContinue', (req: ContinuableRequest, res: ServerResponse) => {
    req[CONTINUE] = () => res.writeContinue();
    server.server.emit('request', req, res);
  });
  // CONNECT: Node hands over the socket (or drops it unheard); the pipeline answers.
  server.server.on('connect', (req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    void handle({ raw: withoutBody(req) }, { hijack: () => {}, raw: closingResponse(req, socket) }, true);
  });
  handle = async (request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }, closes = false) => {
    reply.hijack();
    const raw = request.raw;
    // Sent behind a body dropped after an early answer that said Connection: close.
    const socket = raw.socket;
    if (isLingering(socket)) {
      socket.destroy();
      return;
    }
    options.metrics?.observe(request.raw, reply.raw);
    const transId = generateTransId(Date.now(), options.transIdSuffix ?? '');
    let resp: SwiftResponse;
    try {
      resp = await app(toSwiftRequest(raw, transId));
    } catch (err) {
      options.logger.error({ err, txn: transId }, 'unhandled error in pipeline');
      resp = makeResponse(500);
    }
    resp.headers['x-trans-id'] ??= transId;
    resp.headers['x-openstack-request-id'] ??= resp.headers['x-trans-id'];
    if (!closes && !raw.complete) {
      // Bytes of the body already received are parsed first (the answer may have come before the parser got to them).
      await new Promise((resolve) => setImmediate(resolve));
      closeAfterUnreadBody(raw, socket, reply.raw, () => ((raw as ContinuableRequest)[CONTINUE] = undefined));
    }
    try {
      await writeResponse(raw.method ?? 'GET', resp, reply.raw);
    } catch (err) {
      options.logger.debug({ err, txn: transId }, 'response body aborted');
      reply.raw.destroy();
    }
  };
  server.route({ method: [...server.supportedMethods], url: '*', handler: (request, reply) => handle(request, reply) });
  await server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    server,
    close: () => server.close(),
  };
}
