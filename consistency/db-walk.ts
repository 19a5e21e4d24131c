/**
 * Walks the DBs of a datadir (`containers` / `accounts`, or the links of
 * `sync_containers`) on the usable
 * devices: `<device>/<datadir>/<part>/<suffix>/<hash>/<hash>.db`.
 */
import { join } from 'node:path';
import { listDir, usableDevices } from './devices.js';

export interface DbLocation {
  device: string;
  devicePath: string;
  partition: number;
  hash: string;
  dbFile: string;
}

const HASH_RE = /^[0-9a-f]{32}$/;

export async function* walkDbs(
  devices: string, mountCheck: boolean, datadir: 'containers' | 'accounts' | 'sync_containers', only?: Set<string>, signal?: AbortSignal,
  onUnusable?: (device: string) => void,
): AsyncGenerator<DbLocation> {
  for (const { device, path: devicePath } of await usableDevices(devices, mountCheck, only, onUnusable)) {
    const root = join(devicePath, datadir);
    for (const part of await listDir(root)) {
      if (!/^\d+$/.test(part)) continue;
      for (const suffix of await listDir(join(root, part))) {
        for (const hash of await listDir(join(root, part, suffix))) {
          if (signal?.aborted) return;
          if (!HASH_RE.test(hash)) continue;
          yield { device, devicePath, partition: Number(part), hash, dbFile: join(root, part, suffix, hash, `${hash}.db`) };
        }
      }
    }
  }
}
