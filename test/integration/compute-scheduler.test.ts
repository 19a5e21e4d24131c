/** Scheduler choices with several fake hosts: filters, weighers, and spreading a real batch of boots. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openComputeDb } from '../../compute/db/index.js';
import { SchedulerManager } from '../../compute/scheduler/scheduler-manager.js';
import type { RequestSpec } from '../../compute/scheduler/host-state.js';
import { silentLogger } from '../../common/index.js';
import { startTestCloud, novaClient } from '../helpers/compute-cloud.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftly-sched-'));
const db = await openComputeDb(join(dir, 'state.sqlite'));
after(async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); });

async function addHost(host: string, o: { ram: number; vcpus?: number; disk?: number; az?: string; arch?: string; lastSeen?: number }) {
  await db.registerService('swiftly-compute', host, 'compute', o.az ?? 'nova');
  await db.heartbeat('swiftly-compute', host, o.lastSeen ?? Date.now());
  await db.upsertComputeNode({ host, hypervisor_type: 'fake', cpu_arch: o.arch ?? 'x86_64', vcpus: o.vcpus ?? 4, memory_mb: o.ram, local_gb: o.disk ?? 100 });
}

const tiny = (await db.getFlavor('1'))!;
const spec = (over: Partial<RequestSpec> = {}): RequestSpec => ({ instance_uuid: crypto.randomUUID(), flavor: tiny, image_properties: {}, ...over });

await addHost('small', { ram: 1024 });
await addHost('big', { ram: 8192 });
await addHost('arm', { ram: 4096, arch: 'aarch64', az: 'east' });
await addHost('dead', { ram: 65536, lastSeen: Date.now() - 120_000 });
await addHost('off', { ram: 65536 });
await db.setServiceDisabled('swiftly-compute', 'off', true, 'maintenance');
// No pending memory between tests: each test gets its own scheduler.
const scheduler = () => new SchedulerManager({ db, logger: silentLogger, serviceDownTimeMs: 60_000 });

test('the host with the most free RAM wins; dead and disabled hosts never do', async () => {
  assert.deepEqual(await scheduler().selectDestinations(spec()), [{ host: 'big', node: 'big' }]);
  const states = await scheduler().hostStates();
  assert.equal(states.find((h) => h.host === 'dead')!.up, false);
  assert.equal(states.find((h) => h.host === 'off')!.disabled, true);
});

test('availability zone and image architecture filters', async () => {
  assert.equal((await scheduler().selectDestinations(spec({ availability_zone: 'east' })))[0].host, 'arm');
  assert.equal((await scheduler().selectDestinations(spec({ image_properties: { architecture: 'arm64' } })))[0].host, 'arm');
  assert.equal((await scheduler().selectDestinations(spec({ image_properties: { architecture: 'amd64' } })))[0].host, 'big');
  await assert.rejects(() => scheduler().selectDestinations(spec({ image_properties: { architecture: 'ppc64le' } })), /^NoValidHost: No valid host was found\. .*ImagePropertiesFilter/);
  await assert.rejects(() => scheduler().selectDestinations(spec({ availability_zone: 'mars' })), /AvailabilityZoneFilter returned 0 of 3 hosts/);
});

test('RAM, vCPU and disk against the flavor; selections count until claimed', async () => {
  const big = { ...tiny, memory_mb: 6000 };
  const s = scheduler();
  assert.equal((await s.selectDestinations(spec({ flavor: big })))[0].host, 'big');
  // The first pick is not yet claimed on "big", yet the scheduler counts it: 6000 + 6000 > 8192.
  await assert.rejects(() => s.selectDestinations(spec({ flavor: big })), /RamFilter/);
  await assert.rejects(() => scheduler().selectDestinations(spec({ flavor: { ...tiny, vcpus: 17 } })), /CoreFilter/);
  await assert.rejects(() => scheduler().selectDestinations(spec({ flavor: { ...tiny, root_gb: 101 } })), /DiskFilter/);
  assert.equal((await scheduler().selectDestinations(spec({ ignore_hosts: ['big'] })))[0].host, 'arm');
});

test('a batch of boots spreads over three fake hosts and fills them to the last slot', async () => {
  const cloud = await startTestCloud({ computeHosts: ['cn1', 'cn2', 'cn3'], config: { fake: { vcpus: 2, memoryMb: 1024, localGb: 10, cpuArch: 'x86_64', timeScale: 0.05 }, ratios: { cpu: 1, ram: 1, disk: 1 } } });
  try {
    const nova = novaClient(cloud.url);
    const imageId = (await nova.call('GET', '/images')).body.images[0].id;
    const ids: string[] = [];
    // 3 hosts × 2 tiny (512 MB) servers each = 6 fit; the 7th cannot.
    for (let i = 0; i < 7; i++) {
      ids.push((await nova.call('POST', '/servers', { server: { name: `b${i}`, imageRef: imageId, flavorRef: '1' } })).body.server.id);
    }
    const admin = novaClient(cloud.url, 'admin:admin', 'admin');
    const ends = await Promise.all(ids.map((id) => nova.waitFor(id, (s) => s.status === 'ACTIVE' || s.status === 'ERROR')));
    assert.equal(ends.filter((s) => s.status === 'ERROR').length, 1);
    assert.match(((ends.find((s) => s.status === 'ERROR')!.fault) as { message: string }).message, /No valid host was found/);
    const hosts = new Map<string, number>();
    for (const id of ids) {
      const s = (await admin.call('GET', `/servers/${id}?all_tenants=1`)).body.server;
      if (s.status === 'ACTIVE') hosts.set(s['OS-EXT-SRV-ATTR:host'], (hosts.get(s['OS-EXT-SRV-ATTR:host']) ?? 0) + 1);
    }
    assert.deepEqual([...hosts.entries()].sort(), [['cn1', 2], ['cn2', 2], ['cn3', 2]]);
    for (const n of await cloud.api.db.listComputeNodes()) assert.equal(n.memory_mb_used, 1024);
  } finally {
    await cloud.close();
  }
});
