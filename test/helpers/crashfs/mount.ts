/**
 * Test helper (not a test): mounts crashfs (crashfs.py beside this file's
 * source, run by Debian's Python with python3-pyfuse3), a FUSE file system
 * that drops whatever was not fsynced when it "loses power". See the
 * header of crashfs.py for the crash semantics it models.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Debian's Python (python3-pyfuse3 is a Debian package); override with CRASHFS_PYTHON. */
const PYTHON = process.env.CRASHFS_PYTHON ?? '/usr/bin/python3';
/** The script, in the source tree (tsc leaves it there: this file runs from dist/test/helpers/crashfs/). */
const SCRIPT = fileURLToPath(new URL('../../../../test/helpers/crashfs/crashfs.py', import.meta.url));

/**
 * The `skip` option of a test that needs crashfs: a reason where the
 * machine has no /dev/fuse, false otherwise; under CI=true never a reason,
 * so a CI machine without FUSE fails the test instead of skipping it.
 */
export function crashFsSkip(): string | false {
  if (existsSync('/dev/fuse') || process.env.CI === 'true') return false;
  return 'no /dev/fuse on this machine';
}

function isMounted(mountpoint: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === mountpoint);
}

export class CrashFs {
  private child: ChildProcess | undefined;
  private stderr = '';

  /** `backing` holds the durable state between mounts (created if missing); `mountpoint` must be an empty dir. */
  private constructor(readonly backing: string, readonly mountpoint: string) {}

  static async mount(backing: string, mountpoint: string): Promise<CrashFs> {
    mkdirSync(backing, { recursive: true });
    mkdirSync(mountpoint, { recursive: true });
    const fs = new CrashFs(backing, mountpoint);
    await fs.start();
    return fs;
  }

  private async start(): Promise<void> {
    const child = spawn(PYTHON, [SCRIPT, this.backing, this.mountpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`crashfs exited (${code ?? signal}) before it was mounted: ${this.stderr}`)));
    });
    const ready = (async () => {
      for await (const line of createInterface({ input: child.stdout! })) if (line === 'ready') return;
      await exited;
    })();
    await Promise.race([ready, exited]);
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    child.once('exit', (code, signal) => {
      this.child = undefined;
      this.stderr += `\n(crashfs exited unasked: ${code ?? signal})`;
    });
  }

  /** Stops crashfs with `signal` and checks it wrote its state back and unmounted. */
  private async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) throw new Error(`crashfs is not running: ${this.stderr}`);
    const code = await new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', (c) => resolve(c));
      child.kill(signal);
    });
    this.child = undefined;
    if (code !== 0) throw new Error(`crashfs exited with ${code}: ${this.stderr}`);
    if (isMounted(this.mountpoint)) throw new Error(`crashfs left ${this.mountpoint} mounted`);
  }

  /**
   * Power loss: every change not made durable is dropped and the file
   * system comes back with what was. Stop every process using the mount
   * first (kill -9 is the honest way: nothing gets to close or flush).
   */
  async powerLoss(): Promise<void> {
    await this.stop('SIGUSR1');
    await this.start();
  }

  /** Clean unmount; falls back to a lazy unmount so a failed test never leaves a mount behind. */
  async unmount(): Promise<void> {
    try {
      if (this.child) await this.stop('SIGTERM');
    } finally {
      this.child?.kill('SIGKILL');
      if (isMounted(this.mountpoint)) spawnSync('umount', ['-l', this.mountpoint]);
    }
  }
}
