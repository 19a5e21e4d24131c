/**
 * A sha256 per fixed-size block of a byte stream (Cinder's `sha256file`
 * blocks, `backup_swift_block_size`), fed in pieces of any size; the last
 * block may be short. Also the sha256 of everything fed, when asked.
 */
import { createHash, type Hash } from 'node:crypto';

export class BlockHasher {
  readonly sha256s: string[] = [];
  private block: Hash = createHash('sha256');
  private inBlock = 0;

  constructor(private readonly blockSize: number, private readonly whole?: Hash) {}

  update(buf: Buffer): void {
    this.whole?.update(buf);
    let at = 0;
    while (at < buf.length) {
      const take = Math.min(this.blockSize - this.inBlock, buf.length - at);
      this.block.update(at === 0 && take === buf.length ? buf : buf.subarray(at, at + take));
      this.inBlock += take;
      at += take;
      if (this.inBlock === this.blockSize) this.endBlock();
    }
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
