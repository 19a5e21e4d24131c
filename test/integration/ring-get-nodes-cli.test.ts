/** `swiftly ring get-nodes`, run as a process against a temp swift dir. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ring, writeRingFile, type RingNode } from '../../ring/index.js';
import { sampleRingData } from '../helpers/ring-fixtures.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const run = promisify(execFile);

let swiftDir: string;
let ringPath: string;
let ring: Ring;
before(() => {
  swiftDir = mkdtempSync(join(tmpdir(), 'swiftly-get-nodes-'));
  writeFileSync(join(swiftDir, 'swift.conf'), '[swift-hash]\nswift_hash_path_prefix = pre\nswift_hash_path_suffix = suf\n');
  ringPath = join(swiftDir, 'object.ring.gz');
  writeRingFile(ringPath, sampleRingData(10, 3, 4));
  ring = new Ring(ringPath, { hashPath: { prefix: 'pre', suffix: 'suf' } });
});
after(() => {
  rmSync(swiftDir, { recursive: true, force: true });
});

async function getNodes(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [SWIFTLY, 'ring', 'get-nodes', ...args, '--swift-dir', swiftDir]);
  return stdout;
}

const brief = (n: RingNode): unknown => ({ id: n.id, ip: n.ip, port: n.port, device: n.device, region: n.region, zone: n.zone });

test('--json --all prints the partition, primaries in replica order and every handoff in Swift order', async () => {
  const out = JSON.parse(await getNodes(ringPath, 'AUTH_test', 'photos', 'cat/1.jpg', '--json', '--all'));
  const { partition, nodes } = ring.getNodes('AUTH_test', 'photos', 'cat/1.jpg');
  assert.equal(out.partition, partition);
  assert.deepEqual(out.primaries.map(brief), nodes.map(brief));
  assert.deepEqual(out.handoffs.map(brief), [...ring.moreNodes(partition)].map(brief));
  assert.deepEqual(out.handoffs.map((n: RingNode) => n.handoff_index), out.handoffs.map((_: unknown, i: number) => i));
});

test('a/c/o as one argument; without --all as many handoffs as primaries', async () => {
  const out = JSON.parse(await getNodes(ringPath, 'AUTH_test/photos/cat/1.jpg', '--json'));
  const { partition, nodes } = ring.getNodes('AUTH_test', 'photos', 'cat/1.jpg');
  assert.equal(out.partition, partition);
  assert.equal(out.handoffs.length, nodes.length);
  assert.deepEqual(out.handoffs.map(brief), [...ring.moreNodes(partition)].slice(0, nodes.length).map(brief));
});

test('the table names the partition, hash, primaries and handoffs', async () => {
  const out = await getNodes(ringPath, 'AUTH_test', 'photos');
  const { partition, nodes } = ring.getNodes('AUTH_test', 'photos');
  assert.match(out, new RegExp(`^Partition\\t${partition}$`, 'm'));
  assert.match(out, /^Hash {5}\t[0-9a-f]{32}$/m);
  const servers = out.split('\n').filter((l) => l.startsWith('Server:Port Device'));
  assert.equal(servers.length, 2 * nodes.length);
  assert.equal(servers[0], `Server:Port Device\t${nodes[0].ip}:${nodes[0].port} ${nodes[0].device}`);
  assert.ok(servers[nodes.length].endsWith('\t [Handoff]'));
});

test('a missing swift.conf is an error exit', async () => {
  const other = mkdtempSync(join(tmpdir(), 'swiftly-get-nodes-empty-'));
  try {
    await assert.rejects(run(process.execPath, [SWIFTLY, 'ring', 'get-nodes', ringPath, 'AUTH_test', '--swift-dir', other]), (err: { code?: number }) => err.code !== 0);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('a missing argument is not read from standard input (a script whose stdin is a file)', async () => {
  const input = join(swiftDir, 'stdin.txt');
  writeFileSync(input, 'photos\ncat.jpg\n');
  const fd = openSync(input, 'r');
  const child = spawn(process.execPath, [SWIFTLY, 'ring', 'get-nodes', ringPath, 'AUTH_test', '--json', '--swift-dir', swiftDir], { stdio: [fd, 'pipe', 'inherit'] });
  closeSync(fd);
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0);
  const out = JSON.parse(stdout) as { partition: number };
  assert.equal(out.partition, ring.getNodes('AUTH_test').partition, 'the account\'s partition');
  assert.notEqual(ring.getNodes('AUTH_test').partition, ring.getNodes('AUTH_test', 'photos\ncat.jpg').partition, 'the fixture tells them apart');
});
