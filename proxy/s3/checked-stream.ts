/**
 * A pass-through stream that checks what passed through it before letting
 * the last of it go: the final chunk is held back until `verify()` has
 * approved the whole. A Swift object PUT carries a Content-Length, so an
 * object server commits as soon as the last byte arrives; failing the
 * stream only after that byte went out would leave a bad object stored.
 * Holding one chunk back means a failed check always reaches the proxy
 * while the object servers are still short of their length, and they
 * discard the upload (S3 stores nothing when a digest does not match).
 * Memory: one chunk at most.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { BodyError, type S3Error } from './errors.js';

export abstract class CheckedStream extends Transform {
  failure?: S3Error;
  private held?: Buffer;

  /** Sees each chunk as it passes. */
  protected abstract update(chunk: Buffer): void;
  /** Judges the whole once the source has ended: an error to fail the body, or undefined. */
  protected abstract verify(): Promise<S3Error | undefined>;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.update(chunk);
    const previous = this.held;
    this.held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    this.verify().then(
      (failure) => {
        if (failure) {
          this.failure = failure;
          return done(new BodyError(failure));
        }
        if (this.held) this.push(this.held);
        this.held = undefined;
        done();
      },
      (err: Error) => done(err),
    );
  }
}
