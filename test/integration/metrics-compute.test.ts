/**
 * Metrics of compute's services: the compute API, the scheduler (with the
 * conductor) and a compute worker each serve /metrics on their
 * `[metrics] <role>_port`, the image API on its `metrics_bind_port`; the
 * API's requests and the RPC messages a server boot takes are counted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCloud, novaClient, type TestCloud } from '../helpers/compute-cloud.js';
import { promtoolProblems, sample, scrape } from '../helpers/metrics.js';
import { startImageService, type ImageServiceHandle } from '../../compute/image/index.js';
import { computeConfig } from '../../compute/index.js';
import { silentLogger } from '../../common/index.js';

let cloud: TestCloud;
let images: ImageServiceHandle;
let tmp: string;
const metrics = { bindIp: '127.0.0.1', ports: { api: 0, scheduler: 0, compute: 0 } };

before(async () => {
  cloud = await startTestCloud({ config: { metrics } });
  tmp = mkdtempSync(join(tmpdir(), 'swiftly-metrics-img-'));
  images = await startImageService({
    config: {
      bindHost: '127.0.0.1', bindPort: 0, dbPath: join(tmp, 'images.sqlite'), computeDbPath: '',
      auth: { strategy: 'noauth2', proxyUrl: 'http://127.0.0.1:1', adminProjects: ['admin'], resellerPrefix: 'AUTH' },
      store: { authUrl: 'http://127.0.0.1:1/auth/v1.0', user: 'x:y', key: 'z', container: 'glance', largeObjectSize: 1 << 20, largeObjectChunkSize: 1 << 20 },
      metricsBindIp: '127.0.0.1', metricsBindPort: 0,
    },
    logger: silentLogger,
  });
});
after(async () => {
  await images?.stop();
  await cloud?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the compute API, scheduler and compute worker count their work on their metrics ports', async () => {
  const nova = novaClient(cloud.url);
  const imageRef = (await nova.call('GET', '/images/detail')).body.images[0].id as string;
  const made = await nova.call('POST', '/servers', { server: { name: 'm1', imageRef, flavorRef: '1' } });
  assert.equal(made.status, 202);
  await nova.waitStatus(made.body.server.id, 'ACTIVE');

  const [api, worker] = cloud.parts;
  const apiText = await scrape(api.metricsPorts.api!);
  assert.equal(promtoolProblems(apiText), '');
  assert.equal(sample(apiText, 'swiftly_http_requests_total', { server: 'compute-api', method: 'POST', status: '202' }), 1);
  assert.ok(sample(apiText, 'swiftly_http_requests_total', { server: 'compute-api', method: 'GET', status: '200' })! >= 2);

  const schedulerText = await scrape(api.metricsPorts.scheduler!);
  assert.equal(promtoolProblems(schedulerText), '');
  assert.ok(sample(schedulerText, 'swiftly_rpc_messages_total', { topic: 'scheduler', result: 'ok' })! >= 1);
  assert.ok(sample(schedulerText, 'swiftly_rpc_messages_total', { topic: 'conductor', result: 'ok' })! >= 1);

  const computeText = await scrape(worker.metricsPorts.compute!);
  assert.equal(promtoolProblems(computeText), '');
  assert.ok(sample(computeText, 'swiftly_rpc_messages_total', { topic: 'compute', result: 'ok' })! >= 1);
  assert.ok(sample(computeText, 'swiftly_rpc_handler_duration_seconds_count', { topic: 'compute' })! >= 1);
});

test('the image API counts its requests on metrics_bind_port', async () => {
  const res = await fetch(`${images.url}/v2/images`);
  await res.arrayBuffer();
  const text = await scrape(images.metricsPort!);
  assert.equal(promtoolProblems(text), '');
  assert.equal(sample(text, 'swiftly_http_requests_total', { server: 'image-api', method: 'GET', status: String(res.status) }), 1);
});

test("the metadata service's requests are counted on its compute worker's metrics port, not on the guest-facing paths", async () => {
  const worker = await cloud.addCompute('cn-meta', {
    enabledApis: ['osapi_compute', 'metadata'], network: { ...computeConfig().network, networksPath: join(tmp, 'networks') },
  });
  const socketPath = worker.metadata!.socketPath;
  const ask = (path: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    get({ socketPath, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
  assert.equal((await ask('/')).status, 200);
  // /metrics on the metadata service is an EC2 version it doesn't know, as in Nova: no metrics there.
  const there = await ask('/metrics');
  assert.equal(there.status, 404);
  assert.doesNotMatch(there.body, /swiftly_http_requests_total/);
  const text = await scrape(worker.metricsPorts.compute!);
  assert.equal(promtoolProblems(text), '');
  assert.equal(sample(text, 'swiftly_http_requests_total', { server: 'metadata-api', method: 'GET', status: '200' }), 1);
  assert.equal(sample(text, 'swiftly_http_requests_total', { server: 'metadata-api', method: 'GET', status: '404' }), 1);
});
