/** One pass over a file: its sha256, and whether `needle` occurs in it (across chunk boundaries too). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function sha256AndFind(path: string, needle: Buffer): Promise<{ sha256: string; holds: boolean }> {
  const hash = createHash('sha256');
  let holds = false;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (!holds) {
      holds = Buffer.concat([tail, chunk]).includes(needle);
      tail = chunk.subarray(Math.max(0, chunk.length - needle.length + 1));
    }
  }
  return { sha256: hash.digest('hex'), holds };
}
