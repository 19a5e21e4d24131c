/**
 * Volume snapshots and backups through Cinder's v3 API (fake hypervisor,
 * qcow2 volume files, a real swiftly cluster as the backup store reached
 * with the user's tempauth token): snapshot → volume from it; a backup →
 * restore to a new volume with equal contents; an incremental backup that
 * stores only the changed chunks (counted in the container); a restore
 * onto an existing available volume; deletes refused while a backup has
 * dependents or a volume has snapshots; a forced snapshot of an in-use
 * volume (fake driver: no qemu holds the file); the CLI's backup create/restore
 * with progress. The data is written into the volume files with qemu-io
 * (no guest needed).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { computeConfig } from '../../compute/index.js';
import { SwiftStore } from '../../compute/image/index.js';
import { novaClient, startTestCloud, type TestCloud } from '../helpers/compute-cloud.js';
import { login, startSwiftlyCluster, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

let qemu = true;
try {
  execFileSync('qemu-io', ['--version'], { stdio: 'ignore' });
} catch {
  qemu = false;
}
const skip = !qemu && !process.env.CI ? 'qemu-io/qemu-img are not installed' : false;

let cluster: SwiftlyCluster;
let cloud: TestCloud;
let volumesDir: string;
let user: { token: string; project: string; storageUrl: string };
const MIB = 1 << 20;

async function cv(method: string, path: string, body?: unknown) {
  const res = await fetch(`${cloud.url}/v3/${user.project}${path}`, {
    method, headers: { 'x-auth-token': user.token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function settle(kind: 'volumes' | 'snapshots' | 'backups', id: string, want: string, ms = 60_000): Promise<Record<string, any>> {
  const end = Date.now() + ms;
  let last: any;
  while (Date.now() < end) {
    const r = await cv('GET', `/${kind}/${id}`);
    last = r.status === 404 ? { status: 'GONE' } : r.body[kind.slice(0, -1)];
    if (last.status === want) return last;
    if (last.status === 'error') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${kind} ${id} did not become ${want}; last: ${JSON.stringify(last)}`);
}

const file = (id: string) => join(volumesDir, `volume-${id}`);
/** Write `pattern` bytes at `offset` into a qcow2 volume. */
const write = (id: string, offset: number, length: number, pattern: number) =>
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P ${pattern} ${offset} ${length}`, file(id)], { stdio: 'ignore' });
/** `qemu-img compare` exit status: 0 identical, 1 different. */
const same = (a: string, b: string) => {
  try {
    execFileSync('qemu-img', ['compare', '-f', 'qcow2', '-F', 'qcow2', file(a), file(b)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

async function newVolume(name: string): Promise<string> {
  const r = await cv('POST', '/volumes', { volume: { name, size: 1 } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return (await settle('volumes', r.body.volume.id, 'available')).id;
}

async function backup(volumeId: string, incremental = false): Promise<Record<string, any>> {
  const r = await cv('POST', '/backups', { backup: { volume_id: volumeId, name: incremental ? 'incr' : 'full', incremental } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const b = await settle('backups', r.body.backup.id, 'available');
  assert.equal((await settle('volumes', volumeId, 'available')).status, 'available');
  return b;
}

async function restore(backupId: string, volumeId?: string): Promise<string> {
  const r = await cv('POST', `/backups/${backupId}/restore`, { restore: volumeId ? { volume_id: volumeId } : {} });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await settle('backups', backupId, 'available');
  return (await settle('volumes', r.body.restore.volume_id, 'available')).id;
}

before(async () => {
  if (skip) return;
  cluster = await startSwiftlyCluster();
  user = await login(cluster.authUrl, 'test:tester', 'testing');
  const auth = { strategy: 'tempauth' as const, proxyUrl: cluster.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' };
  const backupConfig = { ...computeConfig().backup, swiftUrl: `${cluster.proxyUrl}/v1/AUTH_`, objectSize: 4 * MIB, blockSize: 64 * 1024 };
  // The API decides a new volume's format; the volume host has the files.
  cloud = await startTestCloud({ config: { auth, backup: backupConfig, volume: { ...computeConfig().volume, format: 'qcow2' } } });
  volumesDir = join(cloud.dir, 'volumes');
  await cloud.addCompute('vol1', { volume: { volumesDir, format: 'qcow2' } }, { run: ['volume'] });
});
after(async () => {
  await cloud?.close();
  await cluster?.stop();
});

test('snapshots: a volume made from one holds the data of then; a volume with snapshots is not deleted', { skip }, async () => {
  const vol = await newVolume('snapped');
  write(vol, 0, MIB, 0x41);
  const r = await cv('POST', '/snapshots', { snapshot: { volume_id: vol, name: 's1' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const snap = await settle('snapshots', r.body.snapshot.id, 'available');
  assert.equal(snap.size, 1);
  write(vol, 0, MIB, 0x42);
  const before = await newVolume('copy-of-then');
  write(before, 0, MIB, 0x41);
  const made = await cv('POST', '/volumes', { volume: { snapshot_id: snap.id, name: 'from-snap' } });
  assert.equal(made.status, 202, JSON.stringify(made.body));
  const fromSnap = (await settle('volumes', made.body.volume.id, 'available')).id;
  assert.ok(same(fromSnap, before), 'the new volume holds the snapshot\'s data');
  assert.ok(!same(fromSnap, vol));
  assert.equal((await cv('DELETE', `/volumes/${vol}`)).status, 400, 'a volume with snapshots is not deleted');
  assert.equal((await cv('DELETE', `/snapshots/${snap.id}`)).status, 202);
  await settle('snapshots', snap.id, 'GONE');
  assert.equal((await cv('DELETE', `/volumes/${vol}`)).status, 202);
});

test('snapshots of an in-use volume: 400 without force; with force (the guest holds no lock: fake driver) it holds the data of then', { skip }, async () => {
  const nova = novaClient(cloud.url, user.token, user.project);
  const imageRef = (await nova.call('GET', '/images')).body.images[0].id;
  const booted = await nova.call('POST', '/servers', { server: { name: 'snap-host', imageRef, flavorRef: '1' } });
  assert.equal(booted.status, 202, JSON.stringify(booted.body));
  const server = booted.body.server.id as string;
  await nova.waitStatus(server, 'ACTIVE');
  const vol = await newVolume('attached');
  write(vol, 0, MIB, 0x61);
  assert.equal((await nova.call('POST', `/servers/${server}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })).status, 200);
  assert.equal((await settle('volumes', vol, 'in-use')).status, 'in-use');
  const refused = await cv('POST', '/snapshots', { snapshot: { volume_id: vol, name: 'live' } });
  assert.equal(refused.status, 400);
  assert.match(refused.body.badRequest?.message ?? '', /status must be available, but current status is: in-use/);
  const r = await cv('POST', '/snapshots', { snapshot: { volume_id: vol, name: 'live', force: true } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const snap = await settle('snapshots', r.body.snapshot.id, 'available');
  write(vol, 0, MIB, 0x62);
  const then = await newVolume('copy-of-then-2');
  write(then, 0, MIB, 0x61);
  const made = await cv('POST', '/volumes', { volume: { snapshot_id: snap.id, name: 'from-live-snap' } });
  assert.equal(made.status, 202, JSON.stringify(made.body));
  const fromSnap = (await settle('volumes', made.body.volume.id, 'available')).id;
  assert.ok(same(fromSnap, then), 'the snapshot holds the data written before it');
  assert.equal((await cv('GET', `/volumes/${vol}`)).body.volume.status, 'in-use', 'the volume stays attached');
  assert.equal((await nova.call('DELETE', `/servers/${server}`)).status, 204);
  await settle('volumes', vol, 'available');
  assert.equal((await cv('DELETE', `/snapshots/${snap.id}`)).status, 202);
  await settle('snapshots', snap.id, 'GONE');
});

