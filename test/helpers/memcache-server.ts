/**
 * A memcached speaking the text protocol subset Swift's MemcacheRing and our
 * cache filter use (get/gets, set, add, delete, incr, decr, touch), for tests
 * where no memcached is installed. Expiry times are ignored.
 */
import { createServer, type Server } from 'node:net';

export interface MemcacheServer {
  port: number;
  close(): Promise<void>;
}

export async function startMemcache(): Promise<MemcacheServer> {
  const store = new Map<string, { flags: string; value: Buffer }>();
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const parts = buf.subarray(0, eol).toString('latin1').split(' ');
        const [cmd, key] = parts;
        if (cmd === 'set' || cmd === 'add') {
          const len = Number(parts[4]);
          if (buf.length < eol + 2 + len + 2) return; // wait for the value
          const value = Buffer.from(buf.subarray(eol + 2, eol + 2 + len));
          buf = buf.subarray(eol + 2 + len + 2);
          if (cmd === 'add' && store.has(key)) { sock.write('NOT_STORED\r\n'); continue; }
          store.set(key, { flags: parts[2], value });
          sock.write('STORED\r\n');
          continue;
        }
        buf = buf.subarray(eol + 2);
        if (cmd === 'get' || cmd === 'gets') {
          for (const k of parts.slice(1)) {
            const v = store.get(k);
            if (v) sock.write(Buffer.concat([Buffer.from(`VALUE ${k} ${v.flags} ${v.value.length}\r\n`), v.value, Buffer.from('\r\n')]));
          }
          sock.write('END\r\n');
        } else if (cmd === 'delete') {
          sock.write(store.delete(key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n');
        } else if (cmd === 'incr' || cmd === 'decr') {
          const v = store.get(key);
          if (!v) { sock.write('NOT_FOUND\r\n'); continue; }
          const n = Math.max(0, Number(v.value.toString()) + (cmd === 'incr' ? 1 : -1) * Number(parts[2]));
          store.set(key, { flags: v.flags, value: Buffer.from(String(n)) });
          sock.write(`${n}\r\n`);
        } else if (cmd === 'touch') {
          sock.write(store.has(key) ? 'TOUCHED\r\n' : 'NOT_FOUND\r\n');
        } else {
          sock.write('ERROR\r\n');
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); }),
  };
}
