/**
 * A volume host's NBD exports (Cinder's target helper, with qemu-nbd as
 * the target): a volume attached to a guest on another host is served by
 * one `qemu-nbd` on `[volume] target_ip_address` at a free port of
 * `nbd_port_range`, export name `volume-<id>`. qemu-nbd reads the file
 * through its format (`-f qcow2|raw`, never probed), so the other host sees
 * the guest's bytes, raw. `--fork` makes it return once its socket listens,
 * so an export is reachable when `export` resolves; it then runs on its
 * own and outlives the volume service (a restart must not cut a guest's
 * disk, as a tgt target outlives cinder-volume). Each export's pid and
 * port are kept in `<stateDir>/volume-<id>.{pid,json}`; its messages go to
 * `volume-<id>.log`. No authentication: whoever reaches the address can
 * read and write the volume (README, "Volumes across hosts").
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../common/index.js';
import { processRuns, readPidFile, stopProcess } from '../driver/libvirt/index.js';
import type { NbdConnection, VolumeFormat } from './types.js';

export interface NbdExportOptions {
  /** The address exports listen on: the volume host's storage address. */
  bindHost: string;
  /** The first and last port exports may take. */
  ports: readonly [number, number];
  /** The network namespace exports listen in (the volume host's data plane's); absent: ours. */
  netns?: string;
  /** Where each export's pid, port and log are kept. */
  stateDir: string;
  /** How many clients one export serves at once (qemu-nbd --shared). */
  shared?: number;
}

interface ExportRecord extends NbdConnection {
  path: string;
}

/** qemu-nbd could not listen on the port it was given (someone else has it): the next one is tried. */
const PORT_TAKEN = /Address already in use/i;

export class NbdExports {
  constructor(private readonly o: NbdExportOptions) {}

  private files(volumeId: string) {
    const base = join(this.o.stateDir, `volume-${volumeId}`);
    return { pid: `${base}.pid`, record: `${base}.json`, log: `${base}.log` };
  }

  private async record(volumeId: string): Promise<ExportRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.files(volumeId).record, 'utf8')) as ExportRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** The export of `volumeId` if its qemu-nbd still runs. */
  async running(volumeId: string): Promise<NbdConnection | undefined> {
    const rec = await this.record(volumeId);
    const pid = await readPidFile(this.files(volumeId).pid);
    if (!rec || pid === undefined || !(await processRuns(pid, ['qemu-nbd', rec.path]))) return undefined;
    return { host: rec.host, port: rec.port, name: rec.name };
  }

  /** Export the volume's file `path` (already exported and running: the same export). */
  async export(volumeId: string, path: string, format: VolumeFormat): Promise<NbdConnection> {
    const up = await this.running(volumeId);
    if (up) return up;
    await this.unexport(volumeId, path); // what a crash left half-made
    await mkdir(this.o.stateDir, { recursive: true });
    const taken = await this.portsInUse();
    const [first, last] = this.o.ports;
    for (let port = first; port <= last; port++) {
      if (taken.has(port)) continue;
      const name = `volume-${volumeId}`;
      const problem = await this.startQemuNbd(volumeId, path, format, port, name);
      if (problem === undefined) {
        const rec: ExportRecord = { host: this.o.bindHost, port, name, path };
        writeFileAtomicSync(this.files(volumeId).record, Buffer.from(JSON.stringify(rec)));
        return { host: rec.host, port, name };
      }
      if (!PORT_TAKEN.test(problem)) throw new Error(`qemu-nbd could not export volume ${volumeId}: ${problem}`);
    }
    throw new Error(`no free port in ${first}-${last} for an NBD export of volume ${volumeId}`);
  }

  /**
   * After the volume host's restart (Cinder's ensure_export): the export
   * of `volumeId` runs again on the port it had, the one the other host's
   * guest was given. False when it never was exported (nothing to do).
   */
  async restore(volumeId: string, path: string, format: VolumeFormat): Promise<boolean> {
    const rec = await this.record(volumeId);
    if (!rec) return false;
    if (await this.running(volumeId)) return true;
    const problem = await this.startQemuNbd(volumeId, path, format, rec.port, rec.name);
    if (problem !== undefined) throw new Error(`qemu-nbd could not export volume ${volumeId} again on port ${rec.port}: ${problem}`);
    return true;
  }

  /** The volumes this host has export records of (running or not). */
  async exported(): Promise<string[]> {
    const names = await readdir(this.o.stateDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    return names.map((n) => /^volume-(.+)\.json$/.exec(n)?.[1]).filter((id): id is string => id !== undefined);
  }

  /** Stop the export (none running: nothing to do). */
  async unexport(volumeId: string, path?: string): Promise<void> {
    const f = this.files(volumeId);
    const pid = await readPidFile(f.pid);
    const rec = await this.record(volumeId);
    const file = rec?.path ?? path;
    if (pid !== undefined && file !== undefined) await stopProcess(pid, ['qemu-nbd', file]);
    await rm(f.record, { force: true });
    await rm(f.pid, { force: true });
    await rm(f.log, { force: true });
  }

  /** Ports of the exports this host runs. */
  private async portsInUse(): Promise<Set<number>> {
    const ports = new Set<number>();
    for (const id of await this.exported()) {
      const up = await this.running(id);
      if (up) ports.add(up.port);
    }
    return ports;
  }

  /** Run qemu-nbd until it has forked its server off; undefined when it listens, else what it said. */
  private async startQemuNbd(volumeId: string, path: string, format: VolumeFormat, port: number, name: string): Promise<string | undefined> {
    const f = this.files(volumeId);
    const args = [
      '--fork', `--pid-file=${f.pid}`, '--persistent', `--shared=${this.o.shared ?? 4}`, '--format', format,
      '--bind', this.o.bindHost, '--port', String(port), '--export-name', name, path,
    ];
    const [cmd, argv] = this.o.netns ? ['ip', ['netns', 'exec', this.o.netns, 'qemu-nbd', ...args]] : ['qemu-nbd', args];
    // The log file, not a pipe, takes its output: the forked server keeps its stderr, and a pipe would stay open with it.
    const log = await open(f.log, 'w');
    let code: number | null;
    try {
      code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(cmd, argv as string[], { stdio: ['ignore', log.fd, log.fd] });
        child.once('error', reject);
        child.once('exit', (c) => resolve(c));
      });
      if (code === 0) return undefined;
    } finally {
      await log.close();
    }
    const said = (await readFile(f.log, 'utf8')).trim();
    return said || `exit status ${code ?? 'signal'}`;
  }
}
