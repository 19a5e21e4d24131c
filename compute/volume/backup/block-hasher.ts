/**
 * A sha256 per fixed-size block of a volume's bytes (Cinder's `sha256file`
 * blocks, `backup_swift_block_size`), fed in pieces of any size; the last
 * block may be short. A whole block of zeros that arrives in one piece is
 * recognised by comparison and given the zero block's sha256 without
 * hashing it, so the unwritten parts of a sparse volume cost a memcmp.
 *
 * The volume's checksum is the sha256 of its blocks' sha256s in order (a
 * hash list: it covers every byte, like a Merkle root of one level), so it
 * needs no second pass over the data.
 */
import { createHash, type Hash } from 'node:crypto';

export class BlockHasher {
  readonly sha256s: string[] = [];
  private block: Hash = createHash('sha256');
  private inBlock = 0;
  private readonly zeros: Buffer;
  private readonly zeroSha: string;
  /** Bytes fed that were all-zero whole blocks. */
  zeroBytes = 0;

  constructor(private readonly blockSize: number) {
    this.zeros = Buffer.alloc(blockSize);
    this.zeroSha = createHash('sha256').update(this.zeros).digest('hex');
  }

  /** The sha256 of a whole block of zeros. */
  get zeroBlockSha256(): string {
    return this.zeroSha;
  }

  update(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      const take = Math.min(this.blockSize - this.inBlock, buf.length - at);
      const part = at === 0 && take === buf.length ? buf : buf.subarray(at, at + take);
      if (take === this.blockSize && part.equals(this.zeros)) {
        this.sha256s.push(this.zeroSha);
        this.zeroBytes += take;
      } else {
        this.block.update(part);
        this.inBlock += take;
        if (this.inBlock === this.blockSize) this.endBlock();
      }
      at += take;
    }
  }

  /** A whole block known to be zeros (a hole), not read. */
  zeroBlock(): void {
    if (this.inBlock !== 0) throw new RangeError('a zero block must start at a block boundary');
    this.sha256s.push(this.zeroSha);
    this.zeroBytes += this.blockSize;
  }

  /** Closes a short last block, if any; returns every block's sha256. */
  finish(): string[] {
    if (this.inBlock > 0) this.endBlock();
    return this.sha256s;
  }

  private endBlock(): void {
    this.sha256s.push(this.block.digest('hex'));
    this.block = createHash('sha256');
    this.inBlock = 0;
  }
}

/** The volume checksum recorded at backup and checked after restore: sha256 over the block sha256s. */
export function volumeChecksum(sha256s: readonly string[]): string {
  const h = createHash('sha256');
  for (const s of sha256s) h.update(s);
  return h.digest('hex');
}
