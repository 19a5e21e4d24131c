/**
 * Which blocks of a raw file are holes (or read as zeros) without reading
 * them: `qemu-img map` asks the file system (SEEK_DATA/SEEK_HOLE), so a
 * sparse 1 GiB volume holding a few MiB costs a few MiB of reads to back up
 * or verify, not a GiB.
 */
import { mapImage, type MapExtent } from '../../driver/libvirt/index.js';

/** True for block `i` when all of it lies in a zero extent. */
export type ZeroBlocks = (i: number) => boolean;

export function zeroBlocksOf(extents: readonly MapExtent[], blockSize: number): ZeroBlocks {
  const zero = new Set<number>();
  for (const e of extents) {
    if (!e.zero && e.data) continue;
    for (let i = Math.ceil(e.start / blockSize); (i + 1) * blockSize <= e.start + e.length; i++) zero.add(i);
  }
  return (i) => zero.has(i);
}

/** The holes of a raw file, by block. */
export async function rawZeroBlocks(path: string, blockSize: number): Promise<ZeroBlocks> {
  return zeroBlocksOf(await mapImage(path, 'raw'), blockSize);
}
