/**
 * One pass over a file: its sha256, and whether `needle` occurs in it
 * (across chunk boundaries too). A sparse file's holes (`qemu-img map`) are
 * hashed as zeros without being read or searched: a 1 GiB volume holding a
 * few MiB costs one sha256 pass over zeros in memory, not a GiB of reads.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mapImage } from '../../../compute/driver/libvirt/index.js';

const PIECE = 4 << 20;
const ZEROS = Buffer.alloc(PIECE);

export async function sha256AndFind(path: string, needle: Buffer): Promise<{ sha256: string; holds: boolean }> {
  const hash = createHash('sha256');
  let holds = false;
  let tail: Buffer = Buffer.alloc(0);
  const search = (chunk: Buffer) => {
    if (holds) return;
    holds = Buffer.concat([tail, chunk.subarray(0, needle.length - 1)]).includes(needle) || chunk.includes(needle);
    tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - needle.length + 1)));
  };
  // A needle without a zero byte can't overlap a hole, so holes are skipped by the search (zeros are searched otherwise).
  const searchHoles = needle.includes(0);
  for (const e of await mapImage(path, 'raw')) {
    if (e.data && !e.zero) {
      for await (const chunk of createReadStream(path, { start: e.start, end: e.start + e.length - 1, highWaterMark: PIECE }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        search(chunk);
      }
      continue;
    }
    for (let left = e.length; left > 0; left -= PIECE) {
      const zeros = ZEROS.subarray(0, Math.min(PIECE, left));
      hash.update(zeros);
      if (searchHoles) search(zeros);
      else tail = Buffer.alloc(0);
    }
  }
  return { sha256: hash.digest('hex'), holds };
}
