import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, newRequestId, versionCompatible } from '../../compute/rpc/index.js';
import { weighHosts, makeWeighers } from '../../compute/scheduler/weighers.js';
import type { HostState } from '../../compute/scheduler/host-state.js';

test('envelope: valid requests decode, malformed ones give a reason', () => {
  const id = newRequestId();
  assert.match(id, /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const ok = decodeRequest(Buffer.from(JSON.stringify({ v: 1, version: '1.2', method: 'm', args: { a: 1 }, request_id: id, context: { projectId: 'p' } })));
  assert.equal(typeof ok === 'object' && ok.method, 'm');
  const reason = (body: unknown) => decodeRequest(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
  assert.equal(reason('{'), 'body is not JSON');
  assert.equal(reason([1]), 'body is not a JSON object');
  assert.equal(reason({ v: 2 }), 'unknown envelope 2');
  assert.equal(reason({ v: 1, method: 'm', version: 'x', args: {}, request_id: id }), 'no version');
  assert.equal(reason({ v: 1, method: 'm', version: '1.0', args: {}, request_id: 'abc' }), 'no request id');
  assert.equal(reason({ v: 1, method: 'm', version: '1.0', args: [], request_id: id }), 'args is not an object');
});

test('versions: same major, server minor at least the message\'s', () => {
  assert.ok(versionCompatible('1.3', '1.0'));
  assert.ok(versionCompatible('1.3', '1.3'));
  assert.ok(!versionCompatible('1.3', '1.4'));
  assert.ok(!versionCompatible('1.3', '2.0'));
  assert.ok(!versionCompatible('2.0', '1.9'));
});

test('weighers: normalized per weigher, multipliers decide, ties keep order', () => {
  const h = (host: string, ram: number, cpu: number, n: number) => ({ host, free_ram_mb: ram, free_vcpus: cpu, num_instances: n }) as HostState;
  const hosts = [h('a', 1000, 8, 0), h('b', 4000, 2, 5), h('c', 4000, 8, 5)];
  const spread = weighHosts(hosts, makeWeighers({ ram: 1, cpu: 1, numInstances: 0 }));
  assert.deepEqual(spread.map((x) => x.host.host), ['c', 'a', 'b']);
  assert.deepEqual(spread.map((x) => x.weight), [2, 1, 1]);
  const stack = weighHosts(hosts, makeWeighers({ ram: -1, cpu: 0, numInstances: 0 }));
  assert.equal(stack[0].host.host, 'a');
  const byCount = weighHosts(hosts, makeWeighers({ ram: 0, cpu: 0, numInstances: -1 }));
  assert.equal(byCount[0].host.host, 'a');
});
