/**
 * `node dist/bench/s3/layer-cpu.js [N]`: the CPU of the S3 layer alone.
 * One S3 GET (SigV4 in the Authorization header, as aws-cli sends it) and
 * one Swift API GET (a tempauth token) at a time through the two filters
 * where their paths differ, `s3api` then `tempauth`, in front of a stub app
 * that answers a 4 KiB object as an object server would. No sockets, no
 * storage nodes: what is left is the S3 layer's own work per request (the
 * request parsed, the signature read and checked, the Swift request made,
 * the answer's headers translated) against tempauth's token check (from its
 * in-memory cache here, no memcached round trip). Batches of N alternate,
 * 5 rounds; medians of `process.cpuUsage` µs per request.
 */
import { FILTERS, type SwiftRequest, type SwiftResponse } from '../../proxy/index.js';
import { silentLogger } from '../../common/index.js';
import type { PipelineContext } from '../../proxy/types.js';
import { EMPTY_SHA256, sigv4Encode, v4Signer } from '../load/sigv4-sign.js';
import { median } from '../report/stats.js';

const N = Number(process.argv[2] ?? 20000);
const HOST = '127.0.0.1:8080';
const BODY = Buffer.alloc(4096);
const info: Record<string, Record<string, unknown>> = {};
const ctx: PipelineContext = { logger: silentLogger, now: Date.now, info, registerInfo: (n, d) => (info[n] = d), ownPaths: new Set() };
const stub = async (): Promise<SwiftResponse> => ({
  status: 200,
  headers: {
    'content-length': '4096', 'content-type': 'application/octet-stream', etag: '620f0b67a91f7f74151bc5be745b7110',
    'last-modified': 'Sat, 05 Dec 2026 16:00:00 GMT', 'x-timestamp': '1796486400.12345', 'accept-ranges': 'bytes',
    'x-object-sysmeta-s3api-checksum-crc64nvme': 'AAAAAAAAAAA=',
  },
  body: BODY,
});
const tempauth = await FILTERS.get('tempauth')!({ user_admin_admin: 'admin .admin .reseller_admin' }, ctx);
const s3api = await FILTERS.get('s3api')!({}, ctx);
const app = s3api(tempauth(stub));
const req = (path: string, headers: Record<string, string>, i: number): SwiftRequest => ({ method: 'GET', path, query: '', headers, remoteAddr: '127.0.0.1', env: { transId: `tx${i}` } });
const token = (await app(req('/auth/v1.0', { 'x-auth-user': 'admin:admin', 'x-auth-key': 'admin' }, 0))).headers['x-auth-token'];
const signer = v4Signer({ accessKey: 'admin:admin', secretKey: 'admin', region: 'us-east-1' }, 'GET', HOST, EMPTY_SHA256);
const make = {
  s3: (i: number) => {
    const path = `/bench/s3-seed-${i % 200}`;
    return req(path, { host: HOST, 'user-agent': 'x', ...signer.headers, authorization: signer.authorizationPrefix + signer.signature(sigv4Encode(path, true)) }, i);
  },
  swift: (i: number) => req(`/v1/AUTH_admin/bench/swift-seed-${i % 200}`, { host: HOST, 'user-agent': 'x', 'x-auth-token': token }, i),
};

async function run(path: 's3' | 'swift', n: number): Promise<number> {
  const reqs = Array.from({ length: n }, (_, i) => make[path](i));
  const t0 = process.cpuUsage();
  for (const r of reqs) {
    const resp = await app(r);
    if (resp.status !== 200) throw new Error(`${path} GET: ${resp.status}`);
  }
  const c = process.cpuUsage(t0);
  return (c.user + c.system) / n;
}

await run('s3', 2000);
await run('swift', 2000);
const us = { s3: [] as number[], swift: [] as number[] };
for (let r = 0; r < 5; r++) for (const p of r % 2 ? (['s3', 'swift'] as const) : (['swift', 's3'] as const)) us[p].push(await run(p, N));
const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' ');
console.log(`s3api + tempauth, µs CPU per GET (median of 5 × ${N}): S3 ${median(us.s3).toFixed(1)} (${list(us.s3)}), ` +
  `Swift API ${median(us.swift).toFixed(1)} (${list(us.swift)}); S3 − Swift API ${(median(us.s3) - median(us.swift)).toFixed(1)}`);
