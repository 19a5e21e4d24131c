import { existsSync } from 'node:fs';
import { MAX_BALANCE, readRingFile, type BuilderDevice, type RingData } from '../../../ring/index.js';
import { EXIT_SUCCESS, RingBuilderCommand } from '../../ring-builder/command.js';
import { deviceTable, fixed, timedelta } from '../../ring-builder/format.js';

/** A canonical form of ring data for "is the ring file up to date?". */
function ringKey(ring: RingData): string {
  const sortKeys = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
      : Array.isArray(v) ? v.map(sortKeys) : v;
  return JSON.stringify({
    devs: sortKeys(ring.devs),
    shift: ring.partShift,
    next: ring.nextPartPower ?? null,
    version: ring.version ?? null,
    r2p2d: ring.replica2part2dev.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')),
  });
}

/** `swift-ring-builder <builder>`: the builder summary; given only a `.ring.gz`, the ring's. */
export default class RingShow extends RingBuilderCommand {
  static override description = "Show the builder's summary and device table (swift-ring-builder <builder_file>); a .ring.gz without its builder shows the ring.";
  static override examples = ['<%= config.bin %> ring show object.builder', '<%= config.bin %> ring show object.ring.gz'];

  protected override usage(): string {
    return 'swift-ring-builder <builder_file>\n    Shows information about the ring and the devices within.';
  }

  private ringOnly(): boolean {
    return !existsSync(this.builderFile) && this.argv[0]?.endsWith('.ring.gz') === true && existsSync(this.ringFile);
  }

  protected override announceBuilderFile(): boolean {
    return !this.ringOnly();
  }

  protected override main(): number {
    if (this.ringOnly()) return this.showRing();
    const b = this.builder;
    this.log(`${this.builderFile}, build version ${b.version}, id ${b.state.id ?? '(not assigned)'}`);
    const devs = b.liveDevs();
    let balance = 0;
    let emptyError: string | null = null;
    let perDev = new Map<number, number>();
    try {
      balance = b.getBalance();
      perDev = b.balancePerDev();
    } catch (err) {
      emptyError = (err as Error).message;
    }
    const regions = new Set(devs.map((d) => d.region)).size;
    const zones = new Set(devs.map((d) => `${d.region}/${d.zone}`)).size;
    const dispersion = b.dispersion === null ? '' : `, ${fixed(b.dispersion, 2)} dispersion`;
    this.log(
      `${b.parts} partitions, ${fixed(b.replicas, 6)} replicas, ${regions} regions, ${zones} zones, ` +
        `${devs.length} devices, ${fixed(balance, 2)} balance${dispersion}`,
    );
    this.log(
      `The minimum number of hours before a partition can be reassigned is ${b.minPartHours} ` +
        `(${timedelta(b.minPartSecondsLeft())} remaining)`,
    );
    this.log(`The overload factor is ${fixed(b.overload * 100, 2)}% (${fixed(b.overload, 6)})`);
    if (!existsSync(this.ringFile)) {
      this.log(`Ring file ${this.ringFile} not found, probably it hasn't been written yet`);
    } else {
      try {
        const same = ringKey(readRingFile(this.ringFile)) === ringKey(b.getRing());
        this.log(`Ring file ${this.ringFile} is ${same ? 'up-to-date' : 'obsolete'}`);
      } catch (err) {
        this.log(`Ring file ${this.ringFile} is invalid: ${(err as Error).message}`);
      }
    }
    const removing = new Set(b.removeDevs);
    for (const line of deviceTable(devs, (d) => perDev.get(d.id) ?? 0, (d) => (removing.has(d.id) ? 'DEL' : ''))) {
      this.log(line);
    }
    const next = b.state.nextPartPower;
    if (next !== null && next === b.partPower + 1) {
      this.log(`\nPreparing increase of partition power (${b.partPower} -> ${next})`);
    }
    if (emptyError) this.log(emptyError);
    return EXIT_SUCCESS;
  }

  /** The summary of a ring file alone: its devices and how many partitions each holds. */
  private showRing(): number {
    const ring = readRingFile(this.ringFile);
    const parts = 2 ** (32 - ring.partShift);
    const counts = new Map<number, number>();
    let slots = 0;
    for (const p2d of ring.replica2part2dev) {
      slots += p2d.length;
      for (const id of p2d) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const devs: BuilderDevice[] = ring.devs.filter((d) => d !== null).map((d) => ({ ...d!, parts: counts.get(d!.id) ?? 0 }));
    const totalWeight = devs.reduce((sum, d) => sum + d.weight, 0);
    const balanceOf = (d: BuilderDevice): number => {
      if (!d.weight) return d.parts ? MAX_BALANCE : 0;
      return (100 * d.parts) / ((d.weight * slots) / totalWeight) - 100;
    };
    const balance = devs.reduce((worst, d) => Math.max(worst, Math.abs(balanceOf(d))), 0);
    this.log(`${this.ringFile}, build version ${ring.version ?? 0}`);
    this.log(
      `${parts} partitions, ${fixed(slots / parts, 6)} replicas, ${new Set(devs.map((d) => d.region)).size} regions, ` +
        `${new Set(devs.map((d) => `${d.region}/${d.zone}`)).size} zones, ${devs.length} devices, ${fixed(balance, 2)} balance`,
    );
    for (const line of deviceTable(devs, balanceOf)) this.log(line);
    return EXIT_SUCCESS;
  }
}
