/**
 * Test helper (not a test): writers that PUT, overwrite, POST and DELETE
 * objects on one object server (backend protocol, with container updates)
 * and remember what each acknowledged answer promised, so a check after a
 * power loss can tell a lost write from one that was never acknowledged.
 *
 * Each object name belongs to one writer, whose operations on it run one
 * after another: when the power goes, at most the last operation on a name
 * is unanswered, and what a GET may show is one of two states — the one
 * the acknowledged operations left, or that plus the unanswered one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';

/** What a GET of the object (or a container listing row) may show. */
export type ObjectState =
  | { kind: 'none' }
  | { kind: 'deleted'; ts: string }
  | { kind: 'object'; ts: string; md5: string; size: number; contentType: string; gen: string };

export interface Target {
  objectPort: number;
  containerPort: number;
  device: string;
  account: string;
  container: string;
  objectPartition(name: string): number;
  containerPartition: number;
}

export interface TrackedName {
  name: string;
  /** The state every acknowledged operation left (the writer's model). */
  acked: ObjectState;
  /** States a GET may show now: the acked one, and maybe the unanswered operation's. */
  objectMay: ObjectState[];
  /** States the container listing may show. */
  rowMay: ObjectState[];
}

export interface OpRecord {
  name: string;
  method: 'PUT' | 'POST' | 'DELETE';
  size: number;
  /** 'acked' (the expected 2xx came back), 'unanswered' (cut by the crash), or the unexpected status. */
  outcome: 'acked' | 'unanswered' | number;
}

/** Body sizes: empty, small, one chunk, and multi-MiB (odd, so no size lines up with a buffer). */
export const SIZES = [0, 1000, 65_537, 1_572_869, 3_145_741];

/** A small seeded PRNG (the ring fixtures' mulberry32), so a failing run's operation sequence can be replayed. */
export { seededRandom as prng } from '../../helpers/ring-fixtures.js';

let clock = Math.floor(Date.now() / 1000) - 50_000;
const nextTs = (): string => `${++clock}.00000`;

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One request; the body goes in 64 KiB writes, with `progress` told after
 * each. Rejects when the connection dies (the server was killed).
 */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer, progress?: (sent: number) => void): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body) return void req.end();
    let off = 0;
    const next = (): void => {
      while (off < body.length) {
        const n = Math.min(65_536, body.length - off);
        const more = req.write(body.subarray(off, off + n));
        off += n;
        progress?.(off);
        // a pause between writes keeps the body in flight long enough for a crash to land mid-PUT
        if (!more) return void req.once('drain', () => setTimeout(next, 1));
      }
      req.end();
    };
    next();
  });
}

export class Workload {
  readonly names: TrackedName[] = [];
  readonly ops: OpRecord[] = [];
  private stopping = false;
  private running: Promise<void>[] = [];
  /** Called while a PUT streams its body: (bytes sent, body size). */
  onPutProgress: (sent: number, size: number) => void = () => {};

  constructor(
    private readonly target: Target, writers: number, namesPerWriter: number, private readonly random: () => number,
    private readonly sizes: readonly number[] = SIZES,
  ) {
    for (let w = 0; w < writers; w++) {
      for (let k = 0; k < namesPerWriter; k++) {
        this.names.push({ name: `w${w}/o${k}`, acked: { kind: 'none' }, objectMay: [{ kind: 'none' }], rowMay: [{ kind: 'none' }] });
      }
    }
    this.writers = writers;
  }

  private readonly writers: number;

  /** Acknowledged operations so far. */
  get acked(): number {
    return this.ops.filter((o) => o.outcome === 'acked').length;
  }

  /** Starts the writers; each runs until stop(), or for `opsEach` operations. */
  start(opsEach = Infinity): void {
    this.stopping = false;
    this.running = [];
    for (let w = 0; w < this.writers; w++) {
      const mine = this.names.filter((n) => n.name.startsWith(`w${w}/`));
      this.running.push((async () => {
        for (let i = 0; i < opsEach && !this.stopping; i++) {
          const n = mine[i % mine.length];
          if (!(await this.step(n))) return;
        }
      })());
    }
  }

  /** No new operations; resolves when the writers are done (their last requests answered or cut). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  /** Waits for the writers to finish their `opsEach`. */
  async finished(): Promise<void> {
    await Promise.all(this.running);
  }

