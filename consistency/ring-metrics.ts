/**
 * The rings on /metrics of the daemons' process: for each `.ring.gz` in the
 * swift_dir of a running daemon, its balance and dispersion and each
 * device's weight, partitions and balance (what `swift-ring-builder` prints),
 * read when scraped (a ring is parsed again only when its file changed).
 * Here rather than in storage's /recon: storage never reads rings (it may
 * import common/ only), the daemons do.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gauge } from '../common/index.js';
import { readRingFile, ringSummary, type RingSummary } from '../ring/index.js';

const dirs = new Map<string, number>();
const cache = new Map<string, { stamp: string; summary: RingSummary }>();

/** Summaries of the rings in `dir`, by ring name (`object`, `object-1`, `container`, `account`). */
export function ringSummaries(dir: string): Map<string, RingSummary> {
  const out = new Map<string, RingSummary>();
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.ring.gz')).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      const stamp = `${st.mtimeMs}:${st.size}`;
      let entry = cache.get(path);
      if (entry?.stamp !== stamp) cache.set(path, (entry = { stamp, summary: ringSummary(readRingFile(path)) }));
      out.set(name.slice(0, -'.ring.gz'.length), entry.summary);
    } catch {
      // a ring being replaced or unreadable: left out of this scrape
    }
  }
  return out;
}

const DEVICE_LABELS = ['ring', 'id', 'region', 'zone', 'ip', 'port', 'device'] as const;
type Summaries = [ring: string, summary: RingSummary][];

function allSummaries(): Summaries {
  const seen = new Map<string, RingSummary>();
  for (const dir of dirs.keys()) for (const [ring, s] of ringSummaries(dir)) if (!seen.has(ring)) seen.set(ring, s);
  return [...seen];
}

function perRing(name: string, help: string, value: (s: RingSummary) => number): void {
  gauge(name, help, ['ring'], {
    aggregator: 'max',
    collect() {
      this.reset();
      for (const [ring, s] of allSummaries()) this.set({ ring }, value(s));
    },
  });
}

function perDevice(name: string, help: string, value: (d: RingSummary['devices'][number]) => number): void {
  gauge(name, help, DEVICE_LABELS, {
    aggregator: 'max',
    collect() {
      this.reset();
      for (const [ring, s] of allSummaries()) {
        for (const d of s.devices) {
          this.set({ ring, id: String(d.id), region: String(d.region), zone: String(d.zone), ip: d.ip, port: String(d.port), device: d.device }, value(d));
        }
      }
    },
  });
}

perRing('swiftly_ring_balance_percent', "The ring's worst device balance: how far a device's partitions are from its share by weight (swift-ring-builder's balance)", (s) => s.balance);
perRing('swiftly_ring_dispersion_percent', 'Part-replicas placed worse than their tiers allow, percent (swift-ring-builder\'s dispersion)', (s) => s.dispersion);
perRing('swiftly_ring_replicas', "The ring's replica count", (s) => s.replicas);
perRing('swiftly_ring_part_power', "The ring's partition power", (s) => s.part_power);
perDevice('swiftly_ring_device_weight', "A ring device's weight", (d) => d.weight);
perDevice('swiftly_ring_device_partitions', 'Partition-replicas the ring assigns to a device', (d) => d.parts);
perDevice('swiftly_ring_device_balance_percent', "A device's balance: its partitions against its share by weight, percent", (d) => d.balance);

/** Shows the rings of `swiftDir` on /metrics until the returned function is called. */
export function watchRings(swiftDir: string): () => void {
  dirs.set(swiftDir, (dirs.get(swiftDir) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const n = (dirs.get(swiftDir) ?? 1) - 1;
    if (n > 0) dirs.set(swiftDir, n);
    else dirs.delete(swiftDir);
  };
}
