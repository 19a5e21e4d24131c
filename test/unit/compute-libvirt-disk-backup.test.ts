/** The push-mode backup XML that copies one disk of a running domain (compute/driver/libvirt/disk-backup.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diskBackupXml } from '../../compute/driver/libvirt/disk-backup.js';

test('names only the disk asked for, with its target file and format', () => {
  const xml = diskBackupXml('vdb', { path: "/v/volume-1.snapshot-2 & 'x'", format: 'qcow2' });
  assert.match(xml, /^<domainbackup mode='push'>/);
  assert.equal(xml.match(/<disk /g)?.length, 1);
  assert.match(xml, /<disk name='vdb' backup='yes' type='file'>/);
  assert.match(xml, /<driver type='qcow2'\/>/);
  assert.match(xml, /<target file='\/v\/volume-1\.snapshot-2 &amp; &apos;x&apos;'\/>/);
});

test('refuses what is not a disk name or a format', () => {
  assert.throws(() => diskBackupXml("vdb' backup='no", { path: '/x', format: 'raw' }), RangeError);
  assert.throws(() => diskBackupXml('vdb', { path: '/x', format: 'vmdk' as 'raw' }), RangeError);
});
