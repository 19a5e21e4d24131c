/**
 * Ranges of a volume's raw bytes read from an open file in bounded pieces,
 * so a backup holds at most a piece or two of the volume in memory.
 */
import type { FileHandle } from 'node:fs/promises';

export const READ_PIECE = 1 << 20;

/** The bytes [offset, offset + length) of `fh`, a fresh buffer per piece (a consumer may keep them). */
export async function* readRange(fh: FileHandle, offset: number, length: number, piece = READ_PIECE): AsyncGenerator<Buffer> {
  for (let done = 0; done < length;) {
    const want = Math.min(piece, length - done);
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await fh.read(buf, 0, want, offset + done);
    if (bytesRead === 0) throw new Error(`volume ended at byte ${offset + done}, ${length - done} bytes short of the range`);
    done += bytesRead;
    yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
  }
}
