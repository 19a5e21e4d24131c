/**
 * A small keep-alive HTTP client for HEAD, run as its own process: wrk
 * 4.1 cannot read a HEAD response (it waits for the Content-Length body
 * that never comes). Same job, same output line as the Lua script.
 *
 *   node head-client.js '<WrkJob as JSON>'
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WrkJob } from './wrk.js';
import { percentile } from '../report/stats.js';

const job = JSON.parse(process.argv[2]) as WrkJob;
const url = new URL(job.url);
const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
const counts = job.counts ?? [0];
const latencies: number[] = [];
let ok = 0;
let bad = 0;
let socketErrors = 0;
const t0 = performance.now();
const end = t0 + job.seconds * 1000;

function pickPath(): string {
  if (job.mode === 'static') return job.path;
  const t = 1 + Math.floor(Math.random() * counts.length);
  return `${job.path}${t}-${1 + Math.floor(Math.random() * counts[t - 1])}`;
}

function once(): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = request({ host: url.hostname, port: url.port, method: job.method, path: pickPath(), headers: job.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - start);
        if ((res.statusCode ?? 500) < 300) ok++;
        else if (++bad <= 3) process.stdout.write(`BADRESPONSE ${res.statusCode}\n`);
        resolve();
      });
    });
    req.on('error', () => {
      socketErrors++;
      resolve();
    });
    req.end();
  });
}

async function loop(): Promise<void> {
  while (performance.now() < end) await once();
}

await Promise.all(Array.from({ length: job.connections }, loop));
const durationUs = Math.round((performance.now() - t0) * 1000);
agent.destroy();
const us = (ms: number): number => Math.round(ms * 1000);
const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
process.stdout.write(`BENCHJSON ${JSON.stringify({
  requests: ok + bad, durationUs, ok, bad, socketErrors,
  p50Us: us(percentile(latencies, 50)), p99Us: us(percentile(latencies, 99)), meanUs: us(mean), counts,
})}\n`);
