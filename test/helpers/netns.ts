/**
 * Network namespaces a test makes and removes: every link, address, route
 * and process of a network test lives in them, none in the machine's own
 * namespace. `NetnsLab.available()` says why a machine can't (not root, a
 * tool missing) so a test can skip saying so.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { commandMissing } from './commands.js';

const exec = promisify(execFile);

/** Why namespaces can't be made here, or undefined when they can. */
export async function netnsUnavailable(tools: string[] = []): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const missing = await commandMissing(['ip', ...tools]);
  if (missing) return missing;
  try {
    const probe = `swprobe${randomBytes(3).toString('hex')}`;
    await exec('ip', ['netns', 'add', probe]);
    await exec('ip', ['netns', 'del', probe]);
  } catch (err) {
    return `cannot create a network namespace: ${(err as Error).message}`;
  }
  return undefined;
}

export async function listNetns(): Promise<string[]> {
  const { stdout } = await exec('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

export class NetnsLab {
  /** Short, so `<prefix>-<role>` stays readable; unique per run. */
  readonly prefix = `sw${randomBytes(3).toString('hex')}`;
  readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  async add(role: string): Promise<string> {
    const name = `${this.prefix}-${role}`;
    await exec('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(name, ['link', 'set', 'lo', 'up']);
    return name;
  }

  /** `ip -n ns …` */
  async ip(ns: string, args: string[]): Promise<string> {
    return (await exec('ip', ['-n', ns, ...args])).stdout;
  }

  /** A command inside `ns`; rejects with its stderr. */
  async run(ns: string, cmd: string, args: string[], timeoutMs = 20_000): Promise<string> {
    return (await exec('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: timeoutMs })).stdout;
  }

  /** Exit status of a command inside `ns` (0 = success). */
  async status(ns: string, cmd: string, args: string[], timeoutMs = 20_000): Promise<number> {
    try {
      await this.run(ns, cmd, args, timeoutMs);
      return 0;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return typeof code === 'number' ? code : -1;
    }
  }

  /** A long-running process inside `ns`, killed by `cleanup()`. */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  /** A veth pair: `nameA` in `nsA`, `nameB` in `nsB`, both up. Made in `nsA`, so the machine's namespace never holds it. */
  async veth(nsA: string, nameA: string, nsB: string, nameB: string): Promise<void> {
    await this.ip(nsA, ['link', 'add', nameA, 'type', 'veth', 'peer', 'name', nameB, 'netns', nsB]);
    await this.ip(nsA, ['link', 'set', nameA, 'up']);
    await this.ip(nsB, ['link', 'set', nameB, 'up']);
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await gone;
      }
    }
    for (const ns of this.namespaces.splice(0).reverse()) {
      // Whatever still runs in it (a test that failed half-way) would keep the namespace alive.
      const { stdout } = await exec('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
      for (const pid of stdout.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch { /* exited meanwhile */ }
      }
      await exec('ip', ['netns', 'del', ns]);
    }
  }
}
