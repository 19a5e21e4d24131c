/**
 * Request bodies as s3api passes them on: streamed, with the payload hash
 * the client signed (`x-amz-content-sha256`) checked as the bytes pass. A
 * mismatch fails the stream before its last chunk goes (checked-stream.ts),
 * so the object servers never see a complete body and nothing is stored; the handler then answers
 * `XAmzContentSHA256Mismatch`.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { S3Error, S3Errors } from './errors.js';
import { CheckedStream } from './checked-stream.js';
import type { S3Context } from './context.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { ChecksumCheck, type RequestChecksum } from './checksum/index.js';

class Sha256Check extends CheckedStream {
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly expected: string) {
    super();
  }

  protected update(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  protected async verify(): Promise<S3Error | undefined> {
    const got = this.hash.digest('hex');
    if (got === this.expected) return undefined;
    return S3Errors.XAmzContentSHA256Mismatch({ ClientComputedContentSHA256: this.expected, S3ComputedContentSHA256: got });
  }
}

/** What was wrong with the body as it streamed, once it has. */
export type BodyFailure = () => S3Error | undefined;

/** Holds the last chunk back until the stream before it has ended well (see checked-stream.ts). */
class HoldBack extends CheckedStream {
  protected update(): void {}
  protected async verify(): Promise<undefined> {
    return undefined;
  }
}

export interface RequestBody {
  body?: Readable;
  failure: BodyFailure;
  /** The checksum check, when the request has a checksum: its `value` once the body has ended well. */
  checksum?: ChecksumCheck;
}

/**
 * The request body to pass to Swift, checked against what was signed and,
 * with `checksum`, against the request's checksum (header or trailer).
 * An aws-chunked body always ends in a stage that holds its last chunk
 * back until the decoder has checked the final chunk and trailer.
 */
export function requestBody(ctx: S3Context, checksum?: RequestChecksum): RequestBody {
  const base = signedBody(ctx);
  if (!checksum && ctx.signature.payload.kind !== 'streaming') return base;
  const check = checksum ? new ChecksumCheck(checksum, () => base.trailers) : new HoldBack();
  check.on('error', () => undefined);
  if (base.body) {
    base.body.on('error', (err) => check.destroy(err));
    base.body.pipe(check);
  } else {
    check.end();
  }
  return { body: check, failure: () => base.failure() ?? check.failure, checksum: check instanceof ChecksumCheck ? check : undefined };
}

/** The request body checked against what was signed (`x-amz-content-sha256`, aws-chunked signatures). */
function signedBody(ctx: S3Context): { body?: Readable; failure: BodyFailure; trailers?: Record<string, string> } {
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

/**
 * A small body (XML), read whole and checked (capped: S3 refuses bigger
 * ones as MaxMessageLengthExceeded). One declared bigger is refused before
 * a byte is read, as Swift's s3api does. What is left unread of a body
 * past the cap stays as it is: the client's own stream is not destroyed
 * (that would lose the answer), the edge drops the rest after the answer.
 */
export async function readXmlBody(ctx: S3Context, limit = 1024 * 1024, tooLarge: () => S3Error = () => S3Errors.MaxMessageLengthExceeded()): Promise<Buffer> {
  const declared = ctx.req.swift.headers['content-length'];
  if (ctx.signature.payload.kind !== 'streaming' && declared !== undefined && Number(declared) > limit) throw tooLarge();
  const { body, failure } = requestBody(ctx);
  if (!body) {
    if (ctx.signature.payload.kind === 'sha256' && ctx.signature.payload.hex !== createHash('sha256').digest('hex')) {
      throw S3Errors.XAmzContentSHA256Mismatch();
    }
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body.iterator({ destroyOnReturn: body !== ctx.req.swift.body })) {
      size += (chunk as Buffer).length;
      if (size > limit) break;
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw failure() ?? err;
  }
  if (size > limit) throw tooLarge();
  const f = failure();
  if (f) throw f;
  return Buffer.concat(chunks);
}
