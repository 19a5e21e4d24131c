/**
 * NBD relays, for a compute host whose network lives in another namespace
 * (`[network] network_namespace`, as the tests' hosts do): qemu runs under
 * libvirtd in the machine's own namespace and can't reach a volume host's
 * address from there. So, per NBD volume, a `socat` started inside the
 * namespace listens on a unix socket in the guest's directory (a unix
 * socket is a file: every network namespace sees it) and carries each
 * connection to the export over the host's network; the domain names the
 * socket (`<host transport='unix'>`). A relay runs while its disk is
 * attached, past the compute service (as the guest does): its pid is kept
 * in `nbd-<dev>.pid` beside `nbd-<dev>.sock`. The socket is 0600: qemu
 * must run as root (libvirt's qemu.conf `user`), as it does on the tests'
 * machines.
 */
import { spawn } from 'node:child_process';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicSync } from '../../../common/index.js';
import { HypervisorError, type NbdSource } from '../hypervisor-driver.js';
import { processRuns, readPidFile, stopProcess } from './host-process.js';

/** sun_path holds 108 bytes with its NUL. */
const MAX_SOCKET_PATH = 107;

export class NbdRelays {
  constructor(readonly netns: string) {}

  paths(dir: string, device: string): { socket: string; pid: string } {
    return { socket: join(dir, `nbd-${device}.sock`), pid: join(dir, `nbd-${device}.pid`) };
  }

  /** The relay of `device` to `nbd` running (started if it is not); its socket's path. */
  async ensure(dir: string, device: string, nbd: NbdSource): Promise<string> {
    const p = this.paths(dir, device);
    const pid = await readPidFile(p.pid);
    if (pid !== undefined && (await processRuns(pid, ['socat', p.socket]))) return p.socket;
    if (Buffer.byteLength(p.socket) > MAX_SOCKET_PATH) throw new HypervisorError(`the NBD relay socket path ${p.socket} is longer than a unix socket takes`);
    // socat splits its addresses at ',' and ':': neither may hide in the path or the host.
    if (/[,:!]/.test(p.socket)) throw new HypervisorError(`the NBD relay socket path ${p.socket} has a character socat can't take`);
    if (!/^[A-Za-z0-9_.:-]+$/.test(nbd.host) || !Number.isInteger(nbd.port)) throw new HypervisorError(`not an NBD address: ${nbd.host}:${nbd.port}`);
    const target = nbd.host.includes(':') ? `TCP6:[${nbd.host}]:${nbd.port}` : `TCP4:${nbd.host}:${nbd.port}`;
    await rm(p.socket, { force: true });
    const child = spawn('ip', ['netns', 'exec', this.netns, 'socat', `UNIX-LISTEN:${p.socket},fork,mode=600`, target], { detached: true, stdio: 'ignore' });
    let exited: number | null | undefined;
    child.once('exit', (code) => { exited = code; });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    writeFileAtomicSync(p.pid, Buffer.from(String(child.pid)));
    // Listening once its socket exists.
    const until = Date.now() + 10_000;
    while (!(await access(p.socket).then(() => true, () => false))) {
      if (exited !== undefined) throw new HypervisorError(`the NBD relay to ${nbd.host}:${nbd.port} exited (status ${exited}) in namespace ${this.netns}`);
      if (Date.now() > until) {
        await this.stop(dir, device);
        throw new HypervisorError(`the NBD relay to ${nbd.host}:${nbd.port} did not listen in 10 s`);
      }
      await sleep(20);
    }
    return p.socket;
  }

  /** The relay of `device` stopped and its files gone (none: nothing to do). */
  async stop(dir: string, device: string): Promise<void> {
    const p = this.paths(dir, device);
    const pid = await readPidFile(p.pid);
    if (pid !== undefined) await stopProcess(pid, ['socat', p.socket]);
    await rm(p.socket, { force: true });
    await rm(p.pid, { force: true });
  }
}
