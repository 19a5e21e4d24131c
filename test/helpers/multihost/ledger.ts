/**
 * The acknowledged-write ledger: every write the load sends, in order per
 * key (a key belongs to one load worker, so its writes never overlap), and
 * whether the cluster acknowledged it (PUT 201, DELETE 204 or 404: the
 * tombstone is written either way) or left it unknown (an error, a 5xx, a
 * timeout: it may or may not have been applied).
 *
 * What a key may read as: the last acknowledged write's result, or the
 * result of an unknown write sent after it. Anything else is a verdict:
 * `lost` (an acknowledged PUT reads as absent), `stale` (an older version
 * reads back), `resurrected` (an acknowledged DELETE, yet a version reads
 * back).
 */

export type WriteKind = 'put' | 'delete';
export type Outcome = 'acked' | 'unknown';

export interface WriteOp {
  key: string;
  seq: number;
  kind: WriteKind;
  /** The version a PUT writes (`<key>@<seq>`). */
  version?: string;
  outcome: Outcome;
  /** When it was sent (ms) and through which proxy (for traces of wrong reads). */
  at?: number;
  proxy?: string;
}

/** A key's state as read: a version, or absent (404). */
export type Observed = string | null;
export type Verdict = 'ok' | 'lost' | 'stale' | 'resurrected';

const resultOf = (op: WriteOp | undefined): Observed => (op?.kind === 'put' ? op.version! : null);

export class Ledger {
  private readonly writes = new Map<string, WriteOp[]>();
  private seq = 0;

  /** Records a write about to be sent (unknown until `ack`). */
  begin(key: string, kind: WriteKind): WriteOp {
    const seq = ++this.seq;
    const op: WriteOp = { key, seq, kind, version: kind === 'put' ? `${key}@${seq}` : undefined, outcome: 'unknown' };
    let list = this.writes.get(key);
    if (!list) this.writes.set(key, (list = []));
    list.push(op);
    return op;
  }

  ack(op: WriteOp): void {
    op.outcome = 'acked';
  }

  /** `key`'s writes, oldest first. */
  history(key: string): readonly WriteOp[] {
    return this.writes.get(key) ?? [];
  }

  keys(): string[] {
    return [...this.writes.keys()];
  }

  /** Acknowledged writes, by kind. */
  counts(): { acked: number; ackedPuts: number; ackedDeletes: number; unknown: number } {
    let ackedPuts = 0, ackedDeletes = 0, unknown = 0;
    for (const list of this.writes.values()) {
      for (const op of list) {
        if (op.outcome === 'unknown') unknown++;
        else if (op.kind === 'put') ackedPuts++;
        else ackedDeletes++;
      }
    }
    return { acked: ackedPuts + ackedDeletes, ackedPuts, ackedDeletes, unknown };
  }

  /** What `key` may read as now. */
  allowed(key: string): Set<Observed> {
    const list = this.writes.get(key) ?? [];
    let last = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].outcome === 'acked') {
        last = i;
        break;
      }
    }
    const out = new Set<Observed>([resultOf(list[last])]);
    for (const op of list.slice(last + 1)) out.add(resultOf(op));
    return out;
  }

  /** Whether reading `observed` for `key` is what the acknowledged writes allow, and if not, how it is wrong. */
  verdict(key: string, observed: Observed): Verdict {
    if (this.allowed(key).has(observed)) return 'ok';
    const list = this.writes.get(key) ?? [];
    const lastAcked = [...list].reverse().find((op) => op.outcome === 'acked');
    if (observed === null) return 'lost';
    if (lastAcked?.kind === 'delete') return 'resurrected';
    return 'stale';
  }
}

/** Verdicts counted, with a few examples of each wrong one. */
export class VerdictTally {
  readonly counts: Record<Verdict, number> = { ok: 0, lost: 0, stale: 0, resurrected: 0 };
  readonly examples: string[] = [];

  add(verdict: Verdict, what: string): void {
    this.counts[verdict]++;
    if (verdict !== 'ok' && this.examples.length < 10) this.examples.push(`${verdict}: ${what}`);
  }

  get bad(): number {
    return this.counts.lost + this.counts.stale + this.counts.resurrected;
  }
}
