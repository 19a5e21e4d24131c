/** The memcached text-protocol client, against a minimal memcached speaking the same protocol. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { MemcacheClient } from '../../proxy/index.js';

/** Enough of memcached for get/set/add/delete (no expiry). */
function miniMemcached(): Server {
  const store = new Map<string, string>();
  return createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      for (;;) {
        const i = buf.indexOf('\r\n');
        if (i === -1) return;
        const [cmd, key, , , bytes] = buf.slice(0, i).split(' ');
        if (cmd === 'set' || cmd === 'add') {
          const n = Number(bytes);
          if (buf.length < i + 2 + n + 2) return;
          const data = buf.slice(i + 2, i + 2 + n);
          buf = buf.slice(i + 2 + n + 2);
          if (cmd === 'add' && store.has(key)) sock.write('NOT_STORED\r\n');
          else {
            store.set(key, data);
            sock.write('STORED\r\n');
          }
          continue;
        }
        buf = buf.slice(i + 2);
        if (cmd === 'get') {
          const v = store.get(key);
          sock.write(v === undefined ? 'END\r\n' : `VALUE ${key} 2 ${Buffer.byteLength(v)}\r\n${v}\r\nEND\r\n`);
        } else if (cmd === 'delete') {
          sock.write(store.delete(key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n');
        } else sock.write('ERROR\r\n');
      }
    });
  });
}

describe('MemcacheClient', () => {
  let server: Server;
  let client: MemcacheClient;

  before(async () => {
    server = miniMemcached();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    client = new MemcacheClient([`127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`]);
  });

  after(async () => {
    client.close();
    await new Promise((r) => server.close(r));
  });

  it('sets, gets JSON values, deletes', async () => {
    assert.equal(await client.get('nothing'), undefined);
    await client.set('AUTH_/token/abc', [123.5, 'test,test:tester'], 60);
    assert.deepEqual(await client.get('AUTH_/token/abc'), [123.5, 'test,test:tester']);
    await client.delete('AUTH_/token/abc');
    assert.equal(await client.get('AUTH_/token/abc'), undefined);
  });

  it('pipelines concurrent requests in order', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.set(`k${i}`, { i })));
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`k${i}`)));
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => ({ i })));
  });

  it('misses instead of failing when the server is gone', async () => {
    const dead = new MemcacheClient(['127.0.0.1:1'], { timeoutMs: 200 });
    assert.equal(await dead.get('x'), undefined);
    await dead.set('x', 1);
    dead.close();
  });
});

describe('MemcacheClient batching and close', () => {
  let server: Server;
  let address: string;
  let connections = 0;
  /** Every byte the server was sent, on any connection. */
  let received = '';
  const sockets = new Set<Socket>();
  const clients: MemcacheClient[] = [];
  const newClient = () => {
    const c = new MemcacheClient([address]);
    clients.push(c);
    return c;
  };

  /** Whether `p` resolves or rejects within `ms`: one that never settles would hang the request awaiting it. */
  const settlesWithin = (p: Promise<unknown>, ms: number) =>
    Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

  before(async () => {
    server = miniMemcached();
    server.on('connection', (sock) => {
      connections++;
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('data', (d: Buffer) => (received += d.toString('utf8')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    address = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }, { timeout: 5_000 });

  after(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }, { timeout: 5_000 });

  it('commands asked for in one tick each get their own answer, in order, on one connection', { timeout: 5_000 }, async () => {
    const c = newClient();
    const before = connections;
    // Single-line (set, delete) and END-terminated (get) replies mixed in one batch.
    const answers = await Promise.all([
      c.get('batch/a'),
      c.set('batch/a', { v: 1 }),
      c.get('batch/a'),
      c.get('batch/missing'),
      c.set('batch/b', ['two']),
      c.delete('batch/a'),
      c.get('batch/a'),
      c.get('batch/b'),
    ]);
    assert.deepEqual(answers, [undefined, undefined, { v: 1 }, undefined, undefined, undefined, undefined, ['two']]);
    assert.equal(connections - before, 1, 'the batch went out on one connection');
  });

  it('a command asked for then closed in the same tick settles, on a new client and on a connected one', { timeout: 5_000 }, async () => {
    const fresh = newClient();
    const fromFresh = fresh.get('close/k');
    fresh.close();
    const connected = newClient();
    await connected.set('close/k', 'stored');
    assert.equal(await connected.get('close/k'), 'stored');
    const fromConnected = connected.get('close/k');
    connected.close();
    assert.equal(await settlesWithin(fromFresh, 1000), true, 'the new client\'s get settled');
    assert.equal(await settlesWithin(fromConnected, 1000), true, 'the connected client\'s get settled');
  });

  // A command queued for the next flush when close() comes must not go out
  // then (flush() would open a new connection after close, idling until the
  // client's timeout and holding up shutdown).
  it('after close nothing more is written, on a new client and on a connected one', { timeout: 5_000 }, async () => {
    for (const connectFirst of [false, true]) {
      const c = newClient();
      if (connectFirst) assert.equal(await c.get('close/unsent'), undefined);
      const sentBefore = received.length;
      const connectionsBefore = connections;
      const got = c.get('close/unsent');
      c.close();
      assert.equal(await settlesWithin(got, 1000), true);
      await new Promise((r) => setTimeout(r, 100));
      const which = connectFirst ? 'connected client' : 'new client';
      assert.equal(received.slice(sentBefore), '', `${which}: nothing was written after close`);
      assert.equal(connections, connectionsBefore, `${which}: no connection was opened after close`);
    }
  });
});
