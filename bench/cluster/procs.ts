/**
 * Child processes of a benchmarked cluster: spawn with output to a log,
 * wait for a port, stop, and the CPU seconds (utime + stime) of every live
 * process in their trees, read from /proc — forked workers included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime in clock ticks. */
  ticks: number;
  /** Resident set size in bytes. */
  rss: number;
}

/** Parses one /proc/<pid>/stat line (the command may contain spaces and parens). */
export function parseProcStat(line: string): ProcStat {
  const close = line.lastIndexOf(')');
  const pid = Number(line.slice(0, line.indexOf(' ')));
  const f = line.slice(close + 2).split(' ');
  // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
  return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rss: Number(f[21]) * 4096 };
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(parseProcStat(readFileSync(join('/proc', name, 'stat'), 'utf8')));
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/** Every live process under (and including) the roots; `stats` is one read of /proc, for several trees. */
export function treeStats(roots: number[], stats: ProcStat[] = allStats()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out: ProcStat[] = [];
  const todo = roots.filter((p) => byPid.has(p));
  const seen = new Set<number>();
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(byPid.get(pid)!);
    for (const c of children.get(pid) ?? []) todo.push(c.pid);
  }
  return out;
}

/** CPU seconds and resident bytes of the trees under `roots`. */
export function treeUsage(roots: number[]): { cpu: number; rss: number } {
  const t = treeStats(roots);
  return { cpu: t.reduce((a, s) => a + s.ticks, 0) / TICKS_PER_SECOND, rss: t.reduce((a, s) => a + s.rss, 0) };
}

/** CPU seconds of this process's reaped children (wrk runs are reaped between reads). */
export function reapedChildrenCpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

export class ProcessGroup {
  readonly children: ChildProcess[] = [];
  private readonly names = new Map<ChildProcess, string>();
  constructor(private readonly logDir: string) {}

  spawn(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const fd = openSync(join(this.logDir, `${name}.log`), 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env });
    closeSync(fd);
    child.on('error', () => {});
    this.children.push(child);
    this.names.set(child, name);
    return child;
  }

  /** Names of the processes started here that have exited. */
  exited(): string[] {
    return this.children.filter((c) => c.exitCode !== null || c.signalCode !== null).map((c) => this.names.get(c) ?? String(c.pid));
  }

  pids(): number[] {
    return this.children.filter((c) => c.exitCode === null && c.pid).map((c) => c.pid!);
  }

  usage(): { cpu: number; rss: number } {
    return treeUsage(this.pids());
  }

  /** CPU seconds (utime + stime, forked workers included) per process started here, by name. */
  cpuByName(): Record<string, number> {
    const stats = allStats();
    const out: Record<string, number> = {};
    for (const c of this.children) {
      if (c.exitCode !== null || !c.pid) continue;
      out[this.names.get(c) ?? String(c.pid)] = treeStats([c.pid], stats).reduce((a, s) => a + s.ticks, 0) / TICKS_PER_SECOND;
    }
    return out;
  }

  /**
   * Resident bytes per process started here, split into the process itself
   * and its forked workers (`workers = N`), by the name it was spawned with.
   */
  rssByName(): { name: string; own: number; workers: number[] }[] {
    const stats = allStats();
    return this.children.filter((c) => c.exitCode === null && c.pid).map((c) => {
      const tree = treeStats([c.pid!], stats);
      return {
        name: this.names.get(c) ?? String(c.pid),
        own: tree.find((s) => s.pid === c.pid)?.rss ?? 0,
        workers: tree.filter((s) => s.pid !== c.pid).map((s) => s.rss),
      };
    });
  }

  /** SIGTERM to each tree, SIGKILL to what is left after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const tree = treeStats(this.pids()).map((s) => s.pid);
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && treeStats(tree).length) await sleep(100);
    for (const s of treeStats(tree)) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Throws when something already listens on one of the ports (another bench still running?). */
export async function assertPortsFree(host: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    const busy = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (busy) throw new Error(`${host}:${port} is already in use (another bench running?)`);
  }
}

/** Resolves once host:port accepts a connection; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(200);
  }
}
