/**
 * The store of synced containers (Swift's `ContainerSyncStore`): for each
 * container DB with both X-Container-Sync-To and X-Container-Sync-Key, a
 * symlink to it at the same place under `<device>/sync_containers/`
 * instead of `<device>/containers/`. The container server and the
 * container replicator keep it up to date; the container-sync daemon walks
 * it, so a pass looks only at synced containers instead of opening every
 * DB on the node.
 */
import { lstatSync, mkdirSync, rmdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import type { ContainerBroker } from './container-broker.js';

export const SYNC_DATADIR = 'sync_containers';
const DATADIR = 'containers';

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** A path under a device as its device, datadir and the rest; undefined for one outside `devices`. */
function splitDevicePath(devices: string, path: string): { device: string; datadir: string; rest: string[] } | undefined {
  const parts = relative(normalize(devices), normalize(path)).split(sep);
  if (parts.length < 3 || parts[0] === '..') return undefined;
  return { device: parts[0], datadir: parts[1], rest: parts.slice(2) };
}

/** `<devices>/<device>/<from>/<rest>` as `<devices>/<device>/<to>/<rest>`; undefined for a path not of that form. */
function swapDatadir(devices: string, path: string, from: string, to: string): string | undefined {
  const p = splitDevicePath(devices, path);
  return p && p.datadir === from ? join(devices, p.device, to, ...p.rest) : undefined;
}

export class ContainerSyncStore {
  constructor(readonly devices: string) {}

  /** Where the link for a container DB goes. */
  syncedPath(dbFile: string): string | undefined {
    return swapDatadir(this.devices, dbFile, DATADIR, SYNC_DATADIR);
  }

  /** The container DB a link under sync_containers stands for. */
  containerPath(syncedFile: string): string | undefined {
    return swapDatadir(this.devices, syncedFile, SYNC_DATADIR, DATADIR);
  }

  add(dbFile: string): void {
    const link = this.syncedPath(dbFile);
    if (!link) return;
    try {
      lstatSync(link);
      return;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    mkdirSync(dirname(link), { recursive: true });
    try {
      symlinkSync(dbFile, link);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }

  /** Drops a container's link and the dirs it leaves empty, up to sync_containers itself. */
  remove(dbFile: string): void {
    const link = this.syncedPath(dbFile);
    if (!link) return;
    try {
      unlinkSync(link);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    const syncRoot = join(this.devices, splitDevicePath(this.devices, dbFile)!.device, SYNC_DATADIR);
    for (let dir = dirname(link); dir.length >= syncRoot.length; dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        break;
      }
    }
  }

  /**
   * Swift's `update_sync_store`: nothing for a container never set to sync
   * (neither header ever set: this runs for every container the replicator
   * sees); the link goes for a deleted container or one whose target or key
   * was cleared; it is made for one with both.
   */
  update(broker: ContainerBroker): void {
    const md = broker.metadata;
    if (!('X-Container-Sync-To' in md) && !('X-Container-Sync-Key' in md)) return;
    if (broker.isDeleted() || !md['X-Container-Sync-To']?.[0] || !md['X-Container-Sync-Key']?.[0]) this.remove(broker.dbFile);
    else this.add(broker.dbFile);
  }
}
