/**
 * The body of an object PUT sent as multipart MIME (Swift's proxy does so
 * when a middleware has footers to add, e.g. encryption's etags, known only
 * once the whole body has passed):
 *
 *     --<boundary>\r\nX-Document: object body\r\n\r\n<object bytes>
 *     \r\n--<boundary>\r\nX-Document: object metadata\r\nContent-MD5: <hex>\r\n\r\n<JSON>
 *     \r\n--<boundary>--
 *
 * The first document streams out as it arrives (with backpressure: the
 * source is not read while the object stream is full); the later ones are
 * small and collected whole.
 */
import { PassThrough, type Readable } from 'node:stream';
import { HttpError, badRequest } from './responses.js';

export interface MimeDocument {
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface MimePutBody {
  /** The first document's bytes: the object. */
  object: Readable;
  /** The documents after it, once the source has ended. */
  rest: Promise<MimeDocument[]>;
}

/** A document after the object's (a footer) is JSON metadata; more than this is not one. */
const MAX_DOC_BYTES = 1024 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');

function parseHeaders(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Splits `src` (a PUT's body) at `boundary`; see the file's header. */
export function splitMimePut(src: Readable, boundary: string): MimePutBody {
  const object = new PassThrough();
  const rest = parse(src, Buffer.from(`--${boundary}`, 'latin1'), object);
  rest.catch((err: Error) => object.destroy(err));
  return { object, rest };
}

async function parse(src: Readable, open: Buffer, object: PassThrough): Promise<MimeDocument[]> {
  const delimiter = Buffer.concat([CRLF, open]);
  const docs: MimeDocument[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let state = 'open' as 'open' | 'headers' | 'body' | 'after' | 'end';
  let current: Buffer[] | undefined; // undefined: the object document
  let currentHeaders: Record<string, string> = {};
  let currentSize = 0;

  const emit = async (piece: Buffer): Promise<void> => {
    if (piece.length === 0) return;
    if (current) {
      currentSize += piece.length;
      if (currentSize > MAX_DOC_BYTES) throw badRequest('MIME document too large');
      current.push(piece);
    } else if (!object.write(piece)) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          object.off('drain', done);
          object.off('close', closed);
          if (err) reject(err);
          else resolve();
        };
        const closed = () => done(new HttpError(499));
        object.once('drain', done);
        object.once('close', closed);
      });
    }
  };
  const endDocument = (): void => {
    if (current) docs.push({ headers: currentHeaders, body: Buffer.concat(current) });
    else object.end();
    current = [];
    currentSize = 0;
  };

  // One step of the state machine; false when `buf` needs more bytes.
  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'open': {
        if (buf.length < open.length + 2) return false;
        if (!buf.subarray(0, open.length).equals(open)) throw badRequest('invalid MIME body: no opening boundary');
        const eol = buf.indexOf(CRLF, open.length);
        if (eol === -1) return false;
        buf = buf.subarray(eol + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        let end: number;
        if (buf.length >= 2 && buf.subarray(0, 2).equals(CRLF)) end = 0;
        else {
          const i = buf.indexOf(HEADERS_END);
          if (i === -1) {
            if (buf.length > MAX_DOC_BYTES) throw badRequest('MIME headers too large');
            return false;
          }
          end = i + 2;
        }
        currentHeaders = parseHeaders(buf.subarray(0, end));
        buf = buf.subarray(end + 2);
        state = 'body';
        return true;
      }
      case 'body': {
        const i = buf.indexOf(delimiter);
        if (i === -1) {
          const keep = Math.min(buf.length, delimiter.length - 1);
          const piece = buf.subarray(0, buf.length - keep);
          buf = buf.subarray(buf.length - keep);
          await emit(piece);
          return false;
        }
        const piece = buf.subarray(0, i);
        buf = buf.subarray(i + delimiter.length);
        await emit(piece);
        endDocument();
        state = 'after';
        return true;
      }
      case 'after': {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'end';
          return false;
        }
        const eol = buf.indexOf(CRLF);
        if (eol === -1) return false;
        buf = buf.subarray(eol + 2);
        state = 'headers';
        return true;
      }
      default:
        return false;
    }
  };

  // Not `for await`: leaving it early would destroy the request, and with
  // it the socket the error answer goes out on.
  const it = src[Symbol.asyncIterator]();
  for (let next = await it.next(); !next.done; next = await it.next()) {
    if (state === 'end') continue; // an epilogue is read and dropped
    buf = buf.length ? Buffer.concat([buf, next.value as Buffer]) : (next.value as Buffer);
    while (await step());
  }
  if (state !== 'end') {
    // The proxy's chunked body ended without the closing boundary.
    if (!current) throw new HttpError(499);
    throw badRequest('invalid MIME body: no closing boundary');
  }
  return docs;
}
