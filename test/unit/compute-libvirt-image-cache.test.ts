/**
 * The libvirt driver's image cache: `_base/<sha1 of the image id>`, one
 * fetch however many boots ask at once, and nothing kept when the data
 * doesn't match the image's checksums.
 */
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageCache, type ImageFetcher } from '../../compute/driver/libvirt/index.js';
import { ImageChecksumError, type ImageRecord } from '../../compute/image/index.js';

function record(id: string, data: Buffer): ImageRecord {
  return {
    id, name: id, status: 'active', disk_format: 'raw', container_format: 'bare', size: data.length, min_ram: 0, min_disk: 0,
    visibility: 'private', owner: null, properties: {}, created_at: '', updated_at: null,
    checksum: createHash('md5').update(data).digest('hex'), os_hash_algo: 'sha512', os_hash_value: createHash('sha512').update(data).digest('hex'),
  };
}

/** An image service holding `images`; `serve` may differ from what the record promises (a corrupted store). */
class Store implements ImageFetcher {
  fetches = 0;
  constructor(readonly images: Map<string, { record: ImageRecord; serve: Buffer }>) {}
  async fetchTo(id: string, path: string): Promise<ImageRecord> {
    this.fetches++;
    const img = this.images.get(id);
    if (!img) throw new Error(`No image found with ID ${id}`);
    await sleep(20); // a download takes time: concurrent callers overlap
    writeFileSync(path, img.serve);
    return img.record;
  }
}

describe('libvirt image cache', () => {
  let dir: string;
  const good = Buffer.from('a bootable image, or so it says');
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'swiftly-imgcache-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps an image at _base/<sha1 of its id>', async () => {
    const store = new Store(new Map([['img-1', { record: record('img-1', good), serve: good }]]));
    const cache = new ImageCache(dir, store);
    const path = await cache.fetch('img-1');
    assert.equal(path, join(dir, '_base', createHash('sha1').update('img-1').digest('hex')));
    assert.deepEqual(readFileSync(path), good);
    assert.equal(await cache.fetch('img-1'), path);
    assert.equal(store.fetches, 1, 'a cached image is not fetched again');
  });

  it('fetches once for concurrent boots of the same image', async () => {
    const store = new Store(new Map([['img-1', { record: record('img-1', good), serve: good }]]));
    const cache = new ImageCache(dir, store);
    const paths = await Promise.all(Array.from({ length: 8 }, () => cache.fetch('img-1')));
    assert.equal(new Set(paths).size, 1);
    assert.equal(store.fetches, 1);
    assert.deepEqual(readdirSync(join(dir, '_base')), [paths[0]!.split('/').pop()]);
  });

  it('keeps nothing when the data does not match the checksums, and tries again next time', async () => {
    const corrupt = Buffer.from(good);
    corrupt[3] ^= 0xff;
    const images = new Map([['img-1', { record: record('img-1', good), serve: corrupt }]]);
    const store = new Store(images);
    const cache = new ImageCache(dir, store);
    const results = await Promise.allSettled([cache.fetch('img-1'), cache.fetch('img-1')]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof ImageChecksumError, String((r as PromiseRejectedResult).reason));
    }
    assert.equal(store.fetches, 1);
    assert.deepEqual(readdirSync(join(dir, '_base')), [], 'no partial or bad file is left in _base');
    images.set('img-1', { record: record('img-1', good), serve: good });
    assert.deepEqual(readFileSync(await cache.fetch('img-1')), good);
    assert.equal(store.fetches, 2);
  });

  it('refuses data of the wrong size even when no checksum was recorded', async () => {
    const rec = { ...record('img-2', good), checksum: null, os_hash_value: null };
    const store = new Store(new Map([['img-2', { record: rec, serve: good.subarray(1) }]]));
    await assert.rejects(new ImageCache(dir, store).fetch('img-2'), ImageChecksumError);
    assert.deepEqual(readdirSync(join(dir, '_base')), []);
  });
});
