/**
 * `workers = 2`: the primary owns the metrics port and answers with its
 * workers' metrics summed (prom-client's AggregatorRegistry), so one scrape
 * counts every request whichever worker served it — for a storage server
 * and for the proxy.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SWIFTLY_BIN, waitForPort } from '../helpers/swift-cluster.js';
import { eventually, promtoolProblems, sample, scrape } from '../helpers/metrics.js';
import { FIXED_SWIFT_CONF, writeRing } from '../../cli/cluster/layout.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftly-metrics-workers-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
writeFileSync(join(dir, 'swift.conf'), FIXED_SWIFT_CONF);

async function serve(kind: string, confText: string, port: number): Promise<void> {
  const conf = join(dir, `${kind}-server.conf`);
  writeFileSync(conf, confText);
  const child = spawn(process.execPath, [SWIFTLY_BIN, 'server', kind, conf], { stdio: 'ignore' });
  children.push(child);
  await waitForPort(port, child, `${kind}-server`, 60_000);
}

/** `n` requests, each on a new connection so both workers get some. */
async function hit(url: string, method: string, n: number, status: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { method, headers: { connection: 'close' } });
    await res.arrayBuffer();
    assert.equal(res.status, status);
  }
}

/** Waits until both workers answer the primary (a worker still starting makes the scrape fail), then scrapes. */
async function scrapeAll(port: number, check: (text: string) => boolean): Promise<string> {
  let text = '';
  await eventually('the workers\' metrics', async () => {
    text = await scrape(port).catch(() => '');
    return check(text);
  }, 20_000);
  return text;
}

test('an object server with workers = 2 sums its workers on one metrics port', async () => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  mkdirSync(join(dir, 'srv', 'sdb1'), { recursive: true });
  await serve('object', `[DEFAULT]\ndevices = ${join(dir, 'srv')}\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 2\nswift_dir = ${dir}\n\n[app:object-server]\nuse = egg:swift#object\nmetrics_bind_port = ${metricsPort}\n`, port);
  await hit(`http://127.0.0.1:${port}/sdb1/1/a/c/o`, 'HEAD', 20, 404);
  const labels = { server: 'object-server', method: 'HEAD', status: '404' };
  const text = await scrapeAll(metricsPort, (t) => sample(t, 'swiftly_http_requests_total', labels) === 20);
  assert.equal(promtoolProblems(text), '');
  assert.equal(sample(text, 'swiftly_http_request_duration_seconds_count', labels), 20);
  // Process metrics of both workers, summed.
  assert.ok(sample(text, 'process_resident_memory_bytes')! > 0);
});

test('a proxy with workers = 2 sums its workers on one metrics port', async () => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  // The proxy loads its rings at start; no node is asked here.
  for (const kind of ['account', 'container', 'object'] as const) writeRing(dir, kind, { partPower: 4, devices: [1, 2, 3].map((zone) => ({ zone, port: zone, device: 'sdb1', weight: 100 })) });
  await serve('proxy', `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 2\nmetrics_bind_port = ${metricsPort}\nswift_dir = ${dir}\n\n[pipeline:main]\npipeline = healthcheck proxy-server\n\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n[app:proxy-server]\nuse = egg:swift#proxy\nswift_dir = ${dir}\n`, port);
  await hit(`http://127.0.0.1:${port}/healthcheck`, 'GET', 20, 200);
  const labels = { server: 'proxy-server', method: 'GET', status: '200' };
  const text = await scrapeAll(metricsPort, (t) => sample(t, 'swiftly_http_requests_total', labels) === 20);
  assert.equal(promtoolProblems(text), '');
  // The API port's /metrics is the pipeline's (here the proxy app's 4xx), not the metrics.
  const api = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.doesNotMatch(await api.text(), /swiftly_http_requests_total/);
});
