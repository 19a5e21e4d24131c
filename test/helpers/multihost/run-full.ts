/**
 * `npm run test:multihost`: issue 24's scenarios on a six-host, two-region
 * bed, each under the mixed load, each followed by the ledger's checks,
 * with their figures printed (operations acknowledged, lost, stale,
 * resurrected, time to full replica health after the heal, GET latency
 * while the fault was on). Exits non-zero when any check fails.
 *
 * MULTIHOST_SECONDS (default 60) is how long each cut lasts.
 */
import { MultiHostBed } from './bed.js';
import { faults, figuresLine, runScenario, type Fault, type ScenarioFigures } from './scenario.js';
import { netnsUnavailable } from '../netns.js';
import { runComputeScenario } from './compute-scenario.js';

const seconds = Number(process.env.MULTIHOST_SECONDS ?? 60);

async function main(): Promise<number> {
  const why = await netnsUnavailable(['nft', 'ss']);
  if (why) throw new Error(why);
  const bed = await MultiHostBed.create({ hosts: 6, regions: 2, daemons: { replicatorInterval: 5, updaterInterval: 5 } });
  const failures: string[] = [];
  const all: ScenarioFigures[] = [];
  try {
    process.stdout.write(`${bed.describe()}\n`);
    const plan: [Fault, number][] = [
      [faults.cutHost(2), seconds],
      [faults.cutRegion(2), seconds],
      [faults.killHost(3), Math.max(10, seconds / 3)],
      [faults.delayHost(5, 200), Math.max(10, seconds / 2)],
    ];
    for (const [fault, during] of plan) {
      let f: ScenarioFigures;
      try {
        f = await runScenario(bed, fault, {
          load: { keys: 200, workers: 8, timeoutMs: 10_000 }, before: 5, during, after: 5, healthTimeoutMs: 300_000,
        });
      } catch (err) {
        failures.push(`${fault.name}: ${(err as Error).stack ?? String(err)}`);
        process.stdout.write(`${fault.name}: FAILED: ${(err as Error).message}\n`);
        continue;
      }
      all.push(f);
      process.stdout.write(`${figuresLine(f)}\n`);
      if (f.lost || f.stale || f.resurrected || f.healthMs < 0) failures.push(`${f.scenario}:\n  ${f.examples.join('\n  ')}`);
    }
    let onA = 0, onB = 0;
    for (const h of bed.hosts) {
      const c = await bed.replicationCounters(h.n);
      onA += c.netA;
      onB += c.netB;
    }
    process.stdout.write(`replication requests: ${onB} on the replication network, ${onA} on the storage network\n`);
    if (onA !== 0 || onB === 0) failures.push('replication left the replication network');
    const acked = all.reduce((s, f) => s + f.acked, 0);
    process.stdout.write(`total: ${acked} writes acknowledged, lost ${all.reduce((s, f) => s + f.lost, 0)}, stale ${all.reduce((s, f) => s + f.stale, 0)}\n`);
  } finally {
    await bed.teardown();
  }
  // Compute across hosts (point 5), on a three-host bed of its own.
  const compute = await runComputeScenario();
  process.stdout.write(`${compute.lines.join('\n')}\n`);
  if (!compute.ok) failures.push(`compute across hosts:\n  ${compute.lines.join('\n  ')}`);
  if (failures.length) process.stderr.write(`FAILED\n${failures.join('\n')}\n`);
  return failures.length ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
