/**
 * The S3 workloads (issue 20, point 8), through each system's s3api with
 * SigV4 header auth: 4 KiB PUT (new keys) and GET (random
 * keys of that PUT) at the Swift-API workloads' concurrencies, and a 1 GiB
 * multipart upload (8 MiB parts, 10 at once: aws-cli's defaults) and its
 * download as 8 MiB ranged GETs, 10 at once (aws-cli's `s3 cp` download).
 * The 4 KiB ones run in wrk, each request signed ahead (s3-signed.ts); the
 * multipart ones in s3-client.ts.
 */
import { ADMIN } from '../cluster/layout.js';
import type { S3Credentials } from './sigv4-sign.js';
import { measured, type BenchOptions, type ClusterState, type Workload } from './workloads.js';

/** tempauth's S3 key pair: access key <account>:<user>, secret the user's key. */
const CREDENTIALS: S3Credentials = { accessKey: ADMIN.user, secretKey: ADMIN.key, region: 'us-east-1' };
const GIB = 2 ** 30;
const PART = 8 * 2 ** 20;
const PARALLEL = 10;
const MPU_KEY = '/big/s3-mpu-1g';

const s3Puts = new WeakMap<ClusterState, Map<number, { prefix: string; pickable: number[] }>>();
const uploaded = new WeakSet<ClusterState>();

function smallObjectWorkloads(o: BenchOptions, conc: number): Workload[] {
  const s3 = { credentials: CREDENTIALS };
  return [
    {
      name: `S3 4 KiB PUT c${conc}`, unit: 'op/s',
      run: async (s, round) => {
        const prefix = `/bench/s3-r${round}c${conc}-`;
        const { sample, result } = await measured(s, { mode: 'put', method: 'PUT', path: prefix, connections: conc, seconds: o.seconds, bodySize: 4096, s3 });
        // As the Swift API PUT: the last request of each connection may have been cut at the end; GETs pick below those.
        const cut = Math.ceil(conc / result.counts.length);
        const map = s3Puts.get(s) ?? new Map<number, { prefix: string; pickable: number[] }>();
        map.set(conc, { prefix, pickable: result.counts.map((n) => Math.max(1, n - cut)) });
        s3Puts.set(s, map);
        return sample;
      },
    },
    {
      name: `S3 4 KiB GET c${conc}`, unit: 'op/s',
      run: async (s) => {
        const last = s3Puts.get(s)?.get(conc);
        if (!last) throw new Error(`no S3 PUT at c${conc} before`);
        return (await measured(s, { mode: 'pick', method: 'GET', path: last.prefix, counts: last.pickable, connections: conc, seconds: o.seconds, s3 })).sample;
      },
    },
  ];
}

export function s3Workloads(o: BenchOptions): Workload[] {
  const list = [...smallObjectWorkloads(o, 32), ...smallObjectWorkloads(o, 128)];
  if (o.quick) return list;
  // One transfer at a time (connections 1: the rate is the size over the mean transfer), its parts 10 at once.
  const s3 = { credentials: CREDENTIALS, objectSize: GIB, partSize: PART, parallel: PARALLEL };
  const job = (mode: 'multipart-put' | 'multipart-get') => ({ mode, method: mode === 'multipart-put' ? 'PUT' : 'GET', path: MPU_KEY, connections: 1, seconds: 4 * o.seconds, s3 });
  list.push(
    {
      name: 'S3 1 GiB multipart PUT (8 MiB parts × 10)', unit: 'MB/s',
      run: async (s) => {
        const { sample } = await measured(s, job('multipart-put'), GIB);
        if (sample.ops) uploaded.add(s);
        return sample;
      },
    },
    {
      name: 'S3 1 GiB multipart GET (8 MiB ranges × 10)', unit: 'MB/s',
      run: async (s) => {
        if (!uploaded.has(s)) {
          // --only "multipart GET": upload it once, untimed.
          await measured(s, { ...job('multipart-put'), seconds: 0 }, GIB);
          uploaded.add(s);
        }
        return (await measured(s, job('multipart-get'), GIB)).sample;
      },
    },
  );
  return list;
}
