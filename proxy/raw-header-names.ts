/**
 * Header names with separators in them. eventlet takes any name up to the
 * colon, so Swift's s3api sees `x-amz-meta-"` or `x-amz-meta-(` (and signs
 * them into SigV2/SigV4, then keeps `(` and drops the rest, as AWS does);
 * Node's llhttp refuses every byte outside RFC 9110's token set in a name
 * (HPE_INVALID_HEADER_TOKEN), with no lenient flag that relaxes it, and
 * answers 400 before any of our code runs.
 *
 * Such a request is parsed again by the connection's own strict parser
 * (parse-again.ts) from the start of its message, with only the separator
 * bytes of its header names percent-encoded (`x-amz-meta-%22`: a name with
 * `%` is never Content-Length, Transfer-Encoding or any name llhttp acts
 * on). The original names are put back, by position, in the header list
 * the parser hands Node before Node builds the request, and the request is
 * marked (`hasNonTokenNames`) so the edge keeps those names away from
 * anything that would send them on.
 *
 * Exactly where the message starts must be known: bytes before it belong
 * to an earlier message (its body, say) and parsing them as a request would
 * let a body smuggle one in. So each read records whether the parser ended
 * it between messages (one `duration()` call: 0 between messages); a read
 * that began there is parsed again by a scratch parser up to the refused
 * byte to find its last message's start. Anything else (a message that
 * began in an earlier read, a CR, LF, space, control or non-ASCII byte in a
 * name, a name in a chunked body's trailers) is refused as before.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { parseAgain, parserClassOf, parserOf, type NodeParser, type ParseError } from './parse-again.js';

/** Separators eventlet takes in a header name and llhttp refuses (every VCHAR outside tchar but `:`). */
const SEPARATORS = new Set([...'"(),/;<=>?@[\\]{}'].map((c) => c.charCodeAt(0)));

/** RFC 9110's tchar. */
function isTchar(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || '!#$%&\'*+-.^_`|~'.includes(String.fromCharCode(b));
}

const NON_TOKEN_NAMES = Symbol('swiftly.nonTokenNames');

/** Whether the request's headers hold names put back here (names outside the token set). */
export function hasNonTokenNames(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [NON_TOKEN_NAMES]?: boolean })[NON_TOKEN_NAMES] === true;
}

/** Whether a header name is an RFC 9110 token (what Node sends and takes). */
export function isTokenName(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (!isTchar(name.charCodeAt(i))) return false;
  return name.length > 0;
}

/** On a socket: whether its last read left the parser between messages. */
const BETWEEN_MESSAGES = Symbol('swiftly.betweenMessages');

type TrackedSocket = Socket & { [BETWEEN_MESSAGES]?: boolean };

/**
 * Keeps, for each connection, whether its parser was between messages when
 * its last read was parsed (Node calls the parser's kOnExecute with each
 * read's outcome, and from inside it any 'clientError'). About 0.15 µs a
 * read, most of it the parser's `duration()`.
 */
export function trackMessageBoundaries(server: Server): void {
  server.on('connection', (socket: TrackedSocket) => {
    const parser = parserOf(socket);
    if (!parser) return;
    const slot = parserClassOf(parser).kOnExecute;
    const onExecute = parser[slot];
    // Set only where the parser reads the socket itself (not a TLS socket): without it nothing is rewritten.
    if (typeof onExecute !== 'function') return;
    socket[BETWEEN_MESSAGES] = true;
    parser[slot] = function (this: unknown, ret: unknown): unknown {
      const out: unknown = onExecute.call(this, ret);
      socket[BETWEEN_MESSAGES] = parserOf(socket)?.duration() === 0;
      return out;
    };
  });
}

/**
 * Where the message holding `errorAt` starts in `bytes` (fed to the parser
 * from between messages): after the last message that completed before it.
 * Undefined when a scratch parser does not agree with what the connection's
 * parser took (it must: the same bytes, the same strict parser).
 */
function messageStart(parser: NodeParser, bytes: Buffer, errorAt: number, maxHeaderSize: number): number | undefined {
  const Parser = parserClassOf(parser);
  const scratch = new Parser();
  let completed = 0;
  let upgrade = false;
  scratch[Parser.kOnHeaders] = () => {};
  scratch[Parser.kOnHeadersComplete] = (_maj: number, _min: number, _h: unknown, _m: unknown, _u: unknown, _s: unknown, _sm: unknown, up: boolean) => {
    upgrade ||= up;
    return 0;
  };
  scratch[Parser.kOnBody] = () => {};
  scratch[Parser.kOnMessageComplete] = () => void completed++;
  try {
    scratch.initialize(Parser.REQUEST, {}, maxHeaderSize, 0);
    if (scratch.execute(bytes.subarray(0, errorAt)) instanceof Error || upgrade) return undefined;
    if (completed === 0) return 0;
    // Pipelined requests before it: find where the last one ended, a byte at a time (a rare path).
    const before = completed;
    completed = 0;
    scratch.initialize(Parser.REQUEST, {}, maxHeaderSize, 0);
    for (let i = 0; i < errorAt; i++) {
      if (scratch.execute(bytes.subarray(i, i + 1)) instanceof Error) return undefined;
      if (completed === before) return i + 1;
    }
    return undefined;
  } finally {
    scratch.close();
  }
}