test('backups: full → restore to a new volume; incremental stores only changed chunks; restore onto an existing volume; dependents block a delete', { skip }, async () => {
  const vol = await newVolume('data');
  write(vol, 0, 3 * MIB, 0x11);
  write(vol, 300 * MIB, MIB, 0x22);
  const full = await backup(vol);
  assert.equal(full.object_count, 2, 'the two chunks holding data; the rest of the 1 GiB volume is zeros');
  assert.equal(full.container, 'volumebackups');
  const restored = await restore(full.id);
  assert.ok(same(restored, vol), 'the restored volume equals the original');

  write(vol, 300 * MIB + 4096, 10, 0x33);
  const incr = await backup(vol, true);
  assert.equal(incr.is_incremental, true);
  assert.equal(incr.object_count, 1, 'one changed block, one object');
  const store = new SwiftStore({ token: user.token, storageUrl: user.storageUrl, container: 'volumebackups', segmentsContainer: null });
  const objects = (await store.list()).filter((n) => n.includes(`_backup_${incr.id}`));
  assert.equal(objects.length, 1 + 2, 'one data object, _metadata and _sha256file');
  assert.equal((await cv('GET', `/backups/${full.id}`)).body.backup.has_dependent_backups, true);

  // Onto the existing volume restored before (available, older data): now equal to the changed volume.
  assert.ok(!same(restored, vol));
  await restore(incr.id, restored);
  assert.ok(same(restored, vol), 'the existing volume now holds the incremental backup\'s data');

  const refused = await cv('DELETE', `/backups/${full.id}`);
  assert.equal(refused.status, 400);
  assert.match(refused.body.badRequest?.message ?? JSON.stringify(refused.body), /Incremental backups exist/);
  assert.equal((await cv('DELETE', `/backups/${incr.id}`)).status, 202);
  await settle('backups', incr.id, 'GONE');
  assert.equal((await cv('DELETE', `/backups/${full.id}`)).status, 202);
  await settle('backups', full.id, 'GONE');
  assert.deepEqual(await store.list(), [], 'the backups\' objects are gone');
});

test('CLI: backup create --wait and restore --wait (by name) with progress', { skip }, async () => {
  const swiftly = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
  const cli = (...args: string[]) => promisify(execFile)(process.execPath, [swiftly, 'compute', 'volume', ...args, '--compute-url', cloud.url, '--token', user.token, '--project', user.project]);
  const vol = await newVolume('cli');
  write(vol, 5 * MIB, MIB, 0x55);
  const created = await cli('backup', 'create', vol, '--name', 'nightly', '--wait');
  assert.match(created.stderr, /Backup .*100%/, 'a progress line at 100%');
  assert.match(created.stdout, /status\s+\|\s+available/);
  const restored = await cli('backup', 'restore', 'nightly', '--wait');
  const newId = /volume_id\s+\|\s+(\S+)/.exec(restored.stdout)?.[1];
  assert.ok(newId && same(newId, vol), restored.stdout);
});
