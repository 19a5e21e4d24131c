/**
 * The proxy streams: a 256 MiB object PUT and GET through our proxy (its
 * own process, over swiftly's storage servers) with the body generated on
 * the fly and the MD5 checked both ways, and the proxy's peak RSS (VmHWM)
 * under 150 MiB; the same as a static large object (16 MiB segments, the
 * whole's MD5 checked on GET). `npm run bench:memory` does the same with 5 GiB.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { measureProxyMemory } from '../../bench/memory/measure.js';
import { MIB } from '../../bench/memory/rss.js';

let cluster: SwiftCluster | undefined;
let proxyPid = 0;
before(async () => {
  cluster = await SwiftCluster.start({ backend: 'swiftly' });
  proxyPid = (await cluster.startProxyProcess()).proc.pid!;
});
after(() => cluster?.stop());

test('a 256 MiB PUT and GET keep the proxy under 150 MiB RSS', { timeout: 180_000 }, async () => {
  const c = cluster!;
  const r = await measureProxyMemory({ authUrl: c.authUrl, user: c.user, key: c.key, proxyPid, size: 256 * MIB });
  assert.equal(r.size, 256 * MIB);
  assert.ok(r.peak > 0, 'RSS was read');
  assert.ok(r.peak < 150 * MIB, `proxy peak RSS ${(r.peak / MIB).toFixed(1)} MiB`);
});

test('a 256 MiB SLO (16 MiB segments) PUT and GET keep the proxy under 150 MiB RSS', { timeout: 180_000 }, async () => {
  const c = cluster!;
  const r = await measureProxyMemory({ authUrl: c.authUrl, user: c.user, key: c.key, proxyPid, size: 256 * MIB, segmentSize: 16 * MIB });
  assert.equal(r.size, 256 * MIB);
  assert.ok(r.peak < 150 * MIB, `proxy peak RSS ${(r.peak / MIB).toFixed(1)} MiB`);
});
