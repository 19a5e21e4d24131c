/**
 * Swift's StatsdClient wire format over a loopback UDP socket: the
 * `<log_statsd_metric_prefix>.<server>.` prefix, `|c` / `|ms`, sampling
 * with `@rate` (default rate × factor), and no client without a host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsdConf, statsdFromConf, StatsdClient, NO_STATSD } from '../../common/index.js';
import { eventually, statsdSink } from '../helpers/metrics.js';

test('lines carry the metric prefix and server name, counters |c and timings |ms', async () => {
  const sink = await statsdSink();
  try {
    const client = statsdFromConf({ log_statsd_host: '127.0.0.1', log_statsd_port: String(sink.port), log_statsd_metric_prefix: 'swift' }, 'object-server');
    client.increment('async_pendings');
    client.updateStats('suffix.hashes', 7);
    client.decrement('x');
    client.timing('PUT.timing', 12.5);
    client.transferRate('GET.xfer', 2, 1000);
    await eventually('5 lines', () => sink.lines.length === 5);
    assert.deepEqual(sink.lines.sort(), [
      'swift.object-server.GET.xfer:2000|ms', 'swift.object-server.PUT.timing:12.5|ms', 'swift.object-server.async_pendings:1|c',
      'swift.object-server.suffix.hashes:7|c', 'swift.object-server.x:-1|c',
    ]);
    client.close();
  } finally {
    sink.close();
  }
});

test('a sample rate below 1 sends that fraction, marked @rate; the factor multiplies it', async () => {
  const sink = await statsdSink();
  try {
    const conf = statsdConf({ log_statsd_host: '127.0.0.1', log_statsd_port: String(sink.port), log_statsd_default_sample_rate: '0.5', log_statsd_sample_rate_factor: '0.5' })!;
    const draws = [0.1, 0.3, 0.2];
    const client = new StatsdClient(conf, 'proxy-server', { random: () => draws.shift()! });
    client.increment('a'); // 0.1 < 0.25: sent
    client.increment('b'); // 0.3 >= 0.25: not sent
    client.timing('c', 3, 0.8); // rate 0.4, 0.2 < 0.4: sent
    await eventually('2 lines', () => sink.lines.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(sink.lines.sort(), ['proxy-server.a:1|c|@0.25', 'proxy-server.c:3|ms|@0.4']);
    client.close();
  } finally {
    sink.close();
  }
});

test('access_log_statsd_* options win over log_statsd_*; no host means no client', () => {
  assert.equal(statsdFromConf({}, 'proxy-server'), NO_STATSD);
  assert.equal(statsdConf({ log_statsd_port: '1' }), undefined);
  assert.deepEqual(statsdConf({ log_statsd_host: 'a', access_log_statsd_host: 'b', access_log_statsd_port: '9' }, 'access_'), {
    host: 'b', port: 9, defaultSampleRate: 1, sampleRateFactor: 1, metricPrefix: '',
  });
  assert.throws(() => statsdConf({ log_statsd_host: 'a', log_statsd_port: 'x' }), /log_statsd_port/);
});

test('close() lets what was counted before it go out (a --once pass counts up to its end), and drops what comes after', async () => {
  const sink = await statsdSink();
  try {
    // A hostname: each send waits for a lookup, so the datagrams are still in flight when close() comes.
    const client = statsdFromConf({ log_statsd_host: 'localhost', log_statsd_port: String(sink.port) }, 'object-expirer');
    for (let i = 0; i < 20; i++) client.increment('objects');
    client.timing('timing', 5);
    client.close();
    client.increment('after');
    await eventually('21 lines', () => sink.lines.length === 21);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sink.lines.filter((l) => l === 'object-expirer.objects:1|c').length, 20);
    assert.ok(sink.lines.includes('object-expirer.timing:5|ms'));
    assert.ok(!sink.lines.some((l) => l.startsWith('object-expirer.after')));
  } finally {
    sink.close();
  }
});
