/**
 * An acknowledged container update survives kill -9 of the server process:
 * each update is one committed SQLite transaction in WAL mode, in the WAL
 * file before the answer goes out. Runs `swiftly server container <conf>`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SWIFT_CONF_TEXT, http } from './db-test-servers.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-db-kill-'));
const cli = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
let child: ChildProcess | undefined;
after(() => {
  child?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function startServer(conf: string, port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [cli, 'server', 'container', conf], { stdio: 'ignore' });
  // Generous: a loaded machine can take many seconds to start node. A server that never answers is killed, or it
  // would keep this test's process alive after the test has failed.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && proc.exitCode === null;) {
    try {
      await http(port, 'OPTIONS', '/sda/1/a/c');
      return proc;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill('SIGKILL');
  throw new Error('container server did not start');
}

test('rows acknowledged before kill -9 are all there after restart', async () => {
  mkdirSync(join(root, 'srv', 'sda'), { recursive: true });
  writeFileSync(join(root, 'swift.conf'), SWIFT_CONF_TEXT);
  const port = await freePort();
  const conf = join(root, 'container-server.conf');
  writeFileSync(conf, `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 0\ndevices = ${join(root, 'srv')}\n`
    + `mount_check = false\nswift_dir = ${root}\nlog_level = error\n[app:container-server]\nuse = egg:swift#container\n`);
  child = await startServer(conf, port);
  assert.equal((await http(port, 'PUT', '/sda/1/AUTH_k/c', { 'X-Timestamp': '1700000000.00000' })).status, 201);
  const acked: string[] = [];
  // writes in flight when the process dies: only the acknowledged ones are promised
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; ; i++) {
      const name = `w${w}-${String(i).padStart(5, '0')}`;
      try {
        const r = await http(port, 'PUT', `/sda/1/AUTH_k/c/${name}`, {
          'X-Timestamp': `${1700000001 + i}.0000${w}`, 'X-Size': '1', 'X-Content-Type': 'text/plain', 'X-Etag': 'e',
        });
        if (r.status === 201) acked.push(name);
      } catch {
        return;
      }
    }
  });
  // Kill once enough writes are acknowledged (not after a fixed time: on a busy machine 700 ms saw one).
  for (const until = Date.now() + 30_000; acked.length <= 20 && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGKILL');
  await Promise.all([writers, exited].flat());
  assert.ok(acked.length > 20, `only ${acked.length} writes acknowledged`);
  child = await startServer(conf, port);
  const listed = new Set((await http(port, 'GET', '/sda/1/AUTH_k/c')).body.split('\n').filter(Boolean));
  for (const name of acked) assert.ok(listed.has(name), `${name} was acknowledged but is missing`);
  const head = await http(port, 'HEAD', '/sda/1/AUTH_k/c');
  assert.equal(Number(head.headers['x-container-object-count']), listed.size);
});
