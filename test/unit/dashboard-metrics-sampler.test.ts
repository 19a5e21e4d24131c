/**
 * The cluster view's sampler: servers of one process naming one /metrics
 * URL are scraped once, as one series; a URL that does not answer is down;
 * rates come from consecutive points, and a counter that went down (a
 * restarted server) starts over instead of going negative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsSampler, ratesOf } from '../../dashboard/cluster/metrics-sampler.js';

test('one URL named by several servers is one series, scraped once a round; a dead URL is down', async () => {
  let scrapes = 0;
  let requests = 10;
  const server = createServer((_req, res) => {
    scrapes++;
    res.end(`# TYPE swiftly_http_requests_total counter\nswiftly_http_requests_total{server="compute-api",method="GET",status="200"} ${requests}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  let now = 1_000_000;
  const sampler = new MetricsSampler({ urls: { 'compute-api': url, scheduler: url, gone: 'http://127.0.0.1:1/metrics' }, now: () => now });
  try {
    await sampler.sampleOnce();
    now += 10_000;
    requests = 30;
    await sampler.sampleOnce();
    assert.equal(scrapes, 2);
    assert.deepEqual([...sampler.series.keys()], ['compute-api+scheduler', 'gone']);
    const series = sampler.series.get('compute-api+scheduler')!;
    assert.equal(series.up, true);
    assert.deepEqual(ratesOf(series.points).map((p) => p.rate), [2]);
    assert.equal(sampler.series.get('gone')!.up, false);
  } finally {
    server.close();
  }
});

test('a counter that went down starts over', () => {
  const points = [
    { t: 0, requests: 100, latencySum: 10, latencyCount: 100 },
    { t: 10_000, requests: 5, latencySum: 1, latencyCount: 5 },
  ];
  assert.deepEqual(ratesOf(points), [{ t: 10_000, rate: 0.5, latency: 0.2 }]);
});
