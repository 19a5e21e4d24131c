/**
 * No CLI command reads standard input for an argument left out: oclif fills
 * a missing argument with all of stdin unless the argument says
 * `ignoreStdin`, so in a script whose stdin is a file a missing argument
 * would silently take the file's contents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RingBuilderCommand } from '../../cli/ring-builder/command.js';

const COMMANDS = fileURLToPath(new URL('../../cli/commands', import.meta.url));

function commandFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? commandFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []);
}

type Args = Record<string, { ignoreStdin?: boolean }>;

test('every argument of every command ignores standard input', async () => {
  const files = commandFiles(COMMANDS);
  assert.ok(files.length > 30, `found ${files.length} commands`);
  const reading: string[] = [];
  const check = (name: string, args: Args | undefined): void => {
    for (const [arg, def] of Object.entries(args ?? {})) if (def.ignoreStdin !== true) reading.push(`${name} <${arg}>`);
  };
  for (const file of files) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: { args?: Args } };
    check(file.slice(COMMANDS.length + 1), mod.default?.args);
  }
  check('RingBuilderCommand', RingBuilderCommand.args as Args);
  assert.deepEqual(reading, []);
});
