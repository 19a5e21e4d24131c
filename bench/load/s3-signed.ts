/**
 * The 4 KiB S3 workloads' requests, signed ahead for wrk (S3_WRK_SCRIPT):
 * every path the run may send gets its own SigV4 Authorization in the
 * header, as aws-cli and boto3 send it, all with one x-amz-date taken just
 * before the run (well inside the servers' 15-minute clock-skew window). A
 * signature is a function of the request, not of when it is sent, so the
 * server's work is the same as for a client signing each request as it
 * goes: it parses the header, builds the canonical request, hashes it and
 * checks the HMAC, every time; and for a PUT it hashes the body to check
 * x-amz-content-sha256. What moves off the test machine's CPUs is the
 * client's signing: a Node generator signing each request used 2.7 times
 * the CPU wrk uses for the Swift API workloads, on the 2 CPUs the cluster
 * under test runs on. The same wrk, script and connections then drive the
 * Swift API and S3 workloads alike.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WrkJob } from './wrk.js';
import { EMPTY_SHA256, sigv4Encode, v4Signer } from './sigv4-sign.js';

/** PUT names signed per wrk thread and second of the run: over 4 times the best 4 KiB PUT rate seen (448 op/s on 2 threads; a thread stops there). */
const PUTS_PER_THREAD_SECOND = 1000;

/** The wrk script's 4 KiB body (`string.rep("x", size)`), whose SHA-256 a PUT sends. */
function bodyHash(size: number): string {
  return size > 0 ? createHash('sha256').update(Buffer.alloc(size, 'x')).digest('hex') : EMPTY_SHA256;
}

/** The paths the wrk script may send for `job` (its names <prefix><thread>-<n>), `threads` wrk threads. */
function paths(job: WrkJob, threads: number): string[] {
  const out: string[] = [];
  if (job.mode === 'put') {
    const perThread = Math.ceil(job.seconds * PUTS_PER_THREAD_SECOND);
    for (let t = 1; t <= threads; t++) for (let n = 1; n <= perThread; n++) out.push(`${job.path}${t}-${n}`);
  } else if (job.mode === 'pick') {
    (job.counts ?? []).forEach((count, i) => {
      for (let n = 1; n <= count; n++) out.push(`${job.path}${i + 1}-${n}`);
    });
  } else throw new Error(`S3 mode ${job.mode} is not wrk's (s3-client.ts runs it)`);
  return out;
}

/**
 * Writes the signatures of `job` into `dir` and returns the file, the
 * headers to add (x-amz-date, x-amz-content-sha256, the Authorization up
 * to its signature) and, for a PUT, the per-thread limit (the names signed).
 */
export function signS3Job(job: WrkJob, threads: number, dir: string): { file: string; headers: Record<string, string>; limit?: number } {
  const url = new URL(job.url);
  const signer = v4Signer(job.s3!.credentials, job.method, url.host, job.method === 'PUT' ? bodyHash(job.bodySize ?? 0) : EMPTY_SHA256);
  const lines = paths(job, threads).map((p) => `${p} ${signer.signature(sigv4Encode(p, true))}`);
  const file = join(dir, `s3-${process.pid}-${Date.now()}.sig`);
  writeFileSync(file, lines.join('\n') + '\n');
  return {
    file,
    headers: { Host: url.host, ...signer.headers, Authorization: signer.authorizationPrefix },
    ...(job.mode === 'put' ? { limit: Math.ceil(job.seconds * PUTS_PER_THREAD_SECOND) } : {}),
  };
}
