/**
 * Ranges of a volume's raw bytes read from an open file in bounded pieces,
 * so a backup holds at most a piece or two of the volume in memory.
 */
import type { FileHandle } from 'node:fs/promises';
import type { BlockHasher } from './block-hasher.js';
import type { ZeroBlocks } from './zero-blocks.js';

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

/**
 * Feed [offset, offset + length) of `fh` to `hasher` (offset on a block
 * boundary): whole blocks `zero` knows to be holes are not read.
 */
export async function hashRange(
  fh: FileHandle, offset: number, length: number, hasher: BlockHasher, blockSize: number, zero: ZeroBlocks | undefined, onBytes: (n: number) => void,
): Promise<void> {
  const first = offset / blockSize;
  const blocks = Math.ceil(length / blockSize);
  const hole = (i: number) => zero !== undefined && (i + 1) * blockSize <= length && zero(first + i);
  for (let i = 0; i < blocks;) {
    if (hole(i)) {
      hasher.zeroBlock();
      onBytes(blockSize);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < blocks && !hole(j)) j++;
    for await (const b of readRange(fh, offset + i * blockSize, Math.min(j * blockSize, length) - i * blockSize)) {
      hasher.update(b);
      onBytes(b.length);
    }
    i = j;
  }
}
