/**
 * Image data throughput: upload/download through the image API (Glance v2,
 * streamed into the Swift store with md5+sha512) against plain Swift-API
 * PUT/GET of the same bytes, on an in-process swiftly cluster (3 nodes, 3
 * replicas) in a temp dir.
 * Run: `npm run build && node dist/bench/compute/images.js [MiB] [rounds]`
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { silentLogger } from '../../common/index.js';
import { GlanceImageService, startImageService } from '../../compute/image/index.js';
import { login, startSwiftlyCluster } from '../../test/integration/helpers/swiftly-cluster.js';

const MIB = Number(process.argv[2] ?? 64);
const ROUNDS = Number(process.argv[3] ?? 3);
const data = randomBytes(MIB * 1024 * 1024);
// Fed in 1 MiB chunks, like a file read stream (64 KiB reads would be slower for both sides equally).
const source = () => Readable.from((function* () { for (let o = 0; o < data.length; o += 1 << 20) yield data.subarray(o, o + (1 << 20)); })());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (ms: number) => (MIB / (ms / 1000)).toFixed(1);

async function time(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'swiftly-bench-img-'));
  const cluster = await startSwiftlyCluster();
  const images = await startImageService({
    config: {
      bindHost: '127.0.0.1', bindPort: 0, dbPath: join(tmp, 'images.sqlite'),
      auth: { strategy: 'tempauth', proxyUrl: cluster.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' },
      store: { authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin', container: 'glance', largeObjectSize: 5120 << 20, largeObjectChunkSize: 200 << 20 },
    },
    logger: silentLogger,
  });
  try {
    const user = await login(cluster.authUrl, 'test:tester', 'testing');
    const swift = { url: `${user.storageUrl}/bench`, headers: { 'x-auth-token': user.token } };
    await (await request(swift.url, { method: 'PUT', headers: swift.headers })).body.dump();
    const client = new GlanceImageService({ url: images.url, credentials: user });
    const r: Record<string, number[]> = { swiftPut: [], swiftGet: [], imagePut: [], imageGet: [] };
    for (let i = 0; i < ROUNDS; i++) {
      r.swiftPut.push(await time(async () => {
        const res = await request(`${swift.url}/obj${i}`, { method: 'PUT', headers: { ...swift.headers, 'content-length': String(data.length) }, body: source() });
        await res.body.dump();
        if (res.statusCode !== 201) throw new Error(`swift PUT ${res.statusCode}`);
      }));
      r.swiftGet.push(await time(async () => {
        const res = await request(`${swift.url}/obj${i}`, { headers: swift.headers });
        let n = 0;
        for await (const c of res.body) n += (c as Buffer).length;
        if (n !== data.length) throw new Error('short swift GET');
      }));
      const img = await client.create({ name: `bench${i}` });
      r.imagePut.push(await time(async () => { await client.upload(img.id, source(), { size: data.length }); }));
      r.imageGet.push(await time(async () => {
        // Verified as the libvirt driver would (md5 + sha512 on the client too).
        const { stream } = await client.download(img.id);
        for await (const _ of stream) { /* drain */ }
      }));
      await client.delete(img.id);
    }
    console.log(`${MIB} MiB object, median of ${ROUNDS} (MiB/s):`);
    console.log(`  plain Swift API   PUT ${rate(median(r.swiftPut))}   GET ${rate(median(r.swiftGet))}`);
    console.log(`  image API         PUT ${rate(median(r.imagePut))}   GET ${rate(median(r.imageGet))}  (GET verified md5+sha512 on the client)`);
  } finally {
    await images.stop();
    await cluster.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
