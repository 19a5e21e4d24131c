/**
 * A fixed delay on everything a namespace sends on its networks, without
 * tc netem (kernels built without CONFIG_NET_SCH_NETEM): a userspace relay
 * (delay-relay.py, run by Debian's Python inside the namespace) owns a TUN
 * device; the namespace's connected routes are copied into a table of
 * their own that sends them through the TUN, and an `ip rule` makes every
 * packet not marked by the relay use that table. The relay holds each
 * packet `ms` and sends it again through a raw socket carrying the mark,
 * so it leaves by the main table, out of the real interface.
 *
 * Only the namespace's own routing changes; nothing outside it. Limits
 * (beside netem's `delay`): IPv4 only, no jitter or loss, incoming
 * packets not delayed (as netem on egress), and the relay's own
 * scheduling (a Python process on a busy machine) adds to `ms`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ip } from './network.js';

/** Debian's Python (no package beyond the standard library); override with DELAY_RELAY_PYTHON. */
const PYTHON = process.env.DELAY_RELAY_PYTHON ?? '/usr/bin/python3';
/** The script, in the source tree (tsc leaves it there: this file runs from dist/test/helpers/multihost/). */
const SCRIPT = fileURLToPath(new URL('../../../../test/helpers/multihost/delay-relay.py', import.meta.url));

export const DELAY_TUN = 'mhdelay';
/** The relay's fwmark and the routing table and rule preference the delay uses inside the namespace. */
export const DELAY_MARK = 0x2a4;
const TABLE = '2404';
const RULE_PREF = '90';

interface Route {
  dst: string;
  dev: string;
  prefsrc?: string;
}

/** A running delay in one namespace; `remove()` undoes it. */
export class Delay {
  private constructor(readonly ns: string, readonly ms: number, private readonly relay: ChildProcess) {}

  /** The relay's pid (a process of the namespace that is the link, not the host). */
  get pid(): number | undefined {
    return this.relay.pid;
  }

  /** Starts the relay in `ns` and routes the namespace's connected networks through it. */
  static async add(ns: string, ms: number): Promise<Delay> {
    const routes = (JSON.parse(await ip(['-n', ns, '-j', '-4', 'route', 'show', 'table', 'main'])) as Route[])
      .filter((r) => r.prefsrc && r.dev !== 'lo' && r.dev !== DELAY_TUN);
    if (routes.length === 0) throw new Error(`${ns}: no connected IPv4 network to delay`);
    const relay = spawn('ip', ['netns', 'exec', ns, PYTHON, SCRIPT, DELAY_TUN, String(ms), String(DELAY_MARK)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const delay = new Delay(ns, ms, relay);
    try {
      await delay.ready();
      await ip(['-n', ns, 'link', 'set', DELAY_TUN, 'up']);
      for (const r of routes) await ip(['-n', ns, 'route', 'add', r.dst, 'dev', DELAY_TUN, 'src', r.prefsrc!, 'table', TABLE]);
      await ip(['-n', ns, 'rule', 'add', 'pref', RULE_PREF, 'not', 'fwmark', String(DELAY_MARK), 'lookup', TABLE]);
    } catch (err) {
      await delay.remove();
      throw err;
    }
    return delay;
  }

  /** Removes the rule and the table's routes, ends the relay (the kernel removes its TUN). Safe to call twice. */
  async remove(): Promise<void> {
    await ip(['-n', this.ns, 'rule', 'del', 'pref', RULE_PREF]).catch(() => undefined);
    await ip(['-n', this.ns, 'route', 'flush', 'table', TABLE]).catch(() => undefined);
    if (this.relay.exitCode === null && this.relay.signalCode === null) {
      const gone = new Promise((r) => this.relay.once('exit', r));
      this.relay.kill('SIGTERM');
      const timer = setTimeout(() => this.relay.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    this.relay.stdin?.destroy();
  }

  private async ready(): Promise<void> {
    let stderr = '';
    this.relay.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<never>((_, reject) => {
      this.relay.once('error', reject);
      this.relay.once('exit', (code, signal) => reject(new Error(`${this.ns}: the delay relay exited (${code ?? signal}): ${stderr.trim()}`)));
    });
    const ready = (async () => {
      for await (const line of createInterface({ input: this.relay.stdout! })) if (line === 'ready') return;
      await exited;
    })();
    await Promise.race([ready, exited]);
    exited.catch(() => undefined); // its later exit is remove()'s business
  }
}
