/**
 * The metadata service of a compute host whose guests live on networks of
 * its own data plane (nova-network's multi_host: nova-api-metadata on each
 * compute host, 169.254.169.254 on the host's lo, as linux_net's
 * ensure_metadata_ip did): the service on a unix socket (only what can open
 * the file reaches it, so it may trust X-Forwarded-For), and the forwarder
 * at 169.254.169.254:80 in the data plane's namespace — in this process for
 * the host's own namespace, else a child process started inside the
 * network namespace, since a socket binds in the namespace of the process
 * that opens it. The guest's packets reach it through its gateway (the
 * bridge), unNATed, so the forwarder sees the guest's fixed IP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../common/index.js';
import { HostCommands } from '../network/linux/index.js';
import type { MetadataLookup } from './metadata-app.js';
import { startMetadataForwarder, type MetadataForwarder } from './metadata-forwarder.js';
import { startMetadataServer, type MetadataServer } from './metadata-server.js';

export const METADATA_ADDRESS = '169.254.169.254';
const FORWARDER_MAIN = fileURLToPath(new URL('./forwarder-main.js', import.meta.url));

export interface GuestMetadataOptions {
  lookup: MetadataLookup;
  /** The service's unix socket (made 0600; a stale one is replaced). */
  socketPath: string;
  /** Run the forwarder at 169.254.169.254:80: in `netns` when given, else in this host's namespace. False: the socket only. */
  forwarder: boolean;
  netns?: string;
  logger: Logger;
}

export interface GuestMetadata {
  socketPath: string;
  /** Where guests reach it (`http://169.254.169.254`), when a forwarder runs. */
  guestUrl?: string;
  /** The namespace the forwarder runs in (undefined: this host's own). */
  netns?: string;
  /** Why the forwarder isn't running (not root, port 80 taken, …): guests then need a config drive. */
  forwarderError?: string;
  close(): Promise<void>;
}

/** Wait for the child's "metadata forwarder:" line; reject with what it said when it exits first. */
function forwarderStarted(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the metadata forwarder did not start in ${timeoutMs} ms: ${out.trim()}`)), timeoutMs);
    const onData = (c: Buffer) => {
      out += c;
      if (/metadata forwarder: http/.test(out)) done();
    };
    const onExit = () => fail(new Error(`the metadata forwarder exited: ${out.trim()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
    };
    const done = () => { cleanup(); resolve(); };
    const fail = (err: Error) => { cleanup(); reject(err); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

export async function startGuestMetadata(o: GuestMetadataOptions): Promise<GuestMetadata> {
  await rm(o.socketPath, { force: true });
  const server: MetadataServer = await startMetadataServer({ listen: { path: o.socketPath }, lookup: o.lookup, useForwardedFor: true, logger: o.logger });
  let child: ChildProcess | undefined;
  let inProcess: MetadataForwarder | undefined;
  const close = async () => {
    if (child) await stopChild(child);
    await inProcess?.close();
    await server.close();
    await rm(o.socketPath, { force: true });
  };
  try {
    await chmod(o.socketPath, 0o600);
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  if (!o.forwarder) return { socketPath: o.socketPath, close };
  try {
    const cmd = new HostCommands(o.netns);
    await cmd.ip(['link', 'set', 'lo', 'up']);
    await cmd.ip(['addr', 'replace', `${METADATA_ADDRESS}/32`, 'scope', 'link', 'dev', 'lo']);
    if (o.netns) {
      child = spawn('ip', ['netns', 'exec', o.netns, process.execPath, FORWARDER_MAIN, `${METADATA_ADDRESS}:80`, o.socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      await forwarderStarted(child, 20_000);
      child.stdout!.resume();
      child.stderr!.on('data', (c: Buffer) => o.logger.warn({ netns: o.netns }, `metadata forwarder: ${String(c).trim()}`));
    } else {
      inProcess = await startMetadataForwarder({ listen: { host: METADATA_ADDRESS, port: 80 }, socketPath: o.socketPath, logger: o.logger });
    }
  } catch (err) {
    // The service itself runs; only guests lose their way to it (a config drive still works).
    if (child) await stopChild(child);
    child = undefined;
    const forwarderError = (err as Error).message;
    o.logger.error({ netns: o.netns, err: forwarderError }, 'the metadata forwarder at 169.254.169.254:80 did not start');
    return { socketPath: o.socketPath, netns: o.netns, forwarderError, close };
  }
  return { socketPath: o.socketPath, guestUrl: `http://${METADATA_ADDRESS}`, netns: o.netns, close };
}
