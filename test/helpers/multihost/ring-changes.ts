/**
 * Issue 24's ring changes, as scenario faults made the way an operator
 * makes them: the object builder under `<root>/rings` gets
 * `min_part_hours = 1`, and each step edits it, runs
 * `pretend_min_part_hours_passed` (the hour an operator would wait),
 * rebalances — so no partition moves more than one replica per step — and
 * `swiftly ring push`es the ring to every host's rsync daemon
 * (ring-push.ts). The servers are never restarted. Before the next step
 * the operator waits for replication to have moved the partitions: here,
 * until every server has had time to reload the ring and no device that
 * the step took a partition from still holds an object of it written
 * before the push. (Newer ones come and go all the time under the load:
 * the proxies' write_affinity puts objects on local handoffs, which the
 * replicators move to their primaries.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RELOAD_TIME, type RingBuilder } from '../../../ring/index.js';
import type { BedHost, MultiHostBed } from './bed.js';
import { STORAGE_PORTS } from './host-config.js';
import { pushOverRsync } from './ring-push.js';
import type { Fault } from './scenario.js';

export interface RingStep {
  what: string;
  /** Part-replicas the rebalance moved, and the most replicas of one partition it moved (1 with min_part_hours). */
  movedReplicas: number;
  maxMovedPerPart: number;
  balance: number;
  /** From the push to no device left holding a partition it lost (ms; -1: not within the limit). */
  settledMs: number;
}

/** One edit of the object builder; returns what it did, in words. */
export type RingEdit = (b: RingBuilder, bed: MultiHostBed) => string;

const placement = (b: RingBuilder): Set<number>[] =>
  Array.from({ length: b.parts }, (_, p) => new Set(b.getPartDevices(p).map((d) => d.id)));

const devOf = (b: RingBuilder, h: BedHost) => b.searchDevs({ ip: h.ip, device: h.paths.device })[0];

/** Sets host `n`'s object device to `weight`, adding the device (zone = host) when the ring lacks it. */
export const setWeight = (n: number, weight: number): RingEdit => (b, bed) => {
  const h = bed.host(n);
  const dev = devOf(b, h);
  if (dev) {
    const was = dev.weight;
    b.setDevWeight(dev.id, weight);
    return `host ${n}'s device weight ${was} → ${weight}`;
  }
  b.addDev({
    region: h.region, zone: h.zone, ip: h.ip, port: STORAGE_PORTS.object, replication_ip: h.replicationIp,
    replication_port: STORAGE_PORTS.object, device: h.paths.device, weight,
  });
  return `host ${n}'s device added, weight ${weight}`;
};

/** Removes host `n`'s object device from the ring. */
export const removeHost = (n: number): RingEdit => (b, bed) => {
  const dev = devOf(b, bed.host(n));
  if (!dev) throw new Error(`host ${n} has no device in the object ring`);
  b.removeDev(dev.id);
  return `host ${n}'s device removed`;
};

/** `objects/<part>` dirs of the devices the rebalance took a partition from (`before` → `after`: device ids per partition). */
function movedAway(bed: MultiHostBed, b: RingBuilder, before: Set<number>[], after: Set<number>[]): string[] {
  const dirs: string[] = [];
  before.forEach((devs, part) => {
    for (const id of devs) {
      if (after[part].has(id)) continue;
      const dev = b.devs[id];
      const h = bed.hosts.find((x) => x.ip === dev?.ip && x.paths.device === dev.device);
      if (h) dirs.push(join(h.paths.devices, h.paths.device, 'objects', String(part)));
    }
  });
  return dirs;
}

/** Whether `dir` holds, at any depth, a .data/.ts/.meta file whose timestamp is before `before` (seconds). */
function holdsOlder(dir: string, before: number): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // replicated away meanwhile
    throw err;
  }
  return entries.some((e) => e.isDirectory()
    ? holdsOlder(join(dir, e.name), before)
    : /\.(data|ts|meta)$/.test(e.name) && Number.parseFloat(e.name) < before);
}

/**
 * Waits until the servers can have reloaded the ring and none of `dirs`
 * holds an object written before the push; resolves with the time it took
 * (ms; -1: past the limit).
 */
async function waitForMoves(dirs: string[], timeoutMs: number, left: string[]): Promise<number> {
  const started = Date.now();
  const pushedAt = started / 1000;
  // A proxy or replicator still on the old ring (reloads come every reload_time) may write where the old ring said.
  await sleep((DEFAULT_RELOAD_TIME + 2) * 1000);
  for (;;) {
    left.splice(0, left.length, ...dirs.filter((d) => holdsOlder(d, pushedAt)));
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return -1;
    await sleep(1000);
  }
}

/**
 * A fault of ring changes, one rebalance and push per edit, each waited
 * out (replication done) before the next; `steps` gets each step's figures.
 * Throws when a step moves two replicas of a partition or does not settle.
 */
export function ringSteps(name: string, edits: RingEdit[], steps: RingStep[], settleTimeoutMs = 300_000): Fault {
  return {
    name,
    apply: async (bed) => {
      for (const edit of edits) {
        const b = bed.loadBuilder('object');
        if (b.minPartHours < 1) b.setMinPartHours(1);
        const before = placement(b);
        const what = edit(b, bed);
        b.pretendMinPartHoursPassed();
        const result = b.rebalance();
        const after = placement(b);
        let maxMovedPerPart = 0;
        after.forEach((devs, p) => {
          maxMovedPerPart = Math.max(maxMovedPerPart, [...devs].filter((d) => !before[p].has(d)).length);
        });
        const out = await pushOverRsync(bed, 'object', b);
        if (/FAILED/.test(out)) throw new Error(`${name}: ${what}: the push failed:\n${out}`);
        const left: string[] = [];
        const settledMs = await waitForMoves(movedAway(bed, b, before, after), settleTimeoutMs, left);
        steps.push({ what, movedReplicas: result.changedParts, maxMovedPerPart, balance: result.balance, settledMs });
        if (maxMovedPerPart > 1) throw new Error(`${name}: ${what}: a partition moved ${maxMovedPerPart} replicas in one rebalance`);
        if (settledMs < 0) throw new Error(`${name}: ${what}: partitions not moved within ${settleTimeoutMs / 1000} s: ${left.slice(0, 5).join(' ')}`);
      }
    },
    undo: async () => undefined,
  };
}

export function stepLine(s: RingStep): string {
  return `  ${s.what}: ${s.movedReplicas} part-replicas moved (at most ${s.maxMovedPerPart} of a partition), balance ${s.balance.toFixed(1)}, `
    + `replication done ${s.settledMs < 0 ? 'NOT within the limit' : `${(s.settledMs / 1000).toFixed(1)} s`} after the push`;
}
