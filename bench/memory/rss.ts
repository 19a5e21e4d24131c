/**
 * Samples the memory of a server process and its workers (with `workers =
 * N` the proxy forks, and the forks are what serve) from
 * /proc/<pid>/status: VmRSS now and VmHWM, the kernel's own high-water mark
 * of RSS, so a spike between two samples is not missed.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const MIB = 1024 * 1024;

/** VmRSS and VmHWM of a process, in bytes (undefined once it is gone). */
export function readRss(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

export class RssSampler {
  /** Highest VmRSS sampled of any one process of the tree. */
  peakRss = 0;
  /** Highest VmHWM of any one process of the tree: its true RSS peak so far. */
  peakHwm = 0;
  /** Highest sampled sum of VmRSS over the tree. */
  peakTotal = 0;
  /** The processes sampled (the server and its workers). */
  pids: number[];
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;

  constructor(readonly pid: number, intervalMs = 50) {
    this.pids = processTree(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    // Workers may be (re)forked: look for them again about once a second.
    if (++this.ticks % 20 === 0) this.pids = processTree(this.pid);
    let total = 0;
    for (const pid of this.pids) {
      const m = readRss(pid);
      if (!m) continue;
      total += m.rss;
      this.peakRss = Math.max(this.peakRss, m.rss);
      this.peakHwm = Math.max(this.peakHwm, m.hwm);
    }
    this.peakTotal = Math.max(this.peakTotal, total);
  }

  /** The peak of any one process: VmHWM when the kernel reports it, else the sampled VmRSS peak. */
  get peak(): number {
    return Math.max(this.peakHwm, this.peakRss);
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
