/**
 * Proof of the protocol, issue 3 point 4: Debian's real swift-proxy-server
 * over an all-swiftly storage cluster (three swiftly object, container and
 * account servers) through rings in Swift's format written by our RingBuilder.
 */
import { test, before, after } from 'node:test';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { checkObjectsThroughProxy } from './helpers/proxy-object-checks.js';

let cluster: SwiftCluster | undefined;
before(async () => {
  cluster = await SwiftCluster.start({ backend: 'swiftly' });
  await cluster.startSwiftProxy();
});
after(() => cluster?.stop());

test('Swift\'s proxy over swiftly object, container and account servers', { timeout: 120_000 }, async () => {
  await checkObjectsThroughProxy(cluster!);
});
