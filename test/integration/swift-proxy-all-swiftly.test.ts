/**
 * Proof of the protocol, issue 3 point 4: Debian's real swift-proxy-server
 * over an all-swiftly storage cluster (three swiftly object, container and
 * account servers) through rings built by Debian's swift-ring-builder.
 */
import { test, before, after } from 'node:test';
import { startCluster, type Cluster } from './helpers/swift-cluster.js';
import { checkObjectsThroughProxy } from './helpers/proxy-object-checks.js';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ dbServers: 'swiftly' });
});
after(() => cluster?.close());

test('Swift\'s proxy over swiftly object, container and account servers', { timeout: 120_000 }, async () => {
  await checkObjectsThroughProxy(cluster);
});
