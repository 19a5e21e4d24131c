/**
 * The compute state DB on both engines (SQLite file, PostgreSQL database):
 * migrations, compare-and-swap on instance states, claims — also when
 * several stores (as on several hosts) race for the same rows.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { ComputeDb, MIGRATIONS, migrate, openComputeDb, openSqlDatabase, UnexpectedStateError } from '../../compute/db/index.js';
import { ResourceTracker } from '../../compute/manager/resource-tracker.js';
import type { HypervisorDriver } from '../../compute/driver/index.js';
import type { Instance } from '../../compute/model.js';
import { ENGINES, openTestComputeDb, postgresUnavailable } from '../helpers/compute-db-engines.js';

async function newInstance(db: ComputeDb, uuid: string, host: string | null = 'h1'): Promise<Instance> {
  return db.createInstance({
    uuid, display_name: 'vm1', project_id: 'p', user_id: 'u', image_ref: 'img', image_properties: {}, flavor: (await db.getFlavor('1'))!,
    host, node: host, availability_zone: null, vm_state: 'building', task_state: 'scheduling', power_state: 0,
    metadata: { a: 'b' }, key_name: null,
  });
}

for (const engine of ENGINES) {
  describe(`compute DB on ${engine}`, () => {
    let skip: string | undefined;
    before(async () => { if (engine === 'postgres') skip = await postgresUnavailable(); });

    test('migrations apply in order once, and a reopened DB keeps its version', async (t) => {
      if (skip) return t.skip(skip);
      const d = await openTestComputeDb(engine);
      try {
        assert.equal(await d.db.schemaVersion(), MIGRATIONS[MIGRATIONS.length - 1].version);
        const again = await openComputeDb(d.connection);
        assert.equal((await again.listFlavors()).length, 5, 'seeded flavors are not seeded twice');
        await again.close();
        const raw = await openSqlDatabase(d.connection);
        // A later migration applies on top of the current version.
        const v = await migrate(raw, [...MIGRATIONS, { version: 99, description: 't', up: (db) => db.exec('CREATE TABLE extra (x INTEGER);') }]);
        assert.equal(v, 99);
        await raw.close();
      } finally {
        await d.done();
      }
    });

    test('instances: compare-and-swap on vm/task state, usage counted from instances', async (t) => {
      if (skip) return t.skip(skip);
      const { db, done } = await openTestComputeDb(engine);
      try {
        await db.upsertComputeNode({ host: 'h1', hypervisor_type: 'fake', cpu_arch: 'x86_64', vcpus: 4, memory_mb: 4096, local_gb: 40 });
        await newInstance(db, 'u1');
        const up = await db.updateInstance('u1', { task_state: 'spawning' }, { task_state: ['scheduling'] });
        assert.equal(up.task_state, 'spawning');
        assert.deepEqual(up.metadata, { a: 'b' });
        assert.equal(up.deleted, false);
        await assert.rejects(db.updateInstance('u1', { task_state: null }, { task_state: ['scheduling'] }), UnexpectedStateError);
        assert.deepEqual(await db.usageOnHost('h1'), { vcpus_used: 1, memory_mb_used: 512, local_gb_used: 1, running_vms: 1 });
        assert.equal((await db.listInstances({ flavorId: '1' })).length, 1);
        await db.heartbeat('b', 'h1', Date.now());
        await db.destroyInstance('u1');
        assert.equal(await db.getInstance('u1'), undefined);
        assert.equal((await db.getInstance('u1', true))?.vm_state, 'deleted');
        assert.deepEqual(await db.usageOnHost('h1'), { vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0 });
      } finally {
        await done();
      }
    });

    test('flavors: unique names and ids are a conflict', async (t) => {
      if (skip) return t.skip(skip);
      const { db, done } = await openTestComputeDb(engine);
      try {
        const f = await db.createFlavor({ flavorid: 'x1', name: 'x.one', memory_mb: 64, vcpus: 1, root_gb: 0, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false, description: null, extra_specs: {} });
        assert.equal(f.name, 'x.one');
        assert.equal(f.rxtx_factor, 1);
        await assert.rejects(db.createFlavor({ ...f, flavorid: 'x2' }), /Flavor with name x.one already exists/);
        await assert.rejects(db.createFlavor({ ...f, name: 'other' }), /Flavor with ID x1 already exists/);
        assert.ok(await db.deleteFlavor('x1'));
        assert.equal(await db.getFlavor('x1'), undefined);
        assert.equal((await db.listFlavors({ isPublic: true })).length, 5);
      } finally {
        await done();
      }
    });

    test('services heartbeat with epoch milliseconds', async (t) => {
      if (skip) return t.skip(skip);
      const { db, done } = await openTestComputeDb(engine);
      try {
        await db.registerService('swiftly-compute', 'h1', 'compute');
        const now = Date.now();
        await db.heartbeat('swiftly-compute', 'h1', now);
        const svc = await db.getService('swiftly-compute', 'h1');
        assert.equal(svc?.last_seen_up, now);
        assert.equal(svc?.report_count, 1);
        assert.equal(svc?.disabled, false);
      } finally {
        await done();
      }
    });

    test('two stores racing a compare-and-swap on one instance: exactly one wins each round', async (t) => {
      if (skip) return t.skip(skip);
      const d = await openTestComputeDb(engine);
      const other = await openComputeDb(d.connection);
      try {
        await newInstance(d.db, 'race');
        for (let round = 0; round < 10; round++) {
          const from = (await d.db.getInstance('race'))!.task_state;
          const tries = Array.from({ length: 6 }, (_, i) => (i % 2 ? other : d.db).updateInstance('race', { task_state: `t${round}-${i}` as Instance['task_state'] }, { task_state: [from] }));
          const results = await Promise.allSettled(tries);
          const won = results.filter((r) => r.status === 'fulfilled');
          assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
          for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof UnexpectedStateError, String(r.reason));
        }
      } finally {
        await other.close();
        await d.done();
      }
    });

    test('claims racing from two stores never overcommit a host', async (t) => {
      if (skip) return t.skip(skip);
      const d = await openTestComputeDb(engine);
      const other = await openComputeDb(d.connection);
      try {
        // Room for 3 m1.tiny (512 MB) at ram ratio 1.
        await d.db.upsertComputeNode({ host: 'h1', hypervisor_type: 'fake', cpu_arch: 'x86_64', vcpus: 64, memory_mb: 1536, local_gb: 100 });
        const ratios = { cpu: 1, ram: 1, disk: 1 };
        const driver = {} as HypervisorDriver;
        const trackers = [new ResourceTracker(d.db, 'h1', driver, ratios), new ResourceTracker(other, 'h1', driver, ratios)];
        const flavor = (await d.db.getFlavor('1'))!;
        const uuids = Array.from({ length: 8 }, (_, i) => `claim-${i}`);
        for (const u of uuids) await newInstance(d.db, u, null);
        const results = await Promise.allSettled(uuids.map((u, i) => trackers[i % 2].claim(u, flavor)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3, JSON.stringify(results.map((r) => r.status)));
        assert.equal((await d.db.usageOnHost('h1')).memory_mb_used, 1536);
      } finally {
        await other.close();
        await d.done();
      }
    });

    test('services opening a fresh DB at once apply each migration exactly once', async (t) => {
      if (skip) return t.skip(skip);
      const { spawn } = await import('node:child_process');
      const d = await openTestComputeDb(engine);
      // A fresh DB: drop what the helper migrated (SQLite: a new file beside it).
      let connection = d.connection;
      if (engine === 'sqlite') connection = d.connection.replace(/compute\.sqlite$/, 'race.sqlite');
      else await d.db.sql.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      const mod = new URL('../../compute/db/index.js', import.meta.url).href;
      try {
        const codes = await Promise.all(Array.from({ length: 4 }, () => new Promise<number>((resolve) => {
          const p = spawn(process.execPath, ['--input-type=module', '-e', `const { openComputeDb } = await import(${JSON.stringify(mod)}); await (await openComputeDb(${JSON.stringify(connection)})).close();`], { stdio: ['ignore', 'ignore', 'inherit'] });
          p.on('exit', (code) => resolve(code ?? 1));
        })));
        assert.deepEqual(codes, [0, 0, 0, 0]);
        const db = await openComputeDb(connection);
        assert.equal((await db.listFlavors()).length, 5);
        assert.equal((await db.sql.all(`SELECT * FROM images`)).length, 1);
        await db.close();
      } finally {
        await d.done();
      }
    });
  });
}
