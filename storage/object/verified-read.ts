/**
 * Reads of a whole object checked against its stored ETag as they pass.
 * Swift's DiskFileReader hashes a read that starts at byte 0 and quarantines
 * the object when the MD5 at EOF does not match, but only after the last
 * byte went out: the client has a complete-looking body of rotten bytes.
 * Here the last byte of a whole-object body is held until the MD5 matched,
 * so a rotten copy's body never completes: it is quarantined and the body
 * ends exactly VERIFIED_TAIL_BYTES short. The object server then cuts the
 * connection once all of that was sent, and announces the scheme with
 * `X-Backend-Verified-Tail`; the proxy takes a cut there as the node's
 * verdict on the bytes it already passed on (it cuts its client instead of
 * resuming from another node, which would splice the rotten bytes already
 * sent to good ones).
 *
 * The short body ends (EOF) rather than fails: a stream error would be
 * raised while its last bytes may still wait in the stream's buffer (the
 * response was full), and tearing down then would drop them, so the cut
 * would land earlier and look like any failure the proxy resumes from.
 */
import { createHash } from 'node:crypto';
import { DiskFileQuarantinedError } from './errors.js';

/** The read(2) a body stream makes (fs.read's callback form). */
export type BodyRead = (
  fd: number, buf: Buffer, off: number, len: number, pos: number,
  cb: (err: NodeJS.ErrnoException | null, n: number, b: Buffer) => void,
) => void;

/** Bytes at the end of a whole-object body sent only once the object's MD5 matched its ETag. */
export const VERIFIED_TAIL_BYTES = 1;

/** The response header naming how many bytes of the body are held back until verified. */
export const VERIFIED_TAIL_HEADER = 'X-Backend-Verified-Tail';

/** The error of an object whose bytes do not hash to its ETag (undefined when they do). */
export function etagMismatch(data: Buffer, etag: string): DiskFileQuarantinedError | undefined {
  const md5 = createHash('md5').update(data).digest('hex');
  return md5 === etag ? undefined : new DiskFileQuarantinedError(`ETag ${etag} and file's md5 ${md5} do not match`);
}

/**
 * `base` hashing what a whole read of a `size`-byte object returns. The
 * read that reaches the end is passed on only if the MD5 matches `etag`;
 * otherwise it is passed on but for its last byte, `quarantine` runs, and
 * the next read returns end of file (the body ends short). Reads out of
 * order (never made by a ReadStream) are passed on unverified.
 */
export function verifyingRead(base: BodyRead, size: number, etag: string, quarantine: (reason: Error) => Promise<void>): BodyRead {
  const md5 = createHash('md5');
  let next = 0;
  let rot: Error | undefined;
  // End of file once the quarantine is done, so the cut that follows the body's end comes after it.
  const endShort = (buf: Buffer, cb: Parameters<BodyRead>[5]): void => {
    quarantine(rot!).then(() => cb(null, 0, buf), (qerr: NodeJS.ErrnoException) => cb(qerr, 0, buf));
  };
  return (fd, buf, off, len, pos, cb) => {
    if (rot) return endShort(buf, cb);
    base(fd, buf, off, len, pos, (err, n, b) => {
      if (err || pos !== next || next < 0) {
        next = -1;
        return cb(err, n, b);
      }
      next = pos + n;
      if (next < size) {
        // Passed on first: the stream asks for its next read (on the thread
        // pool) before this chunk is hashed, so hashing and reading overlap.
        // Each read gets a fresh buffer, so the bytes stay as they were read.
        cb(null, n, b);
        md5.update(b.subarray(off, off + n));
        return;
      }
      md5.update(b.subarray(off, off + n));
      const md5hex = md5.digest('hex');
      if (md5hex === etag) return cb(null, n, b);
      rot = new DiskFileQuarantinedError(`ETag ${etag} and file's md5 ${md5hex} do not match`);
      if (n > VERIFIED_TAIL_BYTES) return cb(null, n - VERIFIED_TAIL_BYTES, b);
      endShort(b, cb);
    });
  };
}
