/**
 * Starts each server of the all-in-one cluster as a child process
 * (`swiftly server <kind> <conf>`), the same code path as a multi-host
 * deployment, with its output in `<dir>/log/<name>.log`. Restarts a child
 * that dies on its own; stops them all on request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SWIFTLY_BIN = fileURLToPath(new URL('../bin/swiftly.js', import.meta.url));

export interface ChildSpec {
  name: string;
  args: string[];
  /** Where it listens, to wait for it to be ready (daemons listen nowhere: leave out). */
  host?: string;
  port?: number;
}

interface Running {
  spec: ChildSpec;
  child: ChildProcess;
  restarts: number;
}

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly logDir: string, private readonly onEvent: (msg: string) => void = () => {}) {}

  /**
   * Starts every child and resolves once each accepts connections. A child
   * that exits fails this at once; the timeout is for one that never
   * listens, and is long because twelve Node processes starting together on
   * a busy 2-core machine (load ~30) took over 30 s to all listen.
   */
  async start(specs: ChildSpec[], timeoutMs = 120_000): Promise<void> {
    for (const spec of specs) this.spawnChild(spec, 0);
    await Promise.all(specs.filter((s) => s.port !== undefined)
      .map((s) => waitForPort(s.host ?? '127.0.0.1', s.port!, timeoutMs, () => this.exitedEarly(s.name))));
  }

  private exitedEarly(name: string): string | undefined {
    const r = this.running.get(name);
    return r && r.child.exitCode !== null ? `${name} exited with code ${r.child.exitCode}; see ${join(this.logDir, `${name}.log`)}` : undefined;
  }

  private spawnChild(spec: ChildSpec, restarts: number): void {
    if (this.stopping) return;
    const logFd = openSync(join(this.logDir, `${spec.name}.log`), 'a');
    const child = spawn(process.execPath, [SWIFTLY_BIN, ...spec.args], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const entry: Running = { spec, child, restarts };
    this.running.set(spec.name, entry);
    child.on('exit', (code, signal) => {
      if (this.stopping || this.running.get(spec.name) !== entry) return;
      this.onEvent(`${spec.name} exited (${signal ?? code}); restarting`);
      if (restarts < 5) setTimeout(() => this.spawnChild(spec, restarts + 1), 500 * (restarts + 1));
    });
  }

  /** SIGTERM to every child, SIGKILL to those still running after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const children = [...this.running.values()].map((r) => r.child).filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** Resolves when host:port accepts a TCP connection. */
export async function waitForPort(host: string, port: number, timeoutMs: number, failed?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, host, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    const why = failed?.();
    if (why) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
