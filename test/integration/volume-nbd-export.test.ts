/**
 * A volume host's NBD exports (compute/volume/nbd-exports.ts) with the real
 * qemu-nbd on loopback: an export serves the volume's guest-visible bytes
 * (a qcow2 file read through its format) to an NBD client; exporting again
 * gives the same export; a port someone else holds is skipped; unexport
 * stops the server (nothing answers any more) and is a no-op the second
 * time.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandMissing } from '../helpers/commands.js';
import { NbdExports } from '../../compute/volume/index.js';

const exec = promisify(execFile);
const missing = await commandMissing(['qemu-nbd', 'qemu-io', 'qemu-img']);
const skip = missing && !process.env.CI ? missing : false;

let tmp: string;
let holder: Server;
let first: number;
const ids = ['0e4b7b52-5a0c-4d59-9d8e-6f4bb0a1c001', '0e4b7b52-5a0c-4d59-9d8e-6f4bb0a1c002'];

/** A free loopback port, kept busy by a server of ours (the "someone else" of the test). */
async function holdPort(): Promise<Server> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

/** qemu-io reads `len` bytes at 0 from the export and checks they all are `pattern`; rejects otherwise. */
const readPattern = (port: number, name: string, pattern: number, len = 65536) =>
  exec('qemu-io', ['-r', '-f', 'raw', '-c', `read -P ${pattern} 0 ${len}`, `nbd://127.0.0.1:${port}/${name}`], { timeout: 20_000 });

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'swiftly-nbd-export-'));
  holder = await holdPort();
  first = (holder.address() as { port: number }).port;
  for (const [i, id] of ids.entries()) {
    const file = join(tmp, `volume-${id}`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', file, '64M']);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P ${0x41 + i} 0 65536`, file], { stdio: 'ignore' });
  }
});

after(async () => {
  if (skip) return;
  const exports = new NbdExports({ bindHost: '127.0.0.1', ports: [first, first + 20], stateDir: join(tmp, 'nbd') });
  for (const id of ids) await exports.unexport(id).catch(() => {});
  holder?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('qemu-nbd exports serve the volume\'s bytes, skip a taken port, are reused, and stop on unexport', { skip }, async () => {
  const exports = new NbdExports({ bindHost: '127.0.0.1', ports: [first, first + 20], stateDir: join(tmp, 'nbd') });
  const path = (id: string) => join(tmp, `volume-${id}`);
  const a = await exports.export(ids[0]!, path(ids[0]!), 'qcow2');
  assert.equal(a.host, '127.0.0.1');
  assert.equal(a.name, `volume-${ids[0]}`);
  assert.ok(a.port > first && a.port <= first + 20, `the held port ${first} is skipped (got ${a.port})`);
  await readPattern(a.port, a.name, 0x41);
  await assert.rejects(readPattern(a.port, a.name, 0x42), Error, 'the check can fail');

  assert.deepEqual(await exports.export(ids[0]!, path(ids[0]!), 'qcow2'), a, 'exporting again gives the running export');
  const b = await exports.export(ids[1]!, path(ids[1]!), 'qcow2');
  assert.notEqual(b.port, a.port);
  await readPattern(b.port, b.name, 0x42);

  await exports.unexport(ids[0]!);
  assert.equal(await exports.running(ids[0]!), undefined);
  await assert.rejects(readPattern(a.port, a.name, 0x41), Error, 'nothing serves the volume once unexported');
  await exports.unexport(ids[0]!);
  await readPattern(b.port, b.name, 0x42);
  await exports.unexport(ids[1]!);
});
