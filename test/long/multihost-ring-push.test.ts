/**
 * A ring change pushed to running hosts (issue 24 point 4): four hosts,
 * each with an rsync daemon serving its etc as module `swift`; under the
 * mixed load, host 4 is drained (weight 0, rebalance) and the new object
 * ring pushed with `swiftly ring push` to every host over the bed's
 * network. Nothing is restarted: the replicators must pick the ring up and
 * move host 4's partitions to their new primaries, the proxy must stop
 * writing to host 4, and the ledger must come out clean.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { MultiHostBed } from '../helpers/multihost/bed.js';
import { hostIpA } from '../helpers/multihost/network.js';
import { nodeState, objectRing } from '../helpers/multihost/replicas.js';
import { figuresLine, runScenario } from '../helpers/multihost/scenario.js';
import { operatorRing, ringChange, startRsyncDaemons } from '../helpers/multihost/ring-push.js';
import { netnsUnavailable } from '../helpers/netns.js';

const why = await netnsUnavailable(['nft', 'tc', 'ss', 'rsync']);
const md5 = (f: string): string => createHash('md5').update(readFileSync(f)).digest('hex');

describe('multi-host: a ring pushed to running servers', { skip: why }, () => {
  let bed: MultiHostBed;
  before(async () => {
    bed = await MultiHostBed.create({ hosts: 4, regions: 1, proxies: [1], servers: 'per-host', daemons: { replicatorInterval: 2, updaterInterval: 2 } });
    await startRsyncDaemons(bed);
  });
  after(async () => {
    await bed?.teardown();
  });

  it('drains a host under load: replicators and proxy reload the pushed ring, nothing lost', async () => {
    const drained = bed.host(4);
    const old = objectRing(bed);
    const container = 'ledger-drain-host-4';
    const probes: string[] = [];
    for (let i = 0; probes.length < 4; i++) {
      if (old.getNodes('AUTH_ledger', container, `probe-${i}`).nodes.some((n) => n.ip === drained.ip)) probes.push(`probe-${i}`);
    }
    const pushed: string[] = [];
    const drain = ringChange('drain host 4', (b) => {
      for (const d of b.searchDevs({ ip: hostIpA(4) })) b.setDevWeight(d.id, 0);
    }, pushed);
    const f = await runScenario(bed, drain, {
      load: { keys: 60, workers: 4, timeoutMs: 8000, container }, before: 4, during: 20, after: 2, healthTimeoutMs: 90_000,
    });
    console.log(figuresLine(f));
    console.log(pushed.join(''));
    assert.match(pushed[0], /ok +rsync:\/\/10\.231\.0\.14:873\/swift\/ \(rsync\)/);
    assert.doesNotMatch(pushed[0], /FAILED/);
    for (const h of bed.hosts) assert.equal(md5(join(h.paths.etc, 'object.ring.gz')), md5(operatorRing(bed, 'object')), `host ${h.n}'s ring`);
    assert.ok(f.acked >= 5, `too few writes acknowledged: ${f.acked}`);
    assert.deepEqual({ lost: f.lost, stale: f.stale, resurrected: f.resurrected }, { lost: 0, stale: 0, resurrected: 0 }, f.examples.join('\n'));
    // Health on the new ring: every key on its new primaries, and host 4 (no longer a primary of anything) emptied by the replicators.
    assert.ok(f.healthMs >= 0, `replicas not moved off host 4 within 90 s:\n${f.examples.join('\n')}`);
    const ring = objectRing(bed);
    assert.equal(ring.devs.find((d) => d?.ip === drained.ip)?.weight, 0);

    // The proxy, never restarted, writes by the new ring: a key host 4 was a primary of now lands on its new primaries only.
    for (const key of probes) {
      const res = await request(`${bed.host(1).proxyUrl}/v1/AUTH_ledger/${container}/${key}`, { method: 'PUT', body: key, dispatcher: bed.dispatcher });
      await res.body.dump();
      assert.equal(res.statusCode, 201, `PUT ${key}`);
      const { partition, nodes } = ring.getNodes('AUTH_ledger', container, key);
      assert.ok(!nodes.some((n) => n.ip === drained.ip));
      const path = `/AUTH_ledger/${container}/${key}`;
      const onDrained = await nodeState(bed, { ...nodes[0], ip: drained.ip, device: drained.paths.device }, partition, path);
      assert.equal(onDrained, null, `${key} written to the drained host: the proxy still uses the old ring`);
      for (const n of nodes) assert.notEqual(await nodeState(bed, n, partition, path), null, `${key} missing on its new primary ${n.ip}`);
    }
  });
});
