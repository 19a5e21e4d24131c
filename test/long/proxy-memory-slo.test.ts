/**
 * The long version of proxy-memory.test.ts's SLO case: a 256 MiB static
 * large object PUT as 16 segments of 16 MiB, generated on the fly, then its
 * manifest, and GET whole through our proxy (its own process, over
 * swiftly's storage servers), the whole's MD5 checked and the proxy's peak
 * RSS (VmHWM) under 150 MiB. (npm test GETs an SLO made of ranges of an
 * object it has already PUT, so the segments cost no second 256 MiB PUT.)
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

test('a 256 MiB SLO (16 MiB segments) PUT and GET keep the proxy under 150 MiB RSS', { timeout: 300_000 }, async () => {
  const c = cluster!;
  const r = await measureProxyMemory({ authUrl: c.authUrl, user: c.user, key: c.key, proxyPid, size: 256 * MIB, segmentSize: 16 * MIB });
  assert.equal(r.size, 256 * MIB);
  assert.ok(r.peak > 0, 'RSS was read');
  assert.ok(r.peak < 150 * MIB, `proxy peak RSS ${(r.peak / MIB).toFixed(1)} MiB`);
});
