/**
 * Reading an uploaded archive as a stream of entries: the request body,
 * gunzipped (zlib) or bunzip2ed (unbzip2-stream) as asked, through
 * tar-stream's parser. Each entry's bytes are a Node stream of their own
 * that the caller hands to a subrequest, so nothing is held beyond a chunk
 * or two, and the next entry is read only once this one is drained.
 * Whatever is wrong with the archive comes out as an ArchiveError with the
 * words Python's tarfile uses ("invalid header", "not a gzip file", …).
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import unbzip2 from 'unbzip2-stream';

/** tar-stream's entry stream (its types don't export the name). */
type Entry = tarStream.Extract extends AsyncIterable<infer T> ? T : never;

export type Compression = '' | 'gz' | 'bz2';

/** The archive is not a readable tar (of the declared compression). */
export class ArchiveError extends Error {}

/** The client's body failed (went away mid-upload): not the archive's fault. */
export class ClientBodyError extends Error {}

export interface ArchiveEntry {
  /** The member's name as raw bytes (a tar name need not be UTF-8). */
  name: Buffer;
  /** Only regular files are uploaded (tarfile's isfile()). */
  isFile: boolean;
  size: number;
  /** Its pax records (`SCHILY.xattr.user.meta.*`, …). */
  pax: Record<string, string>;
  /** Its bytes; read them or not, `skip()` before asking for the next entry. */
  body: Readable;
  /** Drains what is left of the bytes, so the parser moves on. */
  skip(): Promise<void>;
}

function tarMessage(err: Error): string {
  if (/invalid tar header|invalid header/i.test(err.message)) return 'invalid header';
  if (/unexpected end/i.test(err.message)) return 'unexpected end of data';
  return err.message;
}

/** A Node Readable of a tar-stream (streamx) entry that, destroyed, leaves the entry for `skip()` to drain. */
function adopt(entry: Entry): { body: Readable; skip(): Promise<void> } {
  let ended = false;
  const ending = new Promise<void>((resolve) => {
    entry.once('end', () => {
      ended = true;
      resolve();
    });
    entry.once('close', resolve);
  });
  const body = new Readable({ read: () => void entry.resume() });
  const onData = (chunk: unknown) => {
    if (!body.destroyed && !body.push(chunk)) entry.pause();
  };
  entry.on('data', onData);
  entry.once('end', () => body.push(null));
  return {
    body,
    async skip() {
      entry.off('data', onData);
      if (ended) return;
      entry.on('data', () => undefined);
      entry.resume();
      await ending;
    },
  };
}

/**
 * The entries of the tar in `source`, one at a time. Stopping early
 * (`return` on the iterator) stops parsing and leaves the rest of `source`
 * unread but flowing, so the connection stays usable.
 */
export async function* readArchive(source: Readable, compression: Compression): AsyncGenerator<ArchiveEntry> {
  // filenameEncoding is tar-stream's option (its types leave it out): names stay raw bytes.
  const extract = tarStream.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tarStream.extract>[0]);
  let received = 0;
  source.on('data', (c: Buffer) => (received += c.length));
  const fail = (err: Error) => extract.destroy(err);
  source.once('error', (err) => fail(new ClientBodyError(err.message)));
  // A body cut short reads as an early end of the archive to the parser; the client's error says why.
  source.once('aborted', () => fail(new ClientBodyError('client disconnected')));
  if (compression === 'gz') {
    const gunzip = createGunzip();
    gunzip.once('error', (err: Error & { code?: string }) => fail(new ArchiveError(received && err.code === 'Z_DATA_ERROR' && /header/.test(err.message) ? 'not a gzip file' : 'invalid compressed data')));
    source.pipe(gunzip).pipe(extract);
  } else if (compression === 'bz2') {
    const bunzip = unbzip2();
    bunzip.once('error', () => fail(new ArchiveError('invalid compressed data')));
    source.pipe(bunzip).pipe(extract);
  } else {
    source.pipe(extract);
  }
  let entries = 0;
  let finished = false;
  try {
    for await (const entry of extract) {
      entries++;
      const h = entry.header;
      const pax = (h.pax ?? {}) as Record<string, string>;
      // tar-stream gives a pax path as UTF-8 text, a ustar name as the bytes (latin1).
      const name = Buffer.from(h.name, pax.path !== undefined ? 'utf8' : 'latin1');
      const { body, skip } = adopt(entry);
      yield { name, isFile: h.type === 'file' || h.type === 'contiguous-file', size: h.size ?? 0, pax, body, skip };
      await skip();
    }
    finished = true;
    if (!entries && !received) throw new ArchiveError('empty file');
  } catch (err) {
    if (err instanceof ArchiveError || err instanceof ClientBodyError) throw err;
    throw new ArchiveError(tarMessage(err as Error));
  } finally {
    if (!finished) {
      source.unpipe();
      extract.destroy();
      source.resume();
    }
  }
}
