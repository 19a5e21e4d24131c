/**
 * The S3 multipart load generator, run as its own process like
 * head-client.ts (so its CPU is not the servers'): keep-alive HTTP/1.1,
 * every request signed with SigV4 in the Authorization header as it goes,
 * as aws-cli/boto3 sign (multipart parts UNSIGNED-PAYLOAD, as aws-cli
 * sends them over https, so neither server spends its CPU hashing 1 GiB
 * for the client; Complete's XML body hashed). Same job and BENCHJSON line
 * as the wrk script. (The 4 KiB S3 workloads run in wrk: s3-signed.ts.)
 *
 *   node s3-client.js '<WrkJob with s3 as JSON>'
 *
 * Modes: multipart-put (whole uploads of s3.objectSize in s3.partSize
 * parts, s3.parallel at once, until the time is up; the object is deleted,
 * untimed, before each upload after the first) and multipart-get (the
 * object read whole as s3.parallel ranged GETs of s3.partSize, as aws-cli
 * downloads).
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { WrkJob } from './wrk.js';
import { percentile } from '../report/stats.js';
import { EMPTY_SHA256, sigv4Encode, signV4, UNSIGNED_PAYLOAD } from './sigv4-sign.js';

const job = JSON.parse(process.argv[2]) as WrkJob;
if (!job.s3) throw new Error('s3-client needs job.s3');
const s3 = job.s3;
const url = new URL(job.url);
const host = url.host;
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(job.connections, s3.parallel ?? 1) });
const latencies: number[] = [];
let ok = 0;
let bad = 0;
let socketErrors = 0;

interface Answer { status: number; body: string; bytes: number }

/** One signed request; the answer's body kept when small (XML), only counted when big. */
function send(method: string, path: string, query: Record<string, string>, body?: Buffer, payloadHash?: string, extra: Record<string, string> = {}): Promise<Answer> {
  const encoded = sigv4Encode(path, true);
  const qs = Object.keys(query).map((k) => (query[k] === '' ? sigv4Encode(k) : `${sigv4Encode(k)}=${sigv4Encode(query[k])}`)).join('&');
  const hash = payloadHash ?? (body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256);
  const headers: Record<string, string> = { ...extra, ...signV4(s3.credentials, method, host, encoded, query, hash) };
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: qs ? `${encoded}?${qs}` : encoded, headers, agent }, (res: IncomingMessage) => {
      let text = '';
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (text.length < 4096) text += d.toString('latin1');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 500, body: text, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const t0 = performance.now();
const end = t0 + job.seconds * 1000;

/** Runs `task(i)` for i < n, `parallel` at a time; throws on the first failure. */
async function inParallel(n: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, async () => {
    while (next < n) await task(next++);
  }));
}

function expect(a: Answer, what: string): Answer {
  if (a.status >= 300) throw new Error(`${what}: ${a.status} ${a.body.slice(0, 300)}`);
  return a;
}

async function multipartUpload(size: number, partSize: number, parallel: number): Promise<void> {
  const init = expect(await send('POST', job.path, { uploads: '' }), 'CreateMultipartUpload');
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1];
  if (!uploadId) throw new Error(`no UploadId in ${init.body}`);
  const parts = Math.ceil(size / partSize);
  const etags: string[] = [];
  const block = randomBytes(partSize);
  await inParallel(parts, parallel, async (i) => {
    const body = Buffer.from(block.subarray(0, Math.min(partSize, size - i * partSize)));
    body.writeUInt32BE(i, 0); // no two parts alike
    const a = expect(await send('PUT', job.path, { partNumber: String(i + 1), uploadId }, body, UNSIGNED_PAYLOAD), `UploadPart ${i + 1}`);
    void a;
  });
  // The part ETags are each part's MD5, so they need no answer headers kept.
  for (let i = 0; i < parts; i++) {
    const body = Buffer.from(block.subarray(0, Math.min(partSize, size - i * partSize)));
    body.writeUInt32BE(i, 0);
    etags.push(createHash('md5').update(body).digest('hex'));
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${e}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const done = expect(await send('POST', job.path, { uploadId }, Buffer.from(xml)), 'CompleteMultipartUpload');
  // Complete answers 200 and may still carry an error in its body (S3's rule).
  if (!done.body.includes('CompleteMultipartUploadResult')) throw new Error(`CompleteMultipartUpload: ${done.body.slice(0, 300)}`);
}

async function rangedDownload(size: number, partSize: number, parallel: number): Promise<void> {
  const parts = Math.ceil(size / partSize);
  let got = 0;
  await inParallel(parts, parallel, async (i) => {
    const first = i * partSize;
    const last = Math.min(size, first + partSize) - 1;
    // Not `got += await …`: that reads `got` before the wait and loses the other ranges' bytes.
    const a = expect(await send('GET', job.path, {}, undefined, undefined, { range: `bytes=${first}-${last}` }), `GET part ${i + 1}`);
    got += a.bytes;
  });
  if (got !== size) throw new Error(`read ${got} bytes of ${size}`);
}

async function multipart(): Promise<void> {
  const size = s3.objectSize ?? 0;
  const partSize = s3.partSize ?? 8 * 2 ** 20;
  const parallel = s3.parallel ?? 10;
  let first = true;
  // At least one whole transfer, however long it takes.
  while (first || performance.now() < end) {
    if (job.mode === 'multipart-put' && !first) expect(await send('DELETE', job.path, {}), 'DELETE');
    const start = performance.now();
    try {
      await (job.mode === 'multipart-put' ? multipartUpload(size, partSize, parallel) : rangedDownload(size, partSize, parallel));
      latencies.push(performance.now() - start);
      ok++;
    } catch (err) {
      if (++bad <= 3) process.stdout.write(`BADRESPONSE ${(err as Error).message.replace(/\s+/g, ' ')}\n`);
      if (bad >= 3) break;
    }
    first = false;
  }
}

if (job.mode !== 'multipart-put' && job.mode !== 'multipart-get') throw new Error(`s3-client runs the multipart modes, not ${job.mode}`);
await multipart();
const durationUs = Math.round((performance.now() - t0) * 1000);
agent.destroy();
const us = (ms: number): number => Math.round(ms * 1000);
const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
process.stdout.write(`BENCHJSON ${JSON.stringify({
  requests: ok + bad, durationUs, ok, bad, socketErrors,
  p50Us: us(percentile(latencies, 50)), p99Us: us(percentile(latencies, 99)), meanUs: us(mean), counts: [ok],
})}\n`);
