/**
 * The bed's delay without netem (test/helpers/multihost/delay.ts): two
 * bare namespaces joined on two networks, as a bed host is on its storage
 * and replication networks. A TCP connect from the delayed namespace takes
 * one round trip, so with a 150 ms delay it must take 150 ms more (less than
 * twice that: the relay adds its own time on a busy machine) on both
 * networks; once removed, it must be back to what it was, and the relay,
 * its TUN, its routes and its rule gone from the namespace.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { NetnsLab, netnsUnavailable } from '../helpers/netns.js';
import { Delay, DELAY_MARK, DELAY_TUN } from '../helpers/multihost/delay.js';

const why = await netnsUnavailable();
const MS = 150;
const PEERS = ['10.239.1.2', '10.239.2.2'];

/** The median of `n` TCP connects from `ns` to `host`:7007, in ms (each connect is one round trip). */
const CONNECT_TIMES = `
const net = require('node:net');
const [host, n] = [process.argv[1], Number(process.argv[2])];
const once = () => new Promise((resolve, reject) => {
  const t = process.hrtime.bigint();
  const s = net.connect(7007, host, () => { s.destroy(); resolve(Number(process.hrtime.bigint() - t) / 1e6); });
  s.on('error', reject);
});
(async () => { const ms = []; for (let i = 0; i < n; i++) ms.push(await once()); ms.sort((a, b) => a - b); console.log(ms[n >> 1]); })();
`;

describe('multi-host: a delay without netem', { skip: why }, () => {
  const lab = new NetnsLab();
  let a: string;
  before(async () => {
    a = await lab.add('a');
    const b = await lab.add('b');
    for (const [i, net] of [[1, '10.239.1'], [2, '10.239.2']] as const) {
      await lab.veth(a, `eth-${i}`, b, `eth-${i}`);
      await lab.ip(a, ['addr', 'add', `${net}.1/24`, 'dev', `eth-${i}`]);
      await lab.ip(b, ['addr', 'add', `${net}.2/24`, 'dev', `eth-${i}`]);
    }
    const server = lab.spawn(b, process.execPath, ['-e', "require('node:net').createServer((s) => s.destroy()).listen(7007, () => console.log('up'))"]);
    await new Promise((resolve) => server.stdout!.once('data', resolve));
  });
  after(async () => {
    await lab.cleanup();
  });

  const connectMs = async (peer: string): Promise<number> => Number(await lab.run(a, process.execPath, ['-e', CONNECT_TIMES, peer, '7']));

  it('adds ≈ms to a round trip on both networks, and nothing once removed', async () => {
    const base = await Promise.all(PEERS.map(connectMs));
    for (const ms of base) assert.ok(ms < MS / 2, `a connect on an undelayed link took ${ms} ms`);

    const delay = await Delay.add(a, MS);
    let removed = false;
    const delayed: number[] = [];
    try {
      for (const [i, peer] of PEERS.entries()) {
        const ms = await connectMs(peer);
        delayed.push(ms);
        assert.ok(ms >= MS && ms < base[i] + 2 * MS, `connect to ${peer} with ${MS} ms of delay: ${ms} ms (without: ${base[i]} ms)`);
      }
      assert.match(await lab.ip(a, ['link', 'show', DELAY_TUN]), /UP/);
      await delay.remove();
      removed = true;
    } finally {
      if (!removed) await delay.remove();
    }

    const healed = await Promise.all(PEERS.map(connectMs));
    console.log(`TCP connect, median of 7 (ms) on each network: without ${base.join(' / ')}, with a ${MS} ms delay ${delayed.join(' / ')}, after its removal ${healed.join(' / ')}`);
    for (const [i, peer] of PEERS.entries()) {
      const ms = healed[i];
      assert.ok(ms < base[i] + MS / 2, `connect to ${peer} after the delay's removal: ${ms} ms (before it: ${base[i]} ms)`);
    }
    assert.doesNotMatch(await lab.ip(a, ['link', 'show']), new RegExp(DELAY_TUN));
    assert.doesNotMatch(await lab.ip(a, ['rule', 'show']), new RegExp(`fwmark 0x${DELAY_MARK.toString(16)}`));
    assert.equal((await lab.ip(a, ['route', 'show', 'table', 'all'])).includes(DELAY_TUN), false);
    assert.equal(execFileSync('ip', ['netns', 'pids', a], { encoding: 'utf8' }).trim(), '', 'a process left in the namespace');
  });
});
