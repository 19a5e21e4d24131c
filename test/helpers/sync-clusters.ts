/**
 * Two test clusters in one container-sync realm: each with its own rings,
 * ports and temp dir, both holding the same container-sync-realms.conf
 * (realm `test`, clusters `a` and `b` at their proxies), and our proxy with
 * the container_sync filter in front of each. swiftly's storage servers run
 * in the test's process (nothing here stops or freezes one).
 */
import { freePort, SwiftCluster, type Backend } from './swift-cluster.js';

export const SYNC_REALM_KEY = 'realm-secret';
export const SYNC_PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats container_sync tempauth copy slo dlo symlink proxy-server';

/** The realms file both clusters hold; servers look at it again every second. */
export function syncRealmsConf(portA: number, portB: number): string {
  return `[DEFAULT]\nmtime_check_interval = 1\n\n[test]\nkey = ${SYNC_REALM_KEY}\ncluster_a = http://127.0.0.1:${portA}/v1/\ncluster_b = http://127.0.0.1:${portB}/v1/\n`;
}

/** One side: its cluster, its proxy's port, the test:tester account's URL, and a request as that user. */
export interface SyncSide {
  cluster: SwiftCluster;
  port: number;
  url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export async function startSyncClusters(backends: { a: Backend; b: Backend }): Promise<{ a: SyncSide; b: SyncSide }> {
  const ports = { a: await freePort(), b: await freePort() };
  const files = { 'container-sync-realms.conf': syncRealmsConf(ports.a, ports.b) };
  // Both start at once; when one fails the other is stopped, or its servers would keep the test process alive.
  const started = await Promise.allSettled([
    SwiftCluster.start({ backend: backends.a, swiftDirFiles: files, inProcess: true }),
    SwiftCluster.start({ backend: backends.b, swiftDirFiles: files, inProcess: true }),
  ]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  const [A, B] = started.map((r) => (r as PromiseFulfilledResult<SwiftCluster>).value) as [SwiftCluster, SwiftCluster];
  const side = async (name: 'a' | 'b', cluster: SwiftCluster): Promise<SyncSide> => {
    const port = ports[name];
    await cluster.startProxy('', SYNC_PIPELINE, { container_sync: { swift_dir: cluster.swiftDir, current: `//test/${name}` } }, port);
    const token = await cluster.token();
    const url = `http://127.0.0.1:${port}/v1/AUTH_test`;
    return {
      cluster, port, url,
      fetch: (path, init = {}) => fetch(`${url}${path}`, { ...init, headers: { 'x-auth-token': token, ...(init.headers as Record<string, string>) } }),
    };
  };
  try {
    return { a: await side('a', A), b: await side('b', B) };
  } catch (err) {
    await Promise.all([A.stop(), B.stop()]);
    throw err;
  }
}
