/**
 * Proof of the protocol: Debian's real swift-proxy-server drives three
 * swiftly object servers (and Debian's real container and account
 * servers) through rings built by Debian's swift-ring-builder.
 */
import { test, before, after } from 'node:test';
import { startCluster, type Cluster } from './helpers/swift-cluster.js';
import { checkObjectsThroughProxy } from './helpers/proxy-object-checks.js';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ dbServers: 'swift' });
});
after(() => cluster?.close());

test('Swift\'s proxy over swiftly object servers and Swift\'s container/account servers', { timeout: 120_000 }, async () => {
  await checkObjectsThroughProxy(cluster);
});
