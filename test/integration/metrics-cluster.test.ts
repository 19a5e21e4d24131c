/**
 * Metrics of a running cluster: swiftly's proxy and storage servers (the
 * storage servers as `swiftly server <kind>` processes) each answer
 * Prometheus text on their `metrics_bind_port` that promtool accepts, whose
 * counters move with real requests; the proxy's backend errors and
 * error-limited nodes show there; and a UDP socket receives Swift's statsd
 * lines (`log_statsd_host`) from the proxy and the object servers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, SwiftCluster, type Kind } from '../helpers/swift-cluster.js';
import { eventually, promtoolProblems, sample, scrape, statsdSink } from '../helpers/metrics.js';
import type { ProxyServer } from '../../proxy/index.js';
import { daemons, startDaemon } from '../../consistency/index.js';
import { silentLogger } from '../../common/index.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('metrics of a cluster', () => {
  let cluster: SwiftCluster;
  let proxy: ProxyServer;
  let statsd: Awaited<ReturnType<typeof statsdSink>>;
  const metricsPorts = new Map<string, number>();
  let token = '';
  let base = '';
  const body = Buffer.alloc(4096, 'x');

  const req = async (method: string, path: string, init: { body?: Buffer; headers?: Record<string, string> } = {}): Promise<Response> => {
    const res = await fetch(`${base}${path}`, { method, body: init.body, headers: { 'x-auth-token': token, ...init.headers } });
    await res.arrayBuffer();
    return res;
  };
  const storagePorts = (kind: Kind): number[] => [0, 1, 2].map((i) => metricsPorts.get(`${kind}${i}`)!);
  const sumOver = async (ports: number[], name: string, labels: Record<string, string>): Promise<number> => {
    let sum = 0;
    for (const p of ports) sum += sample(await scrape(p), name, labels) ?? 0;
    return sum;
  };

  before(async () => {
    statsd = await statsdSink();
    for (const kind of ['account', 'container', 'object']) for (let i = 0; i < 3; i++) metricsPorts.set(`${kind}${i}`, await freePort());
    cluster = await SwiftCluster.start({
      backend: 'swiftly',
      storageApp: (kind, i) => ({
        metrics_bind_port: metricsPorts.get(`${kind}${i}`)!,
        ...(kind === 'object' ? { log_statsd_host: '127.0.0.1', log_statsd_port: statsd.port } : {}),
      }),
    });
    proxy = await cluster.startProxy(
      'error_suppression_limit = 0\nerror_suppression_interval = 600',
      undefined,
      { proxy_logging: { log_statsd_host: '127.0.0.1', log_statsd_port: statsd.port, log_statsd_metric_prefix: 'swiftly' } },
      0,
      { metrics_bind_port: 0 },
    );
    base = `http://127.0.0.1:${proxy.port}`;
    token = await cluster.token();
    const storageUrl = '/v1/AUTH_test';
    assert.equal((await req('PUT', `${storageUrl}/c`)).status, 201);
    assert.equal((await req('PUT', `${storageUrl}/c/o`, { body })).status, 201);
    assert.equal((await req('GET', `${storageUrl}/c/o`)).status, 200);
    assert.equal((await req('HEAD', `${storageUrl}`)).status, 204);
  });

  after(async () => {
    statsd?.close();
    await cluster?.stop();
  });

  test('the proxy answers Prometheus text on metrics_bind_port, apart from its API port, and its counters moved', async () => {
    assert.ok(proxy.metricsPort && proxy.metricsPort !== proxy.port);
    const text = await scrape(proxy.metricsPort);
    assert.equal(promtoolProblems(text), '');
    const server = 'proxy-server';
    // Container and object PUTs, the object GET, the account HEAD (the auth GET too).
    assert.ok(sample(text, 'swiftly_http_requests_total', { server, method: 'PUT', status: '201' })! >= 2);
    assert.ok(sample(text, 'swiftly_http_requests_total', { server, method: 'GET', status: '200' })! >= 2);
    assert.equal(sample(text, 'swiftly_http_requests_total', { server, method: 'HEAD', status: '204' }), 1);
    assert.equal(sample(text, 'swiftly_http_request_duration_seconds_count', { server, method: 'HEAD', status: '204' }), 1);
    assert.equal(sample(text, 'swiftly_http_request_duration_seconds_bucket', { server, method: 'HEAD', status: '204', le: '+Inf' }), 1);
    assert.ok(sample(text, 'swiftly_http_request_duration_seconds_sum', { server, method: 'HEAD', status: '204' })! > 0);
    assert.ok(sample(text, 'swiftly_http_received_bytes_total', { server, method: 'PUT' })! > body.length);
    assert.ok(sample(text, 'swiftly_http_sent_bytes_total', { server, method: 'GET' })! > body.length);
    // Node's process metrics.
    assert.ok(sample(text, 'process_cpu_user_seconds_total')! > 0);
    assert.ok(sample(text, 'nodejs_heap_size_used_bytes')! > 0);
    // The API port's /metrics is still Swift's (tempauth: no such path for the API → not metrics).
    const api = await fetch(`${base}/metrics`);
    assert.doesNotMatch(await api.text(), /swiftly_http_requests_total/);
    // Another path on the metrics port is not found.
    assert.equal((await fetch(`http://127.0.0.1:${proxy.metricsPort}/other`)).status, 404);
  });

  test('each storage server answers on its metrics_bind_port with its own requests counted', async () => {
    for (const kind of ['account', 'container', 'object'] as const) {
      for (const port of storagePorts(kind)) assert.equal(promtoolProblems(await scrape(port)), '', `${kind} on ${port}`);
    }
    const objects = storagePorts('object');
    // Three replicas of the one object PUT; one of them served the GET.
    assert.equal(await sumOver(objects, 'swiftly_http_requests_total', { server: 'object-server', method: 'PUT', status: '201' }), 3);
    assert.equal(await sumOver(objects, 'swiftly_http_requests_total', { server: 'object-server', method: 'GET', status: '200' }), 1);
    assert.ok(await sumOver(objects, 'swiftly_http_received_bytes_total', { server: 'object-server', method: 'PUT' }) >= 3 * body.length);
    // The container PUT (3) and the object's container updates (3).
    assert.ok(await sumOver(storagePorts('container'), 'swiftly_http_requests_total', { server: 'container-server', method: 'PUT', status: '201' }) >= 6);
    // The account HEAD reached an account server; the container PUT updated the accounts.
    assert.ok(await sumOver(storagePorts('account'), 'swiftly_http_requests_total', { server: 'account-server', method: 'HEAD' }) >= 1);
    assert.ok(await sumOver(storagePorts('account'), 'swiftly_http_requests_total', { server: 'account-server', method: 'PUT' }) >= 1);
  });

  test('statsd: Swift-named lines from the proxy (proxy_logging) and the object servers reach a UDP socket', async () => {
    const has = (re: RegExp): boolean => statsd.lines.some((l) => re.test(l));
    const want = [
      /^swiftly\.proxy-server\.container\.PUT\.201\.timing:[\d.]+\|ms$/,
      /^swiftly\.proxy-server\.object\.PUT\.201\.timing:[\d.]+\|ms$/,
      new RegExp(`^swiftly\\.proxy-server\\.object\\.PUT\\.201\\.xfer:${body.length}\\|c$`),
      /^swiftly\.proxy-server\.object\.GET\.200\.first-byte\.timing:[\d.]+\|ms$/,
      /^swiftly\.proxy-server\.object\.GET\.200\.timing:[\d.]+\|ms$/,
      /^swiftly\.proxy-server\.account\.HEAD\.204\.timing:[\d.]+\|ms$/,
      /^object-server\.PUT\.timing:[\d.]+\|ms$/,
      /^object-server\.PUT\.sdb1\.timing:[\d.]+\|ms$/,
      /^object-server\.GET\.timing:[\d.]+\|ms$/,
    ];
    await eventually('the statsd lines', () => want.every(has)).catch(() => {
      assert.fail(`missing ${want.filter((w) => !has(w)).join(', ')} in:\n${statsd.lines.join('\n')}`);
    });
    // Timings are milliseconds of this request (not since some epoch).
    for (const line of statsd.lines.filter((l) => l.endsWith('|ms'))) {
      const ms = Number(/:([\d.]+)\|ms$/.exec(line)![1]);
      assert.ok(ms > 0 && ms < 30_000, line);
    }
    // Three object servers each timed their replica's PUT.
    assert.equal(statsd.lines.filter((l) => l.startsWith('object-server.PUT.timing:')).length, 3);
  });

  test('the replicator and auditor, sharing one metrics port, show their passes and progress; the replicator sends Swift statsd names', async () => {
    const node = cluster.node('object', 1);
    const port = await freePort();
    const recon = mkdtempSync(join(tmpdir(), 'swiftly-metrics-recon-'));
    const section = {
      devices: join(cluster.dir, 'node1'), mount_check: 'false', swift_dir: cluster.swiftDir, bind_ip: '127.0.0.1', bind_port: String(node.port),
      recon_cache_path: recon, interval: '600', metrics_bind_port: String(port), log_statsd_host: '127.0.0.1', log_statsd_port: String(statsd.port),
    };
    const ac = new AbortController();
    const running = ['object-replicator', 'object-auditor'].map((name) =>
      startDaemon(daemons[name].factory, name, section, { signal: ac.signal, logger: silentLogger }));
    try {
      let text = '';
      await eventually('both daemons to finish a pass', async () => {
        text = await scrape(port).catch(() => '');
        return ['object-replicator', 'object-auditor'].every((daemon) => sample(text, 'swiftly_daemon_passes_total', { daemon, result: 'ok' }) === 1);
      }, 30_000);
      assert.equal(promtoolProblems(text), '');
      // Node 1 holds a replica of each object: its partitions were replicated to the two others.
      assert.ok(sample(text, 'swiftly_daemon_pass_stat', { daemon: 'object-replicator', stat: 'attempted' })! >= 1);
      assert.ok(sample(text, 'swiftly_daemon_pass_stat', { daemon: 'object-replicator', stat: 'success' })! >= 1);
      assert.ok(sample(text, 'swiftly_daemon_pass_stat', { daemon: 'object-auditor', stat: 'ALL.passes' })! >= 1);
      assert.ok(sample(text, 'swiftly_daemon_last_pass_completed_timestamp_seconds', { daemon: 'object-replicator' })! > Date.now() / 1000 - 60);
      await eventually('the replicator statsd line', () => statsd.lines.some((l) => l === 'object-replicator.partition.update.count.sdb1:1|c'));
      assert.ok(statsd.lines.some((l) => /^object-replicator\.partition\.update\.timing:[\d.]+\|ms$/.test(l)));
    } finally {
      ac.abort();
      await Promise.all(running);
      rmSync(recon, { recursive: true, force: true });
    }
    // The last daemon using the port closed it.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`));
  });

  test('the container updater and auditor show their progress and send Swift statsd names; the object-updater counts async pendings on disk', async () => {
    const node = cluster.node('container', 1);
    const port = await freePort();
    const recon = mkdtempSync(join(tmpdir(), 'swiftly-metrics-recon-'));
    const devices = join(cluster.dir, 'node1');
    const section = {
      devices, mount_check: 'false', swift_dir: cluster.swiftDir, bind_ip: '127.0.0.1', bind_port: String(node.port),
      recon_cache_path: recon, interval: '600', metrics_bind_port: String(port), log_statsd_host: '127.0.0.1', log_statsd_port: String(statsd.port),
    };
    const names = ['container-updater', 'container-auditor', 'object-updater'];
    const ac = new AbortController();
    const running = names.map((name) => startDaemon(daemons[name].factory, name, section, { signal: ac.signal, logger: silentLogger }));
    try {
      let text = '';
      await eventually('the daemons to finish a pass', async () => {
        text = await scrape(port).catch(() => '');
        return names.every((daemon) => sample(text, 'swiftly_daemon_passes_total', { daemon, result: 'ok' }) === 1);
      }, 30_000);
      assert.equal(promtoolProblems(text), '');
      // Node 1 holds a replica of container c, whose object count the account has not heard of yet.
      assert.equal(sample(text, 'swiftly_daemon_pass_stat', { daemon: 'container-updater', stat: 'successes' }), 1);
      assert.ok(sample(text, 'swiftly_daemon_pass_stat', { daemon: 'container-auditor', stat: 'passes' })! >= 1);
      await eventually('the container-updater statsd lines', () => statsd.lines.includes('container-updater.successes:1|c'));
      assert.ok(statsd.lines.some((l) => /^container-updater\.timing:[\d.]+\|ms$/.test(l)));
      assert.ok(statsd.lines.includes('container-auditor.passes:1|c'));
      assert.ok(statsd.lines.some((l) => /^container-auditor\.timing:[\d.]+\|ms$/.test(l)));
      // An async_pending left on disk (the updater sleeps until its next pass) shows on its device.
      assert.equal(sample(text, 'swiftly_object_async_pending_files', { device: 'sdb1' }), 0);
      const suffixDir = join(devices, 'sdb1', 'async_pending', 'abc');
      mkdirSync(suffixDir, { recursive: true });
      writeFileSync(join(suffixDir, `${'0'.repeat(29)}abc-1700000000.00000`), '{}');
      assert.equal(sample(await scrape(port), 'swiftly_object_async_pending_files', { device: 'sdb1' }), 1);
      rmSync(join(devices, 'sdb1', 'async_pending'), { recursive: true, force: true });
    } finally {
      ac.abort();
      await Promise.all(running);
      rmSync(recon, { recursive: true, force: true });
    }
  });

  test("the proxy's backend errors and error-limited nodes show on /metrics", async () => {
    const node = cluster.node('object', 0);
    const key = `127.0.0.1:${node.port}/sdb1`;
    const before = await scrape(proxy.metricsPort!);
    assert.equal(sample(before, 'swiftly_proxy_error_limited_nodes', { node: key }), undefined);
    await cluster.stopNode(node);
    // Every object PUT asks all three primaries; the stopped one refuses.
    assert.equal((await req('PUT', '/v1/AUTH_test/c/o2', { body })).status, 201);
    const text = await scrape(proxy.metricsPort!);
    assert.equal(promtoolProblems(text), '');
    assert.ok(sample(text, 'swiftly_proxy_backend_errors_total', { node: key })! >= 1);
    assert.equal(sample(text, 'swiftly_proxy_error_limited_nodes', { node: key }), 1);
  });
});
