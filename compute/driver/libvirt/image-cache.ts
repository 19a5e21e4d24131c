/**
 * The per-host image cache (Nova's `_base`): `<instances_path>/_base/<sha1
 * of the image id>`, fetched once from the image service however many
 * guests boot at the same time (one fetch in flight per image), checked
 * against the image record's md5/sha512 before it is renamed into place —
 * a failed or corrupt fetch leaves nothing behind. A `check` given to the
 * cache (the driver's: the bytes are the image's declared disk_format and
 * nothing else) runs on the fetched file before the rename too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImageChecksumError, type ImageRecord } from '../../image/index.js';

/** What the cache needs of the image service. */
export interface ImageFetcher {
  fetchTo(id: string, path: string): Promise<ImageRecord>;
}

async function hashes(path: string): Promise<{ md5: string; sha512: string; size: number }> {
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  let size = 0;
  await pipeline(createReadStream(path), async function* (src: AsyncIterable<Buffer>) {
    for await (const c of src) {
      md5.update(c);
      sha512.update(c);
      size += c.length;
    }
    yield* [];
  });
  return { md5: md5.digest('hex'), sha512: sha512.digest('hex'), size };
}

/** Throws ImageChecksumError when the file isn't what the record says. */
export async function verifyImageFile(path: string, image: ImageRecord): Promise<void> {
  const h = await hashes(path);
  if (image.size && h.size !== image.size) throw new ImageChecksumError(`Image ${image.id}: got ${h.size} bytes, expected ${image.size}`);
  if (image.checksum && h.md5 !== image.checksum) throw new ImageChecksumError(`Image ${image.id}: md5 ${h.md5} does not match checksum ${image.checksum}`);
  if (image.os_hash_algo === 'sha512' && image.os_hash_value && h.sha512 !== image.os_hash_value) {
    throw new ImageChecksumError(`Image ${image.id}: sha512 does not match os_hash_value`);
  }
  if (!image.checksum && !image.os_hash_value) throw new ImageChecksumError(`Image ${image.id} has no checksum to verify against`);
}

export class ImageCache {
  readonly dir: string;
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(instancesPath: string, private readonly images: ImageFetcher, private readonly check?: (path: string, image: ImageRecord) => Promise<unknown>) {
    this.dir = join(instancesPath, '_base');
  }

  pathOf(imageId: string): string {
    return join(this.dir, createHash('sha1').update(imageId).digest('hex'));
  }

  /** The cached base file of `imageId`, fetched and verified first when missing. */
  fetch(imageId: string): Promise<string> {
    const running = this.inflight.get(imageId);
    if (running) return running;
    const p = this.fetchOnce(imageId).finally(() => this.inflight.delete(imageId));
    this.inflight.set(imageId, p);
    return p;
  }

  private async fetchOnce(imageId: string): Promise<string> {
    const path = this.pathOf(imageId);
    if (await stat(path).then(() => true, () => false)) return path;
    await mkdir(this.dir, { recursive: true });
    const tmp = `${path}.part-${randomBytes(6).toString('hex')}`;
    try {
      const image = await this.images.fetchTo(imageId, tmp);
      await verifyImageFile(tmp, image);
      await this.check?.(tmp, image);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return path;
  }
}
