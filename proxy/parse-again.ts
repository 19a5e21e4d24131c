/**
 * Feeding a connection's own HTTP parser again. When llhttp refuses bytes
 * eventlet would take (raw-request-line.ts, raw-header-names.ts), the
 * refused request is given to the same parser once more, reset to a
 * message's start, with only the refused bytes rewritten: everything else
 * (request line, header values, Content-Length / Transfer-Encoding, body
 * framing) is parsed by the same strict parser as any request.
 *
 * This reaches into Node's HTTP server (`socket.parser`, the parser's
 * `initialize`, the server's connection list): undocumented, long-standing
 * fields, touched only on a request the parser refused.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** A parse error as Node's HTTP server hands it to 'clientError'. */
export type ParseError = Error & { code?: string; bytesParsed?: number; rawPacket?: Buffer };

/** The parts of Node's HTTP parser (`socket.parser`) used here. */
export interface NodeParser {
  remove(): void;
  close(): void;
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number, connections?: object): void;
  execute(data: Buffer): number | ParseError;
  /** Milliseconds since the message being parsed began; 0 between messages. */
  duration(): number;
  onIncoming?: (...args: unknown[]) => unknown;
  _headers: string[];
  _url: string;
  [callback: number]: unknown;
}

/** The parser's class, with its callback slots (`HTTPParser.kOnExecute`, …). */
export interface NodeParserClass {
  new (): NodeParser;
  REQUEST: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

export function parserOf(socket: Socket): NodeParser | undefined {
  return (socket as Socket & { parser?: NodeParser | null }).parser ?? undefined;
}

export function parserClassOf(parser: NodeParser): NodeParserClass {
  return parser.constructor as unknown as NodeParserClass;
}

/** Node's list of the server's connections (headers timeout checks), where a parser is registered. */
function connectionsOf(server: Server): object | undefined {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
  const list = key && (server as unknown as Record<symbol, unknown>)[key];
  return typeof list === 'object' && list !== null ? list : undefined;
}

/**
 * Resets the socket's parser to a message's start (what Node's server does
 * for a new connection's parser) and feeds it `bytes`. True when the parser
 * took them; the next parse error when they hold one (a later request in
 * them); false when the parser can't be reset here.
 */
export function parseAgain(socket: Socket, server: Server, bytes: Buffer): boolean | ParseError {
  const parser = parserOf(socket);
  const connections = connectionsOf(server);
  if (!parser || !connections) return false;
  parser.remove();
  parser.initialize(parserClassOf(parser).REQUEST, { type: 'HTTPINCOMINGMESSAGE', socket }, (server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? 0, 0, connections);
  parser._headers = [];
  parser._url = '';
  const ret = parser.execute(bytes);
  if (!(ret instanceof Error)) return true;
  ret.rawPacket = bytes;
  return ret;
}
