/**
 * The REPLICATE RPC is Swift's: Debian's swift-container-replicator, holding
 * a container DB made by Swift's own ContainerBroker, brings two swiftly
 * container servers in step over it (sync, merge_items, merge_syncs on a
 * keep-alive connection).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseIni, silentLogger as quietLogger, createLogger, swiftConfFromIni } from '../../common/index.js';
const silentLogger = process.env.SWIFTLY_DEBUG_SWIFT ? createLogger({ level: 'error' }) : quietLogger;
import { startStorageServer, type ListeningServer } from '../../storage/index.js';
import { http } from './db-test-servers.js';
import { ensureEtcSwiftConf, FIXED_SWIFT_CONF, writeRing } from '../../cli/cluster/layout.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-swift-repl-'));
const etc = join(root, 'etc');
const srv = join(root, 'srv');
const servers: ListeningServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  rmSync(root, { recursive: true, force: true });
});

function run(bin: string, args: string[], input?: string): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(bin, args, { cwd: etc, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Swift's own AccountBroker writes the "local" account replica on device d1. */
const MAKE_SWIFT_ACCOUNT_DB = `
import sys, os
from swift.common.ring import Ring
from swift.common.utils import hash_path, storage_directory
from swift.account.backend import AccountBroker
part, nodes = Ring(sys.argv[1], ring_name='account').get_nodes('AUTH_r')
h = hash_path('AUTH_r')
b = AccountBroker(os.path.join(sys.argv[2], 'd1', storage_directory('accounts', part, h), h + '.db'), account='AUTH_r')
b.initialize('1700000000.00000')
for i in range(10):
    b.put_container('cont-%d' % i, '17000001%02d.00000' % i, '0', i, i * 10, 0)
b.put_container('cont-0', '1700000100.00000', '1700000300.00000', 0, 0, 0)
print(part)
`;

/** Swift's own ContainerBroker writes the "local" replica on device d1. */
const MAKE_SWIFT_DB = `
import sys
from swift.common.ring import Ring
from swift.common.utils import hash_path, storage_directory
from swift.container.backend import ContainerBroker
import os
part, nodes = Ring(sys.argv[1], ring_name='container').get_nodes('AUTH_r', 'c')
h = hash_path('AUTH_r', 'c')
path = os.path.join(sys.argv[2], 'd1', storage_directory('containers', part, h), h + '.db')
b = ContainerBroker(path, account='AUTH_r', container='c')
b.initialize('1700000000.00000', 0)
for i in range(40):
    b.put_object('obj-%03d' % i, '17000001%02d.00000' % i, i, 'text/plain', 'etag%d' % i)
b.delete_object('obj-000', '1700000200.00000')
b.update_metadata({'X-Container-Meta-From': ('swift', '1700000000.00000')})
print(part)
`;

let port1 = 0;
const ports: number[] = [];
const accountPorts: number[] = [];
before(async () => {
  ensureEtcSwiftConf();
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'swift.conf'), FIXED_SWIFT_CONF);
  const swiftConf = swiftConfFromIni(parseIni(FIXED_SWIFT_CONF));
  for (const d of ['d1', 'd2', 'd3']) mkdirSync(join(srv, d), { recursive: true });
  for (let i = 0; i < 2; i++) {
    const a = await startStorageServer('account', { devices: srv, mount_check: 'false' }, { host: '127.0.0.1', port: 0, swiftConf, logger: silentLogger });
    servers.push(a);
    accountPorts.push(a.port);
    const s = await startStorageServer('container', { devices: srv, mount_check: 'false' }, { host: '127.0.0.1', port: 0, swiftConf, logger: silentLogger });
    servers.push(s);
    ports.push(s.port);
  }
  port1 = await freePort(); // the replicator's own node: nothing listens there
  // Part power 2, three devices for three replicas: every partition on each (written directly, not by six
  // swift-ring-builder runs at a Python start each).
  const build = (ring: string, peers: number[]): void => {
    const devices = [[port1, 'd1'], [peers[0], 'd2'], [peers[1], 'd3']] as const;
    writeRing(etc, ring, { partPower: 2, replicas: 3, minPartHours: 1, devices: devices.map(([port, device]) => ({ zone: 1, port, device, weight: 100 })) });
  };
  build('container', ports);
  build('account', accountPorts);
  writeFileSync(join(etc, 'container-replicator.conf'), `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port1}\nuser = ${userInfo().username}\n`
    + `swift_dir = ${etc}\ndevices = ${srv}\nmount_check = false\nlog_level = DEBUG\nrecon_cache_path = ${root}\n`
    + `[container-replicator]\nconcurrency = 1\n[account-replicator]\nconcurrency = 1\n`);
});

