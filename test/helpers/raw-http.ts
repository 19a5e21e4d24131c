/**
 * Test helper: HTTP/1.1 on a raw socket, for requests no HTTP client would
 * send (raw bytes in the request line, odd methods, pipelined requests) and
 * for answers read as they are on the wire (every header, the connection's
 * close).
 */
import net from 'node:net';

export interface RawAnswer {
  status: string;
  headers: Record<string, string>;
  body: string;
}

/** Parses the HTTP responses in `data` (latin1), one after the other; a 1xx has no body. */
export function parseAnswers(data: string): RawAnswer[] {
  const out: RawAnswer[] = [];
  let rest = data;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: statusLine.replace(/^HTTP\/1\.1 /, ''), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

export interface ExchangeOptions {
  /** Time each part of an array of parts has to arrive alone before the next is written (ms, default 50). */
  gapMs?: number;
  /** Shut the client's side once everything is written (a client that sent its whole request and left). */
  halfClose?: boolean;
}

/** Sends `bytes` (one part or several) on a new connection and reads until the server closes it. */
export function exchange(port: number, bytes: string | Buffer | (string | Buffer)[], options: ExchangeOptions = {}): Promise<RawAnswer[]> {
  const parts = Array.isArray(bytes) ? bytes : [bytes];
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', async () => {
      for (const [i, p] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, options.gapMs ?? 50));
        socket.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
      }
      if (options.halfClose) socket.end();
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('the server did not close the connection within 10 s')));
    socket.on('data', (c: string) => (data += c));
    socket.on('close', () => resolve(parseAnswers(data)));
    socket.on('error', reject);
  });
}
