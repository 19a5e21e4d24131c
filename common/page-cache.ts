/**
 * Dropping a file's pages from the kernel's page cache, as Swift's
 * drop_buffer_cache does with posix_fadvise(POSIX_FADV_DONTNEED): after a
 * PUT's data is fsynced, and behind the reads of an object too large to
 * keep cached. Node has no fadvise, so this is a small N-API addon
 * (`common/native/`, built by `npm install` with node-gyp) whose call runs
 * on the thread pool.
 *
 * Without the addon (not built, or a platform without fadvise) dropping is
 * a no-op, as Swift's is where libc lacks the call: nothing else changes,
 * the pages are only left for the kernel to reclaim.
 */
import { createRequire } from 'node:module';

interface PageCacheAddon {
  dropCache(fd: number, offset: number, length: number, cb: (err: number) => void): void;
  dropCacheSync(fd: number, offset: number, length: number): number;
  supported: boolean;
}

function loadAddon(): PageCacheAddon | undefined {
  const require = createRequire(import.meta.url);
  // From common/ (ts-node style) or dist/common/ (built): the addon sits beside the sources.
  for (const path of ['./native/build/Release/page_cache.node', '../../common/native/build/Release/page_cache.node']) {
    try {
      const addon = require(path) as PageCacheAddon;
      return addon.supported ? addon : undefined;
    } catch {
      // not there: the next place, or none
    }
  }
  return undefined;
}

const addon = loadAddon();

/** True when dropCache really drops pages (the addon is built and the platform has fadvise). */
export const canDropCache: boolean = addon !== undefined;

/**
 * Asks the kernel to drop the cached pages of `fd` in [offset, offset+length)
 * (length 0: to the end of the file). Dirty pages are not dropped, so call
 * it after an fsync of the range. Never rejects: like Swift's, a failed
 * drop only leaves the pages cached.
 */
export function dropCache(fd: number, offset = 0, length = 0): Promise<void> {
  if (!addon) return Promise.resolve();
  return new Promise((resolve) => addon.dropCache(fd, offset, length, () => resolve()));
}

/**
 * dropCache in the caller's thread, as Swift's hub makes the call: for a
 * small range (a read window of a megabyte, a small file), where the trip
 * to the thread pool would cost more than the call.
 */
export function dropCacheSync(fd: number, offset = 0, length = 0): void {
  addon?.dropCacheSync(fd, offset, length);
}
