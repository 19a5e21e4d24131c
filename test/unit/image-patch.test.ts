/** Glance's create bodies and JSON-patch on image records (pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, createFields, imageView } from '../../compute/image/glance-views.js';
import type { GlanceImage } from '../../compute/image/image-db.js';

const image = (over: Partial<GlanceImage> = {}): GlanceImage => ({
  id: '11111111-2222-3333-4444-555555555555', name: 'a', status: 'queued', disk_format: 'raw', container_format: 'bare', size: 0,
  min_ram: 0, min_disk: 0, visibility: 'private', owner: 'p1', properties: { architecture: 'x86_64' }, created_at: '2026-01-01T00:00:00Z',
  updated_at: null, checksum: null, os_hash_algo: null, os_hash_value: null, protected: false, tags: [], os_hidden: false, ...over,
});

test('create: core fields validated, extra keys become properties, server-owned attributes refused', () => {
  const f = createFields({ name: 'x', disk_format: 'qcow2', container_format: 'bare', min_ram: 64, architecture: 'aarch64', tags: ['a', 'a'] });
  assert.equal(f.disk_format, 'qcow2');
  assert.equal(f.min_ram, 64);
  assert.deepEqual(f.properties, { architecture: 'aarch64' });
  assert.deepEqual(f.tags, ['a']);
  assert.throws(() => createFields({ disk_format: 'floppy' }), (e: { status: number }) => e.status === 400);
  assert.throws(() => createFields({ status: 'active' }), (e: { status: number }) => e.status === 403);
  assert.throws(() => createFields({ checksum: 'x' }), (e: { status: number }) => e.status === 403);
  assert.throws(() => createFields({ min_disk: -1 }), (e: { status: number }) => e.status === 400);
  assert.throws(() => createFields({ hw_x: 1 }), (e: { status: number }) => e.status === 400);
  assert.throws(() => createFields({ id: 'nope' }), (e: { status: number }) => e.status === 400);
});

test('patch: add/replace/remove of properties and core attributes; read-only and missing properties refused', () => {
  const next = applyPatch(image(), [
    { op: 'replace', path: '/name', value: 'b' }, { op: 'add', path: '/os_distro', value: 'cirros' },
    { op: 'remove', path: '/architecture' }, { op: 'replace', path: '/min_disk', value: 2 },
  ], false);
  assert.equal(next.name, 'b');
  assert.equal(next.min_disk, 2);
  assert.deepEqual(next.properties, { os_distro: 'cirros' });
  assert.throws(() => applyPatch(image(), [{ op: 'replace', path: '/size', value: 1 }], false), (e: { status: number }) => e.status === 403);
  assert.throws(() => applyPatch(image(), [{ op: 'remove', path: '/nothere' }], false), (e: { status: number }) => e.status === 409);
  assert.throws(() => applyPatch(image(), [{ op: 'replace', path: '/nothere', value: 'x' }], false), (e: { status: number }) => e.status === 409);
  assert.throws(() => applyPatch(image(), [{ op: 'move', path: '/name' }], false), (e: { status: number }) => e.status === 400);
  assert.throws(() => applyPatch(image(), { op: 'add' }, false), (e: { status: number }) => e.status === 400);
  assert.throws(() => applyPatch(image({ status: 'active' }), [{ op: 'replace', path: '/disk_format', value: 'qcow2' }], false), (e: { status: number }) => e.status === 403);
  // The admin extension: status and size for drivers that have no data to upload.
  assert.equal(applyPatch(image(), [{ op: 'replace', path: '/status', value: 'active' }], true).status, 'active');
  assert.throws(() => applyPatch(image(), [{ op: 'replace', path: '/status', value: 'active' }], false), (e: { status: number }) => e.status === 403);
});

test('view: properties flattened beside core attributes, links as Glance gives them', () => {
  const v = imageView(image({ status: 'active', size: 5, checksum: 'c', os_hash_algo: 'sha512', os_hash_value: 'h' }));
  assert.equal(v.architecture, 'x86_64');
  assert.equal(v.size, 5);
  assert.equal(v.self, '/v2/images/11111111-2222-3333-4444-555555555555');
  assert.equal(v.file, '/v2/images/11111111-2222-3333-4444-555555555555/file');
  assert.equal(v.schema, '/v2/schemas/image');
  assert.equal(imageView(image()).size, null);
});
