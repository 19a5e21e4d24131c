/**
 * Raw (unquoted) bytes in a request target. eventlet splits Swift's request
 * line on spaces only, so a path sent with raw UTF-8 (or invalid UTF-8, or
 * control bytes) reaches Swift, which unquotes it into PATH_INFO: `/v1/a/é`
 * names what `/v1/a/%C3%A9` names, and a raw invalid name gets the same
 * 412 as its quoted form. Node's llhttp refuses any byte outside its URL
 * set (HPE_INVALID_URL) before a request exists.
 *
 * The refused request is parsed again, by the connection's own parser: it
 * is reset and fed the same bytes from the request line on, with the
 * refused bytes of the request target percent-encoded. Only the target
 * changes; the headers and the body framing are parsed by the same strict
 * parser as any request (no leniency), the body is read as any body is,
 * and the connection keeps its keep-alive and pipelining. A line split over
 * two reads is put together again when its first part was one of ours.
 */
import { METHODS, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { parseAgain, parserOf, type ParseError } from './parse-again.js';

export type { ParseError } from './parse-again.js';

/** The start of an unfinished request line already fed, and the socket's byte count then. */
const unfinishedLines = new WeakMap<Socket, { line: Buffer; through: number }>();

/** A byte llhttp refuses in a URL that eventlet takes into the path (all but SP, CR and LF). */
function refused(b: number): boolean {
  return (b < 0x20 && b !== 0x0a && b !== 0x0d) || b >= 0x7f;
}

function percentEncodeRefused(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (const b of bytes) {
    if (!refused(b)) out.push(b);
    else out.push(0x25, ...Buffer.from(b.toString(16).toUpperCase().padStart(2, '0')));
  }
  return Buffer.from(out);
}

const METHOD_NAMES = new Set(METHODS);
const LONGEST_METHOD = Math.max(...METHODS.map((m) => m.length));

/**
 * Where the request line holding `errorAt` (in its target) starts, or
 * undefined when that is not certain. The parser took the bytes before the
 * error, but they may end a message before this one (a body, which need not
 * end in a newline), so the line is found by its method: the one run of
 * bytes right before the target's space that is a method the parser knows.
 * Two such runs (`LOCK` and `UNLOCK` after a body ending in `UN`) leave it
 * unsure; none means the line began on an earlier read.
 */
function requestLineStart(bytes: Buffer, errorAt: number): number | undefined {
  const space = errorAt > 0 ? bytes.lastIndexOf(0x20, errorAt - 1) : -1;
  if (space <= 0) return undefined;
  let start: number | undefined;
  for (let s = space - 1; s >= Math.max(0, space - LONGEST_METHOD); s--) {
    if (!METHOD_NAMES.has(bytes.toString('latin1', s, space))) continue;
    if (start !== undefined) return undefined;
    start = s;
  }
  return start;
}

/**
 * For an HPE_INVALID_URL on a byte eventlet would take: feeds the request
 * again with its target quoted. True when the parser took it; the next
 * parse error when the bytes fed hold one (a later request in them);
 * false when this error is not one to retry (the caller refuses it).
 */
export function requoteRequestTarget(err: ParseError, socket: Socket, server: Server): boolean | ParseError {
  const packet = err.rawPacket;
  const at = err.bytesParsed;
  if (err.code !== 'HPE_INVALID_URL' || !parserOf(socket) || !packet || at === undefined || at >= packet.length || !refused(packet[at])) return false;
  let bytes = packet;
  let errorAt = at;
  let lineStart = requestLineStart(packet, at);
  const unfinished = unfinishedLines.get(socket);
  unfinishedLines.delete(socket);
  if (packet.lastIndexOf(0x20, at) === -1 && unfinished && unfinished.through === socket.bytesRead - packet.length) {
    // The rest of a line whose start was fed (quoted) on the previous read.
    bytes = Buffer.concat([unfinished.line, packet]);
    errorAt += unfinished.line.length;
    lineStart = 0;
  }
  if (lineStart === undefined) return false;
  // A CONNECT's target is an authority: Node hands such a request over on its socket, not here.
  if (bytes.toString('latin1', lineStart, lineStart + 8) === 'CONNECT ') return false;
  const lineEnd = bytes.indexOf(0x0a, errorAt);
  const end = lineEnd === -1 ? bytes.length : lineEnd;
  // The target ends at the line's last space (the version follows it).
  const lastSpace = bytes.lastIndexOf(0x20, end - 1);
  const targetEnd = lastSpace > errorAt ? lastSpace : end;
  const fed = Buffer.concat([
    bytes.subarray(lineStart, errorAt),
    percentEncodeRefused(bytes.subarray(errorAt, targetEnd)),
    bytes.subarray(targetEnd),
  ]);
  if (lineEnd === -1) unfinishedLines.set(socket, { line: fed, through: socket.bytesRead });
  return parseAgain(socket, server, fed);
}
