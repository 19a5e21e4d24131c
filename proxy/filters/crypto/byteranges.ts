/**
 * Decrypting a multipart/byteranges body as it streams (Swift's
 * `multipart_response_iter`): the MIME framing passes as it is, and each
 * part's bytes are decrypted from the offset its Content-Range gives. A
 * part's length comes from that Content-Range, so ciphertext that happens
 * to look like a boundary is never taken for one.
 */
import { Readable } from 'node:stream';
import type { Decipher } from 'node:crypto';
import { dropBody } from '../../response.js';

const CRLF = Buffer.from('\r\n');
const MAX_HEAD = 64 * 1024;

/** Pulls bytes from a stream in the amounts a parser asks for. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<unknown>;
  private ended = false;

  constructor(src: Readable) {
    this.it = src[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value as Buffer]) : (r.value as Buffer);
    return true;
  }

  /** Bytes up to and including `delim`. */
  async until(delim: Buffer): Promise<Buffer> {
    for (;;) {
      const i = this.buf.indexOf(delim);
      if (i !== -1) {
        const out = this.buf.subarray(0, i + delim.length);
        this.buf = this.buf.subarray(i + delim.length);
        return out;
      }
      if (this.buf.length > MAX_HEAD) throw new Error('multipart/byteranges: part head too long');
      if (!(await this.fill())) throw new Error('multipart/byteranges: body ended early');
    }
  }

  /** A line with its CRLF, or what is left when the stream ends first ('' at the end). */
  async line(): Promise<Buffer> {
    for (;;) {
      const i = this.buf.indexOf(CRLF);
      if (i !== -1) {
        const out = this.buf.subarray(0, i + 2);
        this.buf = this.buf.subarray(i + 2);
        return out;
      }
      if (this.buf.length > MAX_HEAD) throw new Error('multipart/byteranges: line too long');
      if (!(await this.fill())) {
        const out = this.buf;
        this.buf = Buffer.alloc(0);
        return out;
      }
    }
  }

  /** Exactly `n` bytes, as they come. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.buf.length && !(await this.fill())) throw new Error('multipart/byteranges: part ended early');
      const piece = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Whatever is left. */
  async *rest(): AsyncGenerator<Buffer> {
    if (this.buf.length) yield this.buf;
    this.buf = Buffer.alloc(0);
    while (await this.fill()) {
      yield this.buf;
      this.buf = Buffer.alloc(0);
    }
  }
}

export function decryptByteranges(src: Readable, boundary: string, decipherAt: (offset: number) => Decipher): Readable {
  const open = Buffer.from(`--${boundary}`, 'latin1');
  const close = Buffer.from(`--${boundary}--`, 'latin1');
  const out = Readable.from((async function* parts(): AsyncGenerator<Buffer> {
    const r = new ByteReader(src);
    for (;;) {
      const line = await r.line();
      if (line.length === 0) break;
      yield line;
      if (line.equals(CRLF)) continue; // the one ending a part's bytes
      const text = line.subarray(0, line.subarray(-2).equals(CRLF) ? line.length - 2 : line.length);
      if (text.equals(close)) {
        yield* r.rest();
        break;
      }
      if (!text.equals(open)) throw new Error('multipart/byteranges: boundary expected');
      const head = await r.until(Buffer.from('\r\n\r\n'));
      yield head;
      const range = /^content-range:\s*bytes (\d+)-(\d+)\/(\d+|\*)\s*$/im.exec(head.toString('latin1'));
      if (!range) throw new Error('multipart/byteranges: part without Content-Range');
      const first = Number(range[1]);
      const d = decipherAt(first);
      for await (const piece of r.take(Number(range[2]) - first + 1)) yield d.update(piece);
    }
  })(), { objectMode: false });
  out.once('close', () => dropBody(src)); // a client gone mid-body: the backend's goes too, its 'error' swallowed
  return out;
}
