/**
 * Encryption streams: a 256 MiB object PUT and GET through our proxy with
 * keymaster + encryption (its own process, over swiftly's storage servers),
 * the MD5 checked both ways, and the proxy's peak RSS under 150 MiB, as
 * without encryption (proxy-memory.test.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { measureProxyMemory } from '../../bench/memory/measure.js';
import { MIB } from '../../bench/memory/rss.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats tempauth copy slo dlo keymaster encryption proxy-server';

let cluster: SwiftCluster | undefined;
let proxyPid = 0;
before(async () => {
  cluster = await SwiftCluster.start({ backend: 'swiftly' });
  proxyPid = (await cluster.startProxyProcess('', PIPELINE, { keymaster: { encryption_root_secret: randomBytes(32).toString('base64') } })).proc.pid!;
});
after(() => cluster?.stop());

test('a 256 MiB encrypted PUT and GET keep the proxy under 150 MiB RSS', { timeout: 300_000 }, async () => {
  const c = cluster!;
  const r = await measureProxyMemory({ authUrl: c.authUrl, user: c.user, key: c.key, proxyPid, size: 256 * MIB });
  assert.equal(r.size, 256 * MIB);
  assert.ok(r.peak > 0, 'RSS was read');
  assert.ok(r.peak < 150 * MIB, `proxy peak RSS ${(r.peak / MIB).toFixed(1)} MiB`);
});