test('Swift\'s container replicator pushes rows to swiftly servers over REPLICATE', async () => {
  const made = await run('/usr/bin/python3', ['-c', MAKE_SWIFT_DB, etc, srv]);
  assert.equal(made.status, 0, made.out);
  const part = made.out.trim().split('\n').pop()!;
  // the peers hold the container too (as after its PUT), without the rows
  for (const [i, p] of ports.entries()) {
    const r = await http(p, 'PUT', `/d${i + 2}/${part}/AUTH_r/c`, { 'X-Timestamp': '1700000000.00000' });
    assert.equal(r.status, 201);
  }
  const r = await run('swift-container-replicator', [join(etc, 'container-replicator.conf'), '--once', '-v']);
  assert.equal(r.status, 0, r.out);
  assert.doesNotMatch(r.out, /ERROR|Traceback/, r.out);
  for (const [i, p] of ports.entries()) {
    const list = await http(p, 'GET', `/d${i + 2}/${part}/AUTH_r/c?format=json`);
    const rows = JSON.parse(list.body) as { name: string; bytes: number; hash: string }[];
    assert.equal(rows.length, 39, `d${i + 2}`);
    assert.deepEqual(rows[0], { ...rows[0], name: 'obj-001', bytes: 1, hash: 'etag1' });
    const head = await http(p, 'HEAD', `/d${i + 2}/${part}/AUTH_r/c`);
    assert.equal(head.headers['x-container-object-count'], '39');
    assert.equal(head.headers['x-container-meta-from'], 'swift');
  }
  // a second pass finds everything in sync (same hash, sync points recorded)
  const again = await run('swift-container-replicator', [join(etc, 'container-replicator.conf'), '--once', '-v']);
  assert.match(again.out, /in sync with/, again.out);
  if (process.env.SWIFTLY_DEBUG_SWIFT) process.stderr.write(r.out + again.out);
});

test('Swift\'s account replicator pushes container rows to swiftly account servers', async () => {
  const made = await run('/usr/bin/python3', ['-c', MAKE_SWIFT_ACCOUNT_DB, etc, srv]);
  assert.equal(made.status, 0, made.out);
  const part = made.out.trim().split('\n').pop()!;
  for (const [i, p] of accountPorts.entries()) {
    assert.equal((await http(p, 'PUT', `/d${i + 2}/${part}/AUTH_r`, { 'X-Timestamp': '1700000000.00000' })).status, 201);
  }
  const r = await run('swift-account-replicator', [join(etc, 'container-replicator.conf'), '--once', '-v']);
  assert.equal(r.status, 0, r.out);
  assert.doesNotMatch(r.out, /ERROR|Traceback/, r.out);
  for (const [i, p] of accountPorts.entries()) {
    const head = await http(p, 'HEAD', `/d${i + 2}/${part}/AUTH_r`);
    assert.equal(head.headers['x-account-container-count'], '9');
    assert.equal(head.headers['x-account-object-count'], String(45));
    assert.equal(head.headers['x-account-bytes-used'], String(450));
    const list = await http(p, 'GET', `/d${i + 2}/${part}/AUTH_r`);
    assert.equal(list.body, Array.from({ length: 9 }, (_, k) => `cont-${k + 1}\n`).join(''));
  }
  const again = await run('swift-account-replicator', [join(etc, 'container-replicator.conf'), '--once', '-v']);
  assert.match(again.out, /in sync with/, again.out);
});
