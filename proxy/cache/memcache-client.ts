/**
 * A small memcached text-protocol client (get/set/delete/incr), values as
 * JSON as Swift's memcache client stores them. One connection per server,
 * requests pipelined in order; keys are spread by MD5 as Swift does (MD5 of
 * the key picks the server). Errors make a `get` miss rather than fail the
 * request: the cache is an optimisation.
 */
import { createConnection, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import type { Cache } from '../types.js';

interface Pending {
  resolve: (lines: string[]) => void;
  reject: (err: Error) => void;
  /** True when the reply ends with END (get), else a single line. */
  multi: boolean;
}

class Connection {
  private socket?: Socket;
  private buffer = '';
  private readonly queue: Pending[] = [];
  private lines: string[] = [];

  constructor(private readonly host: string, private readonly port: number, private readonly timeoutMs: number) {}

  private connect(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const s = createConnection({ host: this.host, port: this.port });
    s.setNoDelay(true);
    s.setEncoding('utf8');
    s.setTimeout(this.timeoutMs, () => s.destroy(new Error('memcache timeout')));
    s.on('data', (d: string) => this.onData(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      const err = new Error('memcache connection closed');
      for (const p of this.queue.splice(0)) p.reject(err);
      // Their replies will never come: a later connection must not answer them.
      this.unsent = '';
      this.buffer = '';
      this.lines = [];
      if (this.socket === s) this.socket = undefined;
    });
    this.socket = s;
    return s;
  }

  private onData(data: string): void {
    this.buffer += data;
    let idx;
    while ((idx = this.buffer.indexOf('\r\n')) !== -1) {
      const line = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      const head = this.queue[0];
      if (!head) continue;
      this.lines.push(line);
      if (!head.multi || line === 'END' || line.startsWith('SERVER_ERROR') || line === 'ERROR') {
        this.queue.shift();
        const lines = this.lines;
        this.lines = [];
        head.resolve(lines);
      }
    }
  }

  send(command: string, multi: boolean): Promise<string[]> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('memcache client closed'));
      this.queue.push({ resolve, reject, multi });
      // Commands asked for while the loop handles this round of I/O go out
      // in one write (one syscall) after it, rather than one write each.
      if (this.unsent === '') setImmediate(this.flush);
      this.unsent += command;
    });
  }

  /** Commands queued but not yet written. */
  private unsent = '';

  private closed = false;

  private readonly flush = (): void => {
    const out = this.unsent;
    this.unsent = '';
    if (out !== '' && !this.closed) this.connect().write(out);
  };

  /** Ends the connection; what was asked for and not answered fails now, and nothing more is sent. */
  close(): void {
    this.closed = true;
    this.unsent = '';
    const err = new Error('memcache client closed');
    for (const p of this.queue.splice(0)) p.reject(err);
    this.socket?.destroy();
  }
}

export class MemcacheClient implements Cache {
  private readonly conns: Connection[];

  constructor(servers: string[], options: { timeoutMs?: number } = {}) {
    this.conns = servers.map((s) => {
      const i = s.lastIndexOf(':');
      const host = i === -1 ? s : s.slice(0, i);
      const port = i === -1 ? 11211 : Number(s.slice(i + 1));
      return new Connection(host.replace(/^\[|\]$/g, ''), port, options.timeoutMs ?? 2000);
    });
  }

  private keyFor(key: string): string {
    return createHash('md5').update(key).digest('hex');
  }

  private conn(hashed: string): Connection {
    return this.conns[parseInt(hashed.slice(0, 8), 16) % this.conns.length];
  }

  async get(key: string): Promise<unknown | undefined> {
    const k = this.keyFor(key);
    try {
      const lines = await this.conn(k).send(`get ${k}\r\n`, true);
      // VALUE <key> <flags> <bytes> / data / END
      if (lines.length >= 3 && lines[0].startsWith('VALUE ')) return JSON.parse(lines[1]);
      return undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttlSeconds = 0): Promise<void> {
    const k = this.keyFor(key);
    const data = JSON.stringify(value);
    try {
      // flags 2 = JSON serialized, as Swift's client marks it.
      await this.conn(k).send(`set ${k} 2 ${Math.ceil(ttlSeconds)} ${Buffer.byteLength(data)}\r\n${data}\r\n`, false);
    } catch {
      // a cache write failing is not an error for the request
    }
  }

  async delete(key: string): Promise<void> {
    const k = this.keyFor(key);
    try {
      await this.conn(k).send(`delete ${k}\r\n`, false);
    } catch {
      // ignore
    }
  }

  async incr(key: string, delta: number, ttlSeconds = 0): Promise<number> {
    const k = this.keyFor(key);
    const c = this.conn(k);
    const step = Math.trunc(delta);
    const command = step < 0 ? `decr ${k} ${-step}\r\n` : `incr ${k} ${step}\r\n`;
    const initial = String(Math.max(step, 0));
    // Absent: add it; if another client added it meanwhile, count on theirs.
    for (let attempt = 0; attempt < 2; attempt++) {
      const [line] = await c.send(command, false);
      if (/^\d+$/.test(line)) return Number(line);
      if (line !== 'NOT_FOUND') throw new Error(`memcache ${step < 0 ? 'decr' : 'incr'}: ${line}`);
      const [added] = await c.send(`add ${k} 0 ${Math.ceil(ttlSeconds)} ${initial.length}\r\n${initial}\r\n`, false);
      if (added === 'STORED') return Number(initial);
    }
    throw new Error('memcache incr: the key keeps vanishing');
  }

  close(): void {
    for (const c of this.conns) c.close();
  }
}
