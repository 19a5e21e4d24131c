/**
 * Talking to libvirt through `virsh`. `ExecVirsh` runs one `virsh -c URI …`
 * per call (execFile, no shell), so each command's exit status is its own
 * and libvirt's message comes from stderr. `ShellVirsh` keeps one
 * interactive virsh alive and frames each command with echo markers: the
 * `test:///default` driver keeps its state only within one connection.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A virsh command failed: libvirt's message (from stderr), and what kind of failure it is. */
export class VirshError extends Error {
  constructor(message: string, readonly args: readonly string[]) {
    super(message);
    this.name = 'LibvirtError';
  }

  /** The domain doesn't exist (virsh's "failed to get domain" / VIR_ERR_NO_DOMAIN). */
  get notFound(): boolean {
    return /failed to get domain|Domain not found|no domain with matching/i.test(this.message);
  }

  /** The domain isn't running (VIR_ERR_OPERATION_INVALID on an inactive domain). */
  get notRunning(): boolean {
    return /domain is not running|not running/i.test(this.message);
  }

  /** libvirtd can't be reached. */
  get connection(): boolean {
    return /failed to connect|Failed to connect socket|Cannot recv data|End of file while reading|no connection driver/i.test(this.message);
  }
}

export interface Virsh {
  readonly uri: string;
  /** Run one virsh command; resolves to its stdout, rejects with VirshError. */
  run(args: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

/** stderr's `error: …` lines joined, without the prefix (what libvirt said). */
export function libvirtMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const errs = lines.filter((l) => l.startsWith('error:')).map((l) => l.replace(/^error:\s*/, ''));
  return (errs.length ? errs : lines).join(': ') || 'virsh failed';
}

export class ExecVirsh implements Virsh {
  constructor(readonly uri: string, private readonly timeoutMs = 60_000) {}

  run(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('virsh', ['-q', '-c', this.uri, ...args], { timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === 'ENOENT') return reject(new VirshError('virsh is not installed', args));
        if (e.killed) return reject(new VirshError(`virsh ${args[0]} timed out after ${this.timeoutMs} ms`, args));
        reject(new VirshError(libvirtMessage(stderr), args));
      });
    });
  }

  async close(): Promise<void> {}
}

/** One long-lived interactive virsh; commands run one at a time, in order. */
export class ShellVirsh implements Virsh {
  private child?: ChildProcessWithoutNullStreams;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private out = '';
  private err = '';
  private wake?: () => void;

  constructor(readonly uri: string, private readonly timeoutMs = 60_000) {}

