/**
 * Request bodies as s3api passes them on: streamed, with the payload hash
 * the client signed (`x-amz-content-sha256`) checked as the bytes pass. A
 * mismatch fails the stream before its end, so the object servers never
 * see a complete body and nothing is stored; the handler then answers
 * `XAmzContentSHA256Mismatch`.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { readSmallBody } from '../response.js';
import { BodyError, S3Error, S3Errors } from './errors.js';
import type { S3Context } from './context.js';
import { AwsChunkedDecoder } from './aws-chunked.js';

class Sha256Check extends Transform {
  private readonly hash: Hash = createHash('sha256');
  failure?: S3Error;

  constructor(private readonly expected: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const got = this.hash.digest('hex');
    if (got === this.expected) return done();
    this.failure = S3Errors.XAmzContentSHA256Mismatch({ ClientComputedContentSHA256: this.expected, S3ComputedContentSHA256: got });
    done(new BodyError(this.failure));
  }
}

/** What was wrong with the body as it streamed, once it has. */
export type BodyFailure = () => S3Error | undefined;

/** The request body to pass to Swift, checked against what was signed. */
export function requestBody(ctx: S3Context): { body?: Readable; failure: BodyFailure; trailers?: Record<string, string> } {
  const raw = ctx.req.swift.body;
  const payload = ctx.signature.payload;
  if (payload.kind === 'streaming') return chunkedBody(ctx, payload.mode);
  if (payload.kind !== 'sha256') return { body: raw, failure: () => undefined };
  const check = new Sha256Check(payload.hex);
  // The failure is kept and answered by the handler; whoever reads the
  // stream sees the error too, but a reader already gone must not leave it unhandled.
  check.on('error', () => undefined);
  if (raw) {
    raw.on('error', (err) => check.destroy(err));
    raw.pipe(check);
  } else {
    check.end();
  }
  return { body: raw ? check : undefined, failure: () => check.failure };
}

/** An aws-chunked body, decoded (and its chunk signatures checked) as it streams. */
function chunkedBody(ctx: S3Context, mode: string): { body?: Readable; failure: BodyFailure; trailers?: Record<string, string> } {
  const h = ctx.req.swift.headers;
  const decoded = h['x-amz-decoded-content-length'];
  if (decoded === undefined || !/^\d+$/.test(decoded)) throw S3Errors.MissingContentLength({}, 'You must provide the x-amz-decoded-content-length HTTP header.');
  const raw = ctx.req.swift.body;
  const decoder = new AwsChunkedDecoder(ctx.signature, mode, Number(decoded));
  decoder.on('error', () => undefined);
  if (raw) {
    raw.on('error', (err) => decoder.destroy(err));
    raw.pipe(decoder);
  } else {
    decoder.end();
  }
  return { body: decoder, failure: () => decoder.failure, trailers: decoder.trailers };
}

/** A small body (XML), read whole and checked (capped: S3 refuses bigger ones as MaxMessageLengthExceeded). */
export async function readXmlBody(ctx: S3Context, limit = 1024 * 1024, tooLarge: () => S3Error = () => S3Errors.MaxMessageLengthExceeded()): Promise<Buffer> {
  const { body, failure } = requestBody(ctx);
  if (!body) {
    if (ctx.signature.payload.kind === 'sha256' && ctx.signature.payload.hex !== createHash('sha256').digest('hex')) {
      throw S3Errors.XAmzContentSHA256Mismatch();
    }
    return Buffer.alloc(0);
  }
  try {
    return await readSmallBody(body, limit);
  } catch (err) {
    const f = failure();
    if (f) throw f;
    if (err instanceof Error && err.message === 'body too large to buffer') throw tooLarge();
    throw err;
  }
}
