/**
 * V8 heap flags a server runs with, per kind of server. V8's defaults suit
 * a browser tab, not a process streaming 100 MB/s through small buffers:
 *
 * - `--max-semi-space-size`: V8's young generation grows to 3 × 16 MiB
 *   semi-spaces. A server busy with short-lived garbage (stream chunks,
 *   listing rows and strings) fills it, and its RSS climbs by that much and
 *   stays there. Smaller semi-spaces keep RSS tight (issue 4: a proxy under
 *   150 MiB through a 5 GiB transfer), at the cost of more scavenges, each
 *   one cheaper.
 * - `--heap-growing-percent`: after a full GC, V8 sets the next one's
 *   trigger at the live size times a factor. For a small heap (~16 MiB) that
 *   leaves ~12 MiB of headroom. A 256 MiB stream promotes a little on every
 *   scavenge, so once that first full GC has run (any burst of small
 *   requests causes one), a streaming object server ran incremental marking
 *   and a Mark-Compact ~8 times per 256 MiB. That was +0.25 s CPU per upload
 *   per object server, and the proxy doubled its CPU too (bench 2026-12-03:
 *   PUT 150 MB/s fresh, 105 MB/s after the 4 KiB workloads; with 300%: no
 *   Mark-Compact while streaming, the fresh figure at every point). The cost
 *   is that the old generation may grow to 4 × its live size (~64 MiB)
 *   before a full GC.
 *
 * A flag already set in node's flags or NODE_OPTIONS is left alone (an
 * explicit choice wins).
 */
import { setFlagsFromString } from 'node:v8';

export interface HeapTuning {
  /** `--max-semi-space-size` in MiB; undefined keeps V8's default. */
  semiSpaceMib?: number;
  /** `--heap-growing-percent`; undefined keeps V8's adaptive factor. */
  heapGrowingPercent?: number;
}

/** The flags for `t` that `given` (node's flags and NODE_OPTIONS) does not already set. */
export function heapFlags(t: HeapTuning, given: string[] = [...process.execArgv, process.env.NODE_OPTIONS ?? '']): string[] {
  const wanted: [string, number | undefined][] = [
    ['--max-semi-space-size', t.semiSpaceMib],
    ['--heap-growing-percent', t.heapGrowingPercent],
  ];
  const set = (name: string): boolean => given.some((a) => a.includes(name.slice(2)) || a.includes(name.slice(2).replace(/-/g, '_')));
  return wanted.filter(([name, v]) => v !== undefined && !set(name)).map(([name, v]) => `${name}=${v}`);
}

/**
 * The flags for `t`, also set in this process (for one that serves itself,
 * `workers = 0`). Workers get them at start-up in execArgv, where V8 honours
 * them for sure; this process is already running, so they are set as runtime
 * flags.
 */
export function tuneHeap(t: HeapTuning): string[] {
  const flags = heapFlags(t);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
