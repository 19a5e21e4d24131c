/**
 * oclif.manifest.json (written by `npm run build`, see cli/build/oclif-manifest.ts)
 * names every command under dist/cli/commands and this package's version: oclif
 * trusts it for the command list, so a stale one would hide a command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative, sep } from 'node:path';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function commandIds(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => relative(dir, join(dir, f)).replace(/\.js$/, '').split(sep).filter((p) => p !== 'index').join(':'));
}

test('the oclif manifest lists every built command, at this version', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as { version: string; commands: Record<string, { relativePath: string[] }> };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(manifest.version, pkg.version);
  assert.deepEqual(Object.keys(manifest.commands).sort(), commandIds(join(root, 'dist/cli/commands')).sort());
  assert.deepEqual(manifest.commands['ring:create'].relativePath, ['dist', 'cli', 'commands', 'ring', 'create.js']);
});
