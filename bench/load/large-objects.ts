/**
 * The large-object workloads (issue 19, point 10): a 1 GiB static large
 * object of 100 × 10 MiB segments read whole over one connection, beside a
 * plain 1 GiB object read the same way, on each system. The fixtures are
 * uploaded (untimed) before the first round that needs them.
 */
import { ADMIN } from '../cluster/layout.js';
import { putGenerated } from '../memory/stream-object.js';
import { measured, type BenchOptions, type ClusterState, type Workload } from './workloads.js';

const MIB = 1024 * 1024;
const SEGMENTS = 100;
const SEGMENT = 10 * MIB;
export const GIB = SEGMENTS * SEGMENT;

const ready = new WeakSet<ClusterState>();

async function uploadFixtures(s: ClusterState): Promise<void> {
  if (ready.has(s)) return;
  const auth = { storageUrl: `${s.cluster.url}/v1/${ADMIN.account}`, token: s.adminToken };
  const manifest = [];
  for (let i = 0; i < SEGMENTS; i++) {
    const name = `big/slo-seg/${String(i).padStart(3, '0')}`;
    const put = await putGenerated(auth, name, SEGMENT);
    if (put.status !== 201) throw new Error(`PUT ${name}: ${put.status}`);
    manifest.push({ path: `/${name}`, etag: put.md5, size_bytes: SEGMENT });
  }
  const res = await fetch(`${auth.storageUrl}/big/slo-1g?multipart-manifest=put`, {
    method: 'PUT', headers: { 'x-auth-token': s.adminToken }, body: JSON.stringify(manifest),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`manifest PUT: ${res.status}`);
  const plain = await putGenerated(auth, 'big/plain-1g', GIB);
  if (plain.status !== 201) throw new Error(`PUT big/plain-1g: ${plain.status}`);
  ready.add(s);
}

export function largeObjectWorkloads(o: BenchOptions): Workload[] {
  const get = (object: string) => async (s: ClusterState) => {
    await uploadFixtures(s);
    const path = `/v1/${ADMIN.account}/big/${object}`;
    // Four windows' worth: one transfer of a GiB must fit in it several times, even on a busy machine.
    return (await measured(s, { mode: 'static', method: 'GET', path, connections: 1, seconds: 4 * o.seconds, headers: { 'X-Auth-Token': s.adminToken } }, GIB)).sample;
  };
  return [
    { name: '1 GiB SLO GET c1 (100 × 10 MiB)', unit: 'MB/s', run: get('slo-1g') },
    { name: '1 GiB GET c1', unit: 'MB/s', run: get('plain-1g') },
  ];
}
