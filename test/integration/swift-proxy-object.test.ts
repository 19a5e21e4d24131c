/**
 * Proof of the protocol: Debian's real swift-proxy-server drives three
 * swiftly object servers (and Debian's real container and account
 * servers) through rings in Swift's format written by our RingBuilder.
 */
import { test, before, after } from 'node:test';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { checkObjectsThroughProxy } from './helpers/proxy-object-checks.js';

let cluster: SwiftCluster | undefined;
before(async () => {
  cluster = await SwiftCluster.start({ backends: { object: 'swiftly', container: 'swift', account: 'swift' } });
  await cluster.startSwiftProxy();
});
after(() => cluster?.stop());

test('Swift\'s proxy over swiftly object servers and Swift\'s container/account servers', { timeout: 120_000 }, async () => {
  await checkObjectsThroughProxy(cluster!);
});