interface Fixup {
  /** The header's position among the message's header lines. */
  index: number;
  sent: string;
  original: string;
}

/** The head from `start` with separator bytes of header names percent-encoded, or undefined when a name can't be. */
function encodeNames(bytes: Buffer, start: number, errorAt: number): { fed: Buffer; fixups: Fixup[] } | undefined {
  const lineEnd = bytes.indexOf('\r\n', start, 'latin1');
  if (lineEnd === -1 || lineEnd >= errorAt) return undefined;
  const headEnd = bytes.indexOf('\r\n\r\n', lineEnd, 'latin1');
  // In a chunked body's trailers, say: not a header of this message's head.
  if (headEnd !== -1 && headEnd < errorAt) return undefined;
  const end = headEnd === -1 ? bytes.length : headEnd + 2;
  const parts: Buffer[] = [bytes.subarray(start, lineEnd + 2)];
  const fixups: Fixup[] = [];
  let coversError = false;
  for (let pos = lineEnd + 2, index = 0; pos < end; index++) {
    const eol = bytes.indexOf('\r\n', pos, 'latin1');
    const next = eol === -1 || eol >= end ? end : eol + 2;
    const colon = bytes.indexOf(0x3a, pos);
    const nameEnd = colon !== -1 && colon < next ? colon : -1;
    let encoded: Buffer | undefined;
    if (nameEnd > pos) {
      const name = bytes.subarray(pos, nameEnd);
      if (name.some((b) => SEPARATORS.has(b)) && name.every((b) => isTchar(b) || SEPARATORS.has(b))) {
        const sent = [...name].map((b) => (SEPARATORS.has(b) ? `%${b.toString(16).toUpperCase()}` : String.fromCharCode(b))).join('');
        encoded = Buffer.from(sent, 'latin1');
        fixups.push({ index, sent, original: name.toString('latin1') });
        if (errorAt >= pos && errorAt < nameEnd) coversError = true;
      }
    }
    parts.push(encoded ? Buffer.concat([encoded, bytes.subarray(nameEnd, next)]) : bytes.subarray(pos, next));
    pos = next;
  }
  if (!coversError) return undefined;
  parts.push(bytes.subarray(end));
  return { fed: Buffer.concat(parts), fixups };
}

/**
 * Puts the original names back when the parser hands over the message's
 * headers (once; also undone if the connection closes first, as parsers are
 * reused), and marks the request Node makes of them.
 */
function restoreNamesOnce(parser: NodeParser, socket: Socket, fixups: Fixup[]): () => void {
  const slot = parserClassOf(parser).kOnHeadersComplete;
  const onHeadersComplete = parser[slot] as (...args: unknown[]) => unknown;
  const undo = (): void => {
    if (parser[slot] === wrapped) parser[slot] = onHeadersComplete;
  };
  function wrapped(this: NodeParser, ...args: unknown[]): unknown {
    undo();
    socket.off('close', undo);
    const headers = (args[2] as string[] | undefined) ?? this._headers;
    for (const f of fixups) if (headers[2 * f.index] === f.sent) headers[2 * f.index] = f.original;
    const onIncoming = this.onIncoming;
    if (onIncoming) {
      this.onIncoming = function (this: unknown, req: unknown, ...rest: unknown[]): unknown {
        (req as { [NON_TOKEN_NAMES]?: boolean })[NON_TOKEN_NAMES] = true;
        return onIncoming.call(this, req, ...rest);
      };
    }
    try {
      return onHeadersComplete.apply(this, args);
    } finally {
      if (onIncoming) this.onIncoming = onIncoming;
    }
  }
  parser[slot] = wrapped;
  socket.once('close', undo);
  return undo;
}

/**
 * For an HPE_INVALID_HEADER_TOKEN on a separator in a header name: feeds
 * the message again with its names encoded. True when the parser took it;
 * the next parse error when the bytes fed hold one; false when this error
 * is not one to retry (the caller refuses it). `fromMessageStart`: the
 * packet is one fed again here or by raw-request-line.ts, which starts at a
 * message.
 */
export function encodeHeaderNames(err: ParseError, socket: Socket, server: Server, fromMessageStart = false): boolean | ParseError {
  const parser = parserOf(socket);
  const packet = err.rawPacket;
  const at = err.bytesParsed;
  if (err.code !== 'HPE_INVALID_HEADER_TOKEN' || !parser || !packet || at === undefined || at >= packet.length || !SEPARATORS.has(packet[at])) return false;
  const firstRead = socket.bytesRead === packet.length;
  if (!fromMessageStart && !firstRead && (socket as TrackedSocket)[BETWEEN_MESSAGES] !== true) return false;
  const maxHeaderSize = (server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? 0;
  let start = messageStart(parser, packet, at, maxHeaderSize);
  if (start === undefined) return false;
  // llhttp skips empty lines before a request line.
  while (start < at && (packet[start] === 0x0d || packet[start] === 0x0a)) start++;
  const encoded = encodeNames(packet, start, at);
  if (!encoded) return false;
  const undo = restoreNamesOnce(parser, socket, encoded.fixups);
  const ret = parseAgain(socket, server, encoded.fed);
  if (ret === false) undo();
  return ret;
}
