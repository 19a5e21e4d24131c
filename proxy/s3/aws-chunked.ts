/**
 * `Content-Encoding: aws-chunked` bodies, decoded as they stream:
 * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` (each chunk signed, the signatures
 * chained from the request's), `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (plain
 * chunks, then trailing headers such as `x-amz-checksum-crc32`) and
 * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` (signed chunks and a signed
 * trailer). Chunk data is passed on as it arrives, never gathered; the only
 * per-chunk work is the SHA-256 and HMAC a signed chunk needs. The decoded
 * length must be `x-amz-decoded-content-length`.
 */
import { createHash, createHmac, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error, S3Errors } from './errors.js';
import type { S3Signature } from './auth/index.js';

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const CRLF = Buffer.from('\r\n');
/** A chunk header or trailer line longer than this is not one. */
const MAX_LINE = 4096;

type State = 'header' | 'data' | 'data-end' | 'trailer' | 'done';

export class AwsChunkedDecoder extends Transform {
  failure?: S3Error;
  /** Trailing headers (lower-case names), once the body has ended. */
  readonly trailers: Record<string, string> = {};
  private state: State = 'header';
  private line: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private decoded = 0;
  private chunkSignature = '';
  private chunkHash?: Hash;
  private previous: string;
  private readonly signed: boolean;
  private readonly trailer: boolean;

  constructor(
    private readonly sig: S3Signature,
    mode: string,
    private readonly decodedLength: number,
  ) {
    super();
    this.signed = mode.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    this.trailer = mode.endsWith('-TRAILER');
    this.previous = sig.v4?.seedSignature ?? '';
  }

  private fail(err: S3Error, done: TransformCallback): void {
    this.failure = err;
    done(err);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let at = 0;
    try {
      while (at < chunk.length) {
        if (this.state === 'data') {
          const n = Math.min(this.remaining, chunk.length - at);
          const piece = chunk.subarray(at, at + n);
          this.chunkHash?.update(piece);
          this.push(piece);
          this.remaining -= n;
          this.decoded += n;
          at += n;
          if (this.remaining === 0) this.state = 'data-end';
          continue;
        }
        if (this.state === 'done') {
          // Nothing may follow the final chunk and its trailers.
          throw S3Errors.IncompleteBody({}, 'Unexpected data after the final aws-chunked chunk.');
        }
        const nl = chunk.indexOf(0x0a, at);
        const end = nl === -1 ? chunk.length : nl + 1;
        this.line = this.line.length ? Buffer.concat([this.line, chunk.subarray(at, end)]) : chunk.subarray(at, end);
        at = end;
        if (this.line.length > MAX_LINE) throw S3Errors.InvalidRequest({}, 'Malformed aws-chunked encoding.');
        if (nl === -1) continue;
        const text = this.line.subarray(0, this.line.length - (this.line.subarray(-2).equals(CRLF) ? 2 : 1)).toString('latin1');
        this.line = Buffer.alloc(0);
        this.onLine(text);
      }
    } catch (err) {
      if (err instanceof S3Error) return this.fail(err, done);
      return done(err as Error);
    }
    done();
  }

  private onLine(text: string): void {
    switch (this.state) {
      case 'data-end':
        if (text !== '') throw S3Errors.InvalidRequest({}, 'Malformed aws-chunked encoding.');
        this.endChunk();
        this.state = 'header';
        return;
      case 'header': {
        const semi = text.indexOf(';');
        const sizeText = semi === -1 ? text : text.slice(0, semi);
        if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw S3Errors.InvalidRequest({}, 'Malformed aws-chunked encoding.');
        const size = parseInt(sizeText, 16);
        if (this.signed) {
          const m = /^chunk-signature=([0-9a-f]{64})$/.exec(semi === -1 ? '' : text.slice(semi + 1));
          if (!m) throw S3Errors.IncompleteBody({}, 'Missing chunk signature.');
          this.chunkSignature = m[1];
          this.chunkHash = createHash('sha256');
        }
        if (this.decoded + size > this.decodedLength) throw S3Errors.IncompleteBody({}, 'The aws-chunked body is longer than x-amz-decoded-content-length.');
        if (size === 0) {
          // The final chunk: then trailers (if any) and an empty line.
          this.endChunk();
          this.state = 'trailer';
          return;
        }
        this.remaining = size;
        this.state = 'data';
        return;
      }
      case 'trailer':
        if (text === '') {
          this.checkTrailers();
          this.state = 'done';
          return;
        }
        {
          const colon = text.indexOf(':');
          if (colon <= 0) throw S3Errors.InvalidRequest({}, 'Malformed aws-chunked trailer.');
          this.trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
        }
        return;
      default:
        throw S3Errors.InvalidRequest({}, 'Malformed aws-chunked encoding.');
    }
  }

  /** Checks a signed chunk's signature once its data has passed (chained from the previous one). */
  private endChunk(): void {
    if (!this.signed || !this.chunkHash) return;
    const v4 = this.sig.v4!;
    if (!v4.signingKey) throw S3Errors.SignatureDoesNotMatch();
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${v4.amzDate}\n${v4.scope}\n${this.previous}\n${EMPTY_SHA256}\n${this.chunkHash.digest('hex')}`;
    const mine = createHmac('sha256', v4.signingKey).update(toSign).digest('hex');
    this.chunkHash = undefined;
    if (mine !== this.chunkSignature) throw S3Errors.SignatureDoesNotMatch({}, 'The chunk signature we calculated does not match the signature you provided.');
    this.previous = mine;
  }

  private checkTrailers(): void {
    const given = this.trailers['x-amz-trailer-signature'];
    if (!this.signed || !this.trailer) return;
    if (given === undefined) throw S3Errors.SignatureDoesNotMatch({}, 'Missing trailer signature.');
    const v4 = this.sig.v4!;
    let canonical = '';
    for (const [k, v] of Object.entries(this.trailers)) if (k !== 'x-amz-trailer-signature') canonical += `${k}:${v}\n`;
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${v4.amzDate}\n${v4.scope}\n${this.previous}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const mine = createHmac('sha256', v4.signingKey!).update(toSign).digest('hex');
    if (mine !== given) throw S3Errors.SignatureDoesNotMatch({}, 'The trailer signature we calculated does not match the signature you provided.');
  }

  override _flush(done: TransformCallback): void {
    try {
      // Some clients end after the trailers without the closing empty line.
      if (this.state === 'trailer' && this.line.length === 0) {
        this.checkTrailers();
        this.state = 'done';
      }
      if (this.state !== 'done' || this.decoded !== this.decodedLength) throw S3Errors.IncompleteBody();
    } catch (err) {
      if (err instanceof S3Error) return this.fail(err, done);
      return done(err as Error);
    }
    done();
  }
}
