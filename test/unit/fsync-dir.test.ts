import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsyncDir, fsyncDirSync } from '../../common/index.js';

const root = mkdtempSync(join(tmpdir(), 'fsync-dir-'));
after(() => rmSync(root, { recursive: true, force: true }));
const file = join(root, 'file');
writeFileSync(file, 'x');

test('fsyncDir and fsyncDirSync fsync a directory', async () => {
  await fsyncDir(root);
  fsyncDirSync(root);
});

// Swift's fsync_dir opens with O_DIRECTORY and raises ENOTDIR; the DB
// servers' copy opened any path and would have called a file durable.
test('a path that is not a directory fails with ENOTDIR', async () => {
  await assert.rejects(fsyncDir(file), { code: 'ENOTDIR' });
  assert.throws(() => fsyncDirSync(file), { code: 'ENOTDIR' });
});

test('a missing directory fails with ENOENT', async () => {
  await assert.rejects(fsyncDir(join(root, 'gone')), { code: 'ENOENT' });
  assert.throws(() => fsyncDirSync(join(root, 'gone')), { code: 'ENOENT' });
});
