/**
 * Compute across hosts (issue 24 point 5) on a three-host bed: host 1 runs
 * the compute API, the scheduler (+ conductor) and the image API, hosts 2
 * and 3 a compute worker each (fake hypervisor, `host = h2` / `h3`), each
 * service its own `swiftly compute …` process in its host's namespace. The
 * state DB is a fresh PostgreSQL database (dropped afterwards), RPC goes
 * over RabbitMQ through the bed's broker forwarders, images live in the
 * bed's object store (three replicas over the three hosts).
 *
 * Servers booted through the API land on both workers, and each worker
 * really ran its own (its guests' consoles answer over RPC to that host's
 * queue, its claims and node rows are in the DB); an image a server on
 * another host uses can't be deleted; once a worker host is killed,
 * os-services says it is down within service_down_time and the scheduler
 * places new servers on the other host only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { openComputeDb, type ComputeDb } from '../../compute/db/index.js';
import { MultiHostBed } from '../helpers/multihost/bed.js';
import { startComputeOnBed, type ComputeBed } from '../helpers/multihost/compute-bed.js';
import { BED_ADMIN, BED_TEMPAUTH, computeHostName } from '../helpers/multihost/compute-config.js';
import { createPgDatabase, postgresUnavailable } from '../helpers/compute-db-engines.js';
import { netnsUnavailable } from '../helpers/netns.js';

const why = (await netnsUnavailable(['ss'])) ?? (await postgresUnavailable());
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('multi-host: compute on two hosts over RabbitMQ and PostgreSQL', { skip: why }, () => {
  let bed: MultiHostBed;
  let compute: ComputeBed;
  let pgdb: Awaited<ReturnType<typeof createPgDatabase>>;
  let db: ComputeDb;
  const tokens: Record<'demo' | 'admin', string> = { demo: '', admin: '' };
  let imageId = '';
  const H2 = computeHostName(2);
  const H3 = computeHostName(3);

  const call = async (url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Json; headers: Record<string, unknown> }> => {
    const res = await request(url, {
      method: method as 'GET', dispatcher: bed.dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000,
      headers: { ...headers, ...(body !== undefined && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    let json: Json = {};
    try {
      json = text ? JSON.parse(text) as Json : {};
    } catch {
      json = { text };
    }
    return { status: res.statusCode, headers: res.headers, body: json };
  };
  const nova = (who: 'demo' | 'admin', method: string, path: string, body?: unknown) =>
    call(`${compute.apiUrl}/v2.1/${who}${path}`, method, { 'x-auth-token': tokens[who] }, body);
  const glance = (who: 'demo' | 'admin', method: string, path: string, body?: unknown, type?: string) =>
    call(`${compute.imageUrl}/v2${path}`, method, { 'x-auth-token': tokens[who], 'x-project-id': who, ...(type ? { 'content-type': type } : {}) }, body);

  const settle = async (id: string, timeoutMs = 30_000): Promise<Json> => {
    let last: Json = {};
    for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const r = await nova('admin', 'GET', `/servers/${id}`);
      if (r.status === 404) return { status: 'GONE' };
      last = r.body.server as Json;
      if (last.status !== 'BUILD' && !last['OS-EXT-STS:task_state']) return last;
    }
    throw new Error(`server ${id} did not settle: ${JSON.stringify(last)}`);
  };
  const boot = async (names: string[]): Promise<Json[]> => {
    const ids = await Promise.all(names.map(async (name) => {
      const r = await nova('demo', 'POST', '/servers', { server: { name, imageRef: imageId, flavorRef: '1' } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.server.id as string;
    }));
    return Promise.all(ids.map((id) => settle(id)));
  };
  const deleteAll = async (servers: Json[]): Promise<void> => {
    for (const s of servers) assert.equal((await nova('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    for (const s of servers) assert.equal((await settle(s.id as string)).status, 'GONE');
  };
  const hostOf = (s: Json): string => s['OS-EXT-SRV-ATTR:host'] as string;

  before(async () => {
    pgdb = await createPgDatabase();
    db = await openComputeDb(pgdb.url);
    bed = await MultiHostBed.create({ hosts: 3, regions: 1, proxies: [1], servers: 'per-host', startDaemons: false, proxyTempauth: BED_TEMPAUTH });
    compute = await startComputeOnBed(bed, {
      controller: 1, computes: [2, 3], database: pgdb.url, exchange: `mhc${process.pid}${randomBytes(3).toString('hex')}`,
      reportInterval: 0.5, serviceDownTime: 3,
    });
    const proxy = bed.host(1).proxyUrl!;
    for (const [who, user, key] of [['demo', 'demo:demo', 'demo'], ['admin', BED_ADMIN.user, BED_ADMIN.key]] as const) {
      const res = await request(`${proxy}/auth/v1.0`, { dispatcher: bed.dispatcher, headers: { 'x-auth-user': user, 'x-auth-key': key } });
      await res.body.dump();
      assert.equal(res.statusCode, 200, `login of ${user}`);
      tokens[who] = res.headers['x-auth-token'] as string;
    }
    // An image in the bed's object store, uploaded through the image API on host 1.
    const created = await glance('demo', 'POST', '/images', { name: 'tiny', disk_format: 'raw', container_format: 'bare' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    imageId = created.body.id as string;
    const put = await glance('demo', 'PUT', `/images/${imageId}/file`, randomBytes(4096), 'application/octet-stream');
    assert.equal(put.status, 204, JSON.stringify(put.body));
  });

  after(async () => {
    await compute?.stop().catch(() => undefined);
    await bed?.teardown();
    await db?.close().catch(() => undefined);
    await pgdb?.drop();
  });

  it('places servers on both hosts, each run by its own worker; an image in use on another host is not deleted', async (t) => {
    const booting = Date.now();
    const servers = await boot(Array.from({ length: 6 }, (_, i) => `vm${i}`));
    t.diagnostic(`six servers ACTIVE ${Date.now() - booting} ms after the first POST`);
    for (const s of servers) assert.equal(s.status, 'ACTIVE', JSON.stringify(s));
    const byHost = new Map<string, Json[]>();
    for (const s of servers) byHost.set(hostOf(s), [...(byHost.get(hostOf(s)) ?? []), s]);
    assert.deepEqual([...byHost.keys()].sort(), [H2, H3], `placed on ${[...byHost.keys()].join(', ')}`);
    t.diagnostic(`placed: ${[H2, H3].map((h) => `${h} ${byHost.get(h)!.length}`).join(', ')}`);

    for (const s of servers) {
      // The host field is the worker's own claim, written by it in the shared DB.
      assert.equal((await db.getInstance(s.id as string))?.host, hostOf(s));
      // The console comes over RPC from that host's queue, out of that worker's hypervisor.
      const out = await nova('demo', 'POST', `/servers/${s.id}/action`, { 'os-getConsoleOutput': {} });
      assert.equal(out.status, 200, JSON.stringify(out.body));
      assert.match(out.body.output as string, new RegExp(`login: ${s.name} is up`));
    }
    const nodes = new Map((await db.listComputeNodes()).map((n) => [n.host, n]));
    for (const h of [H2, H3]) {
      const n = nodes.get(h);
      assert.ok(n, `no compute node row of ${h}`);
      assert.equal((await db.usageOnHost(h)).running_vms, byHost.get(h)!.length, `${h}'s instances`);
      assert.ok((await db.getService('swiftly-compute', h))!.report_count > 1, `${h} heartbeats`);
    }
    for (const n of [2, 3]) {
      const started = compute.log(n, 'compute').filter((e) => e.msg === 'service started');
      assert.deepEqual(started.map((e) => e.host), [computeHostName(n)], `host ${n}'s worker log`);
    }

    // The image API on host 1 asks the shared DB: in use by servers on hosts 2 and 3.
    const refused = await glance('demo', 'DELETE', `/images/${imageId}`);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal((await nova('demo', 'DELETE', `/images/${imageId}`)).status, 409);
    await deleteAll(servers);
    for (const h of [H2, H3]) assert.equal((await db.usageOnHost(h)).running_vms, 0);
    assert.equal((await glance('demo', 'GET', `/images/${imageId}`)).status, 200, 'the image is still there');
  });

  it('a killed worker host goes down in os-services and the scheduler stops placing there', async (t) => {
    const services = async (): Promise<Map<string, string>> => {
      const r = await nova('admin', 'GET', '/os-services?binary=swiftly-compute');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return new Map((r.body.services as Json[]).map((s) => [s.host as string, s.state as string]));
    };
    assert.deepEqual(Object.fromEntries(await services()), { [H2]: 'up', [H3]: 'up' });
    assert.equal((await nova('demo', 'GET', '/os-services')).status, 403, 'admin only');

    const killedAt = Date.now();
    await bed.killHost(3);
    let state = await services();
    while (state.get(H3) !== 'down') {
      assert.ok(Date.now() - killedAt < 15_000, 'host 3 still up in os-services 15 s after the kill');
      await new Promise((r) => setTimeout(r, 200));
      state = await services();
    }
    const downAfter = Date.now() - killedAt;
    t.diagnostic(`host 3 down in os-services ${downAfter} ms after the kill (service_down_time ${compute.tuning.serviceDownTime} s)`);
    assert.equal(state.get(H2), 'up');
    assert.ok(downAfter >= compute.tuning.serviceDownTime * 1000 - 1000, `down after ${downAfter} ms: sooner than service_down_time`);

    const servers = await boot(['after-kill-0', 'after-kill-1', 'after-kill-2']);
    for (const s of servers) {
      assert.equal(s.status, 'ACTIVE', JSON.stringify(s));
      assert.equal(hostOf(s), H2);
    }
    await deleteAll(servers);
    assert.equal((await glance('demo', 'DELETE', `/images/${imageId}`)).status, 204, 'no server uses the image any more');
  });
});