  private start(): ChildProcessWithoutNullStreams {
    if (this.child && this.child.exitCode === null) return this.child;
    const child = spawn('virsh', ['-q', '-c', this.uri], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => { this.out += d; this.wake?.(); });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { this.err += d; this.wake?.(); });
    child.on('exit', () => this.wake?.());
    child.on('error', () => this.wake?.());
    this.child = child;
    return child;
  }

  run(args: readonly string[]): Promise<string> {
    const next = this.queue.then(() => this.exec(args));
    this.queue = next.catch(() => {});
    return next;
  }

  /** Resolves true when virsh writes something (or exits), false after `ms` of silence. */
  private output(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  private async exec(args: readonly string[]): Promise<string> {
    const child = this.start();
    const n = ++this.seq;
    // The marker is quoted in two pieces so the echoed command line doesn't contain it, only the echo's output does.
    const outMark = `@@swiftly-out-${n}@@`;
    const errMark = `@@swiftly-err-${n}@@`;
    // virsh's own quoting: single quotes, with ' written as '\''.
    const line = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const marks = `echo '@@swiftly-'out-${n}@@\necho --err '@@swiftly-'err-${n}@@\n`;
    if (WATCHED_JOBS.has(args[0])) {
      // virsh watches these jobs by polling its stdin too: lines arriving
      // meanwhile are read by the watcher, and it was seen never to return.
      // So nothing more is written until the job has said how it ended (a
      // line on stdout, or an error), or JOB_WAIT_MS without a word; a fixed
      // second was not enough on a loaded machine (CI hung in managedsave).
      const outBefore = this.out.length;
      const errBefore = this.err.length;
      child.stdin.write(`${line}\n`);
      await new Promise((r) => setTimeout(r, JOB_SETTLE_MS));
      const deadline = Date.now() + JOB_WAIT_MS;
      while (!jobAnswered(this.out.slice(outBefore), this.err.slice(errBefore)) && Date.now() < deadline && child.exitCode === null) {
        await this.output(deadline - Date.now());
      }
      child.stdin.write(marks);
    } else {
      child.stdin.write(`${line}\n${marks}`);
    }
    // Seen once in CI: virsh sat reading its stdin with the marker lines gone
    // (swallowed with the command's input). Asking for them again lets the
    // command's answer through; a late duplicate is dropped by dropStaleMarks.
    let quiet = 0;
    while (!this.out.includes(outMark) || !this.err.includes(errMark)) {
      if (child.exitCode !== null || child.killed) throw new VirshError(`virsh exited: ${libvirtMessage(this.err)}`, args);
      if (await this.output(MARK_WAIT_MS)) quiet = 0;
      else if (++quiet * MARK_WAIT_MS >= this.timeoutMs) throw new VirshError(`virsh ${args[0]} timed out after ${this.timeoutMs} ms`, args);
      else child.stdin.write(marks);
    }
    this.out = dropStaleMarks(this.out, n);
    this.err = dropStaleMarks(this.err, n);
    const outEnd = this.out.indexOf(outMark);
    const stdout = this.out.slice(0, outEnd);
    this.out = this.out.slice(outEnd + outMark.length);
    const errEnd = this.err.indexOf(errMark);
    const stderr = this.err.slice(0, errEnd).replace(/error:\s*$/, '');
    this.err = this.err.slice(errEnd + errMark.length);
    // Drop the prompt + echoed command lines a non-tty virsh writes (the prompt may precede output on the same line).
    const clean = stdout.split('\n').filter((l) => !l.startsWith('virsh # ')).join('\n');
    if (/(^|\n)error:/.test(stderr)) throw new VirshError(libvirtMessage(stderr), args);
    return clean;
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.stdin.end('quit\n');
    await new Promise<void>((r) => {
      const t = setTimeout(() => { child.kill(); r(); }, 2000);
      child.once('exit', () => { clearTimeout(t); r(); });
    });
  }
}

/** `test:///…` keeps state per connection: one shell; anything else: one process per command. */
/** Commands virsh runs as a watched job (virshWatchJob), and the wait before anything more is written. */
const WATCHED_JOBS = new Set(['managedsave', 'save', 'dump', 'migrate', 'restore']);
const JOB_SETTLE_MS = 1000;
/** The longest wait for a watched job's answer before the markers are written anyway. */
const JOB_WAIT_MS = 30_000;

/** A watched job has answered: a line on stdout other than the prompt, or an error. */
function jobAnswered(out: string, err: string): boolean {
  if (/(^|\n)error:/.test(err)) return true;
  return out.split('\n').slice(0, -1).some((l) => l.replace(/^(virsh # )+/, '').trim() !== '');
}

/** How long a shell command may stay silent before its markers are asked for again. */
const MARK_WAIT_MS = 5000;

/** Removes marker lines of commands before `n` (duplicates from a repeated request). */
function dropStaleMarks(text: string, n: number): string {
  return text.replace(/^(?:error: )?@@swiftly-(?:out|err)-(\d+)@@\n?/gm, (m, k: string) => (Number(k) < n ? '' : m));
}

export function makeVirsh(uri: string, timeoutMs?: number): Virsh {
  return uri.startsWith('test:') ? new ShellVirsh(uri, timeoutMs) : new ExecVirsh(uri, timeoutMs);
}