  /** One operation on `n`; false when it went unanswered (the writer stops). */
  private async step(n: TrackedName): Promise<boolean> {
    const t = this.target;
    const r = this.random();
    const method = n.acked.kind !== 'object' || r < 0.5 ? 'PUT' : r < 0.75 ? 'POST' : 'DELETE';
    const ts = nextTs();
    const path = `/${t.device}/${t.objectPartition(n.name)}/${t.account}/${t.container}/${n.name}`;
    const headers: Record<string, string> = {
      'X-Timestamp': ts,
      'X-Container-Host': `127.0.0.1:${t.containerPort}`,
      'X-Container-Device': t.device,
      'X-Container-Partition': String(t.containerPartition),
    };
    let next: ObjectState;
    let body: Buffer | undefined;
    let expect: number;
    if (method === 'PUT') {
      const size = this.sizes[Math.floor(this.random() * this.sizes.length)];
      body = randomBytes(size);
      const md5 = createHash('md5').update(body).digest('hex');
      next = { kind: 'object', ts, md5, size, contentType: `application/x-put-${ts}`, gen: `put ${ts}` };
      Object.assign(headers, { 'Content-Length': String(size), 'Content-Type': next.contentType, 'X-Object-Meta-Gen': next.gen, ETag: md5 });
      expect = 201;
    } else if (method === 'POST') {
      const cur = n.acked as Extract<ObjectState, { kind: 'object' }>;
      next = { ...cur, contentType: `application/x-post-${ts}`, gen: `post ${ts}` };
      Object.assign(headers, { 'Content-Type': next.contentType, 'X-Object-Meta-Gen': next.gen });
      expect = 202;
    } else {
      next = { kind: 'deleted', ts };
      expect = 204;
    }
    const record: OpRecord = { name: n.name, method, size: body?.length ?? 0, outcome: 'unanswered' };
    this.ops.push(record);
    let res: Sent;
    try {
      res = await send(t.objectPort, method, path, headers, body, body && ((sent) => this.onPutProgress(sent, body!.length)));
    } catch {
      // cut by the crash: it may or may not have landed
      n.objectMay = [n.acked, next];
      n.rowMay = [...n.rowMay, next];
      return false;
    }
    if (res.status !== expect) {
      record.outcome = res.status;
      n.objectMay = [n.acked, next];
      n.rowMay = [...n.rowMay, next];
      return false;
    }
    record.outcome = 'acked';
    n.acked = next;
    n.objectMay = [next];
    n.rowMay = [next];
    return true;
  }

  /** After a check: what was seen is now what is known. */
  settle(n: TrackedName, object: ObjectState, row: ObjectState): void {
    n.acked = object;
    n.objectMay = [object];
    n.rowMay = [row];
  }
}

/** What GET shows of an object, in the terms of ObjectState (ts of a tombstone from X-Backend-Timestamp). */
export async function readObject(t: Target, name: string): Promise<{ state: ObjectState; problem?: string }> {
  const res = await send(t.objectPort, 'GET', `/${t.device}/${t.objectPartition(name)}/${t.account}/${t.container}/${name}`, {});
  const h = (k: string): string | undefined => {
    const v = res.headers[k];
    return Array.isArray(v) ? v.join(',') : v;
  };
  if (res.status === 404) {
    const ts = h('x-backend-timestamp');
    return { state: ts ? { kind: 'deleted', ts } : { kind: 'none' } };
  }
  if (res.status !== 200) return { state: { kind: 'none' }, problem: `GET ${name}: ${res.status}` };
  const md5 = createHash('md5').update(res.body).digest('hex');
  const problem = md5 !== h('etag')?.replace(/"/g, '') || Number(h('content-length')) !== res.body.length
    ? `GET ${name}: body of ${res.body.length} bytes (md5 ${md5}) under ETag ${h('etag')}, Content-Length ${h('content-length')}`
    : undefined;
  return {
    state: { kind: 'object', ts: h('x-timestamp') ?? '', md5, size: res.body.length, contentType: h('content-type') ?? '', gen: h('x-object-meta-gen') ?? '' },
    problem,
  };
}

/** The container listing as ObjectStates by name (a row is an object; no row is 'none'). */
export async function readListing(t: Target): Promise<Map<string, ObjectState>> {
  const res = await send(t.containerPort, 'GET', `/${t.device}/${t.containerPartition}/${t.account}/${t.container}?format=json`, {});
  if (res.status !== 200) throw new Error(`container listing: ${res.status} ${res.body.toString()}`);
  const rows = JSON.parse(res.body.toString()) as { name: string; hash: string; bytes: number; content_type: string }[];
  return new Map(rows.map((r) => [r.name, { kind: 'object', ts: '', md5: r.hash, size: r.bytes, contentType: r.content_type, gen: '' }]));
}

/** Whether `seen` is `want`, as far as GET (full) or a listing row (`row`) can tell. */
export function sameState(seen: ObjectState, want: ObjectState, row: boolean): boolean {
  if (row) {
    if (want.kind !== 'object') return seen.kind === 'none';
    return seen.kind === 'object' && seen.md5 === want.md5 && seen.size === want.size && seen.contentType === want.contentType;
  }
  if (seen.kind !== want.kind) return false;
  if (seen.kind === 'deleted') return seen.ts === (want as { ts: string }).ts;
  if (seen.kind === 'object') {
    const w = want as typeof seen;
    return seen.md5 === w.md5 && seen.size === w.size && seen.contentType === w.contentType && seen.gen === w.gen;
  }
  return true;
}
