import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ComputeDb, MIGRATIONS, migrate, UnexpectedStateError } from '../../compute/db/index.js';

function tempDb(): { db: ComputeDb; path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-computedb-'));
  const path = join(dir, 'compute.sqlite');
  const db = new ComputeDb(path);
  return { db, path, done: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('migrations apply in order once, and a reopened DB keeps its version', () => {
  const t = tempDb();
  try {
    assert.equal(t.db.schemaVersion, MIGRATIONS[MIGRATIONS.length - 1].version);
    t.db.close();
    const again = new ComputeDb(t.path);
    assert.equal(again.listFlavors().length, 5, 'seeded flavors are not seeded twice');
    again.close();
    const raw = new Database(t.path);
    // A later migration applies on top of the current version.
    const v = migrate(raw, [...MIGRATIONS, { version: 99, description: 't', up: (db) => db.exec('CREATE TABLE extra (x)') }]);
    assert.equal(v, 99);
    raw.close();
  } finally {
    t.done();
  }
});

test('instances: compare-and-swap on vm/task state, usage counted from instances', () => {
  const t = tempDb();
  try {
    const flavor = t.db.getFlavor('1')!;
    t.db.upsertComputeNode({ host: 'h1', hypervisor_type: 'fake', cpu_arch: 'x86_64', vcpus: 4, memory_mb: 4096, local_gb: 40 });
    t.db.createInstance({
      uuid: 'u1', display_name: 'vm1', project_id: 'p', user_id: 'u', image_ref: 'img', image_properties: {}, flavor,
      host: 'h1', node: 'h1', availability_zone: null, vm_state: 'building', task_state: 'scheduling', power_state: 0,
      metadata: { a: 'b' }, key_name: null,
    });
    const up = t.db.updateInstance('u1', { task_state: 'spawning' }, { task_state: ['scheduling'] });
    assert.equal(up.task_state, 'spawning');
    assert.deepEqual(up.metadata, { a: 'b' });
    assert.throws(() => t.db.updateInstance('u1', { task_state: null }, { task_state: ['scheduling'] }), UnexpectedStateError);
    assert.deepEqual(t.db.usageOnHost('h1'), { vcpus_used: 1, memory_mb_used: 512, local_gb_used: 1, running_vms: 1 });
    t.db.destroyInstance('u1');
    assert.equal(t.db.getInstance('u1'), undefined);
    assert.equal(t.db.getInstance('u1', true)?.vm_state, 'deleted');
    assert.deepEqual(t.db.usageOnHost('h1'), { vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0 });
  } finally {
    t.done();
  }
});

test('flavors: unique names and ids are a conflict', () => {
  const t = tempDb();
  try {
    const f = t.db.createFlavor({ flavorid: 'x1', name: 'x.one', memory_mb: 64, vcpus: 1, root_gb: 0, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false, description: null, extra_specs: {} });
    assert.equal(f.name, 'x.one');
    assert.throws(() => t.db.createFlavor({ ...f, flavorid: 'x2' }), /Flavor with name x.one already exists/);
    assert.throws(() => t.db.createFlavor({ ...f, name: 'other' }), /Flavor with ID x1 already exists/);
    assert.ok(t.db.deleteFlavor('x1'));
    assert.equal(t.db.getFlavor('x1'), undefined);
  } finally {
    t.done();
  }
});

test('services opening a fresh DB at once apply each migration exactly once', async () => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-computedb-race-'));
  const path = join(dir, 'race.sqlite');
  const mod = new URL('../../compute/db/index.js', import.meta.url).href;
  try {
    const codes = await Promise.all(Array.from({ length: 4 }, () => new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', `const { ComputeDb } = await import(${JSON.stringify(mod)}); new ComputeDb(${JSON.stringify(path)}).close();`], { stdio: ['ignore', 'ignore', 'inherit'] });
      p.on('exit', (code) => resolve(code ?? 1));
    })));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const db = new ComputeDb(path);
    assert.equal(db.listFlavors().length, 5);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
