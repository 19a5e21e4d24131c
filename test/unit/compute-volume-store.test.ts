/** The volume rows (SqlVolumeStore) and files (FileVolumeBackend): statuses as compare-and-swaps, attachments, a deleted server's volumes. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINES, openTestComputeDb, postgresUnavailable, type EngineName } from '../helpers/compute-db-engines.js';
import { PowerState, VmState } from '../../compute/model.js';
import { FileVolumeBackend, SqlVolumeStore, VolumeStateError, VolumeStatus } from '../../compute/volume/index.js';

async function temp(engine: EngineName) {
  const t = await openTestComputeDb(engine);
  return { db: t.db, store: new SqlVolumeStore(t.db.sql), done: t.done };
}

const newVolume = (size = 1) => ({ id: crypto.randomUUID(), project_id: 'p1', user_id: 'u1', name: 'v', description: null, size, format: 'raw' as const });

for (const engine of ENGINES) {
  describe(`volume rows on ${engine}`, () => {
    let skip: string | undefined;
    before(async () => { if (engine === 'postgres') skip = await postgresUnavailable(); });

    test('a volume row: creating → available by compare-and-swap; a stale expected status is refused with 409', async (c) => {
      if (skip) return c.skip(skip);
      const t = await temp(engine);
      try {
        const v = await t.store.create(newVolume(2));
        assert.equal(v.status, VolumeStatus.CREATING);
        assert.deepEqual(v.metadata, {});
        assert.equal((await t.store.update(v.id, { status: VolumeStatus.AVAILABLE }, [VolumeStatus.CREATING])).status, 'available');
        await assert.rejects(t.store.update(v.id, { status: VolumeStatus.EXTENDING }, [VolumeStatus.CREATING]), (e: Error) => e instanceof VolumeStateError && (e as VolumeStateError).status === 409);
        assert.deepEqual((await t.store.list({ projectId: 'p1' })).map((x) => x.id), [v.id]);
        assert.deepEqual(await t.store.list({ projectId: 'p2' }), []);
      } finally {
        await t.done();
      }
    });

    test('attachments: one server per volume (the second reserve is 409), detaching makes it available, deleting the server leaves it available', async (c) => {
      if (skip) return c.skip(skip);
      const t = await temp(engine);
      try {
        const v = await t.store.create(newVolume());
        await t.store.update(v.id, { status: VolumeStatus.AVAILABLE });
        const inst = await t.db.createInstance({
          uuid: crypto.randomUUID(), display_name: 'vm', project_id: 'p1', user_id: 'u1', image_ref: 'img', image_properties: {},
          flavor: (await t.db.getFlavor('1'))!, host: 'h', node: 'h', availability_zone: null, vm_state: VmState.ACTIVE,
          task_state: null, power_state: PowerState.RUNNING, metadata: {}, key_name: null, requested_networks: null,
        });
        const a = await t.store.reserveAttachment({ id: crypto.randomUUID(), volume_id: v.id, instance_uuid: inst.uuid, device: '/dev/vdb', host: 'h' });
        assert.equal((await t.store.get(v.id))!.status, 'attaching');
        await assert.rejects(t.store.reserveAttachment({ id: crypto.randomUUID(), volume_id: v.id, instance_uuid: inst.uuid, device: '/dev/vdc', host: 'h' }), /must be available/);
        await t.store.removeAttachment(a.id);
        assert.equal((await t.store.get(v.id))!.status, 'available');

        await t.store.reserveAttachment({ id: crypto.randomUUID(), volume_id: v.id, instance_uuid: inst.uuid, device: '/dev/vdb', host: 'h' });
        await t.store.update(v.id, { status: VolumeStatus.IN_USE });
        await t.db.destroyInstance(inst.uuid);
        assert.equal((await t.store.get(v.id))!.status, 'available', 'the volume outlives the server');
        assert.deepEqual(await t.store.attachments({ volumeId: v.id }), []);
      } finally {
        await t.done();
      }
    });
  });
}

test('volume files: raw and qcow2 made by qemu-img at their size, grown by extend, removed by delete', async (ctx) => {
  try {
    execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
  } catch {
    ctx.skip('qemu-img is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-volfiles-'));
  try {
    const backend = new FileVolumeBackend(join(dir, 'volumes'));
    for (const format of ['raw', 'qcow2'] as const) {
      const v = { id: crypto.randomUUID(), format };
      await backend.create(v, 1);
      assert.equal(await backend.virtualSize(v), 1024 ** 3);
      if (format === 'raw') assert.ok(statSync(backend.path(v)).blocks * 512 < 1024 ** 2, 'a raw volume is sparse');
      await backend.extend(v, 2);
      assert.equal(await backend.virtualSize(v), 2 * 1024 ** 3);
      const copy = { id: crypto.randomUUID(), format: 'qcow2' as const };
      await backend.createFrom(copy, backend.path(v), format, 3);
      assert.equal(await backend.virtualSize(copy), 3 * 1024 ** 3);
      await assert.rejects(backend.createFrom({ id: crypto.randomUUID(), format }, backend.path(v), format, 1), /doesn't fit/);
      await backend.delete(v);
      await backend.delete(copy);
      assert.equal(existsSync(backend.path(v)), false);
    }
    assert.deepEqual(readdirSync(join(dir, 'volumes')), [], 'no temporary file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
