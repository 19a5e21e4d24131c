/**
 * RabbitMQ for the bed's hosts without touching the machine's own network:
 * the broker listens on 127.0.0.1:5672 of the root namespace, which no bed
 * host can reach. One forwarder in the root namespace serves a unix socket
 * in the bed's folder (a file: every namespace sees it) and connects each
 * caller to the broker; one in each host's namespace listens on that
 * namespace's own 127.0.0.1:5672 and connects to the unix socket. A
 * compute.conf on any host then says `transport_url = rabbit://…@127.0.0.1:5672/`,
 * as it would on a host with a local broker. (PostgreSQL needs nothing of
 * the kind: its unix socket under /var/run/postgresql is a file too.)
 *
 * Every forwarder exits when its standard input closes, so none outlives
 * the test process, however that ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MultiHostBed } from './bed.js';
import { listeningPorts } from './network.js';

const PIPE_WORKER = fileURLToPath(new URL('./pipe-worker.js', import.meta.url));
export const AMQP_PORT = 5672;

export interface BrokerForward {
  /** The unix socket the root-side forwarder serves. */
  socket: string;
  stop(): void;
}

function startPipe(args: string[], log: string, ns?: string): ChildProcess {
  const fd = openSync(log, 'a');
  const argv = [PIPE_WORKER, ...args];
  const child = ns
    ? spawn('ip', ['netns', 'exec', ns, process.execPath, ...argv], { stdio: ['pipe', fd, fd] })
    : spawn(process.execPath, argv, { stdio: ['pipe', fd, fd] });
  closeSync(fd);
  child.stdin?.on('error', () => undefined);
  return child;
}

/**
 * Forwards `broker` (`ip:port` of the root namespace, default RabbitMQ's
 * 127.0.0.1:5672) to 127.0.0.1:5672 inside each of `hosts` (default all);
 * resolves once every host's side listens.
 */
export async function forwardBroker(bed: MultiHostBed, opts: { broker?: string; hosts?: number[] } = {}): Promise<BrokerForward> {
  const socket = join(bed.root, 'amqp.sock');
  const children: ChildProcess[] = [startPipe([`unix:${socket}`, opts.broker ?? `127.0.0.1:${AMQP_PORT}`], join(bed.root, 'amqp-forward.log'))];
  const stop = (): void => {
    for (const c of children) {
      c.stdin?.end();
      if (c.exitCode === null) c.kill('SIGTERM');
    }
  };
  try {
    for (const deadline = Date.now() + 30_000; !existsSync(socket); await sleep(100)) {
      if (Date.now() > deadline || children[0]!.exitCode !== null) throw new Error(`the root namespace's broker forwarder did not start (log in ${bed.root})`);
    }
    const hosts = (opts.hosts ?? bed.hosts.map((h) => h.n)).map((n) => bed.host(n));
    for (const h of hosts) children.push(startPipe([`127.0.0.1:${AMQP_PORT}`, `unix:${socket}`], join(h.paths.log, 'amqp-forward.log'), h.ns));
    for (const h of hosts) {
      const deadline = Date.now() + 30_000;
      while (!(await listeningPorts(h.ns)).has(AMQP_PORT)) {
        if (Date.now() > deadline) throw new Error(`host ${h.n}'s broker forwarder not listening (log in ${h.paths.log})`);
        if (children.some((c) => c.exitCode !== null)) throw new Error(`a broker forwarder exited (logs in ${bed.root})`);
        await sleep(100);
      }
    }
  } catch (err) {
    stop();
    throw err;
  }
  return { socket, stop };
}
