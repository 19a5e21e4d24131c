/**
 * Six hosts in two regions (test/helpers/multihost): a host cut off for
 * 10 s under a mixed load through both proxies, then healed. The ledger
 * must come out clean — every acknowledged write on every primary and
 * through both proxies, nothing deleted back — and replication must have
 * travelled on the replication network only. (`npm run test:multihost`
 * runs the long scenarios.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MultiHostBed } from '../helpers/multihost/bed.js';
import { faults, figuresLine, runScenario } from '../helpers/multihost/scenario.js';
import { netnsUnavailable } from '../helpers/netns.js';

const why = await netnsUnavailable(['nft', 'tc', 'ss']);

describe('multi-host: a partition and its heal', { skip: why }, () => {
  let bed: MultiHostBed;
  before(async () => {
    bed = await MultiHostBed.create({ hosts: 6, regions: 2, servers: 'per-host', daemons: { replicatorInterval: 2, updaterInterval: 2 } });
  });
  after(async () => {
    await bed?.teardown();
  });

  it('loses nothing, serves nothing stale, and heals every replica', async () => {
    const f = await runScenario(bed, faults.cutHost(2), {
      load: { keys: 60, workers: 4, timeoutMs: 8000 }, before: 4, during: 10, after: 2, healthTimeoutMs: 60_000,
    });
    console.log(figuresLine(f));
    assert.ok(f.acked >= 5, `too few writes acknowledged: ${f.acked}`);
    assert.deepEqual({ lost: f.lost, stale: f.stale, resurrected: f.resurrected }, { lost: 0, stale: 0, resurrected: 0 }, f.examples.join('\n'));
    assert.ok(f.healthMs >= 0, `replicas not whole within 60 s of the heal:\n${f.examples.join('\n')}`);
    assert.ok(f.faultGetP99 < 5000, `GET p99 during the partition: ${f.faultGetP99} ms`);
  });

  it('replicates over the replication network only', async () => {
    let onB = 0;
    for (const h of bed.hosts) {
      const c = await bed.replicationCounters(h.n);
      assert.equal(c.netA, 0, `host ${h.n} got replication requests on the storage network`);
      onB += c.netB;
    }
    assert.ok(onB > 0, 'no replication request seen on the replication network');
  });
});
