/**
 * The cluster the real-client S3 sessions run against: `swiftly start`'s
 * all-in-one cluster (the layout and proxy-server.conf `npm start` writes,
 * storage servers, daemons and proxy each a child process), on free ports in
 * a temp dir, with one more tempauth user (`other:other`, no rights on the
 * admin's buckets) for the AccessDenied steps.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterPaths, ensureClusterLayout, NODE_COUNT, STORAGE_KINDS } from '../../cli/cluster/layout.js';
import { startAllInOne } from '../../cli/cluster/all-in-one.js';
import { freePort } from './swift-cluster.js';

export interface S3Cluster {
  /** The S3 endpoint, `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The admin's key pair (`admin:admin` and its key). */
  accessKey: string;
  secretKey: string;
  /** A second account's user, denied the admin's buckets. */
  otherAccessKey: string;
  otherSecretKey: string;
  /** A scratch folder for the clients' files and configs (removed by stop). */
  work: string;
  stop(): Promise<void>;
}

export async function startS3Cluster(): Promise<S3Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-s3-'));
  const work = mkdtempSync(join(tmpdir(), 'swiftly-s3-work-'));
  try {
    const paths = clusterPaths(join(dir, 'cluster'));
    const bind = { host: '127.0.0.1', port: await freePort() };
    const ports: number[] = [];
    for (let i = 0; i < STORAGE_KINDS.length * NODE_COUNT; i++) ports.push(await freePort());
    ensureClusterLayout(paths, bind, (kind, node) => ports[STORAGE_KINDS.indexOf(kind) * NODE_COUNT + node - 1]);
    const conf = readFileSync(paths.proxyConf, 'utf8');
    writeFileSync(paths.proxyConf, conf.replace(/^(user_admin_admin = .*)$/m, '$1\nuser_other_other = othersecret'), { mode: 0o600 });
    const cluster = await startAllInOne({ dir: paths.dir, bind });
    if (!cluster.s3Url) throw new Error('the all-in-one proxy has no s3api');
    return {
      endpoint: cluster.s3Url,
      accessKey: cluster.user,
      secretKey: cluster.key,
      otherAccessKey: 'other:other',
      otherSecretKey: 'othersecret',
      work,
      stop: async () => {
        await cluster.stop();
        rmSync(dir, { recursive: true, force: true });
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}
