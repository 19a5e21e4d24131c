/**
 * Ring distribution: the operator's `.ring.gz` files copied to every host's
 * swift_dir, where each server's `Ring` sees the new mtime and reloads it
 * without a restart (Swift's `reload_time`, 15 s).
 *
 * A target is a local directory (a host's swift_dir on this machine or a
 * mount) or an rsync destination (`host:/etc/swift/` over ssh,
 * `rsync://host/swift/` to an rsync daemon, as Swift operators run on
 * every storage node). Either way a host sees the old file or the new one,
 * never part of one: a local copy is temp file → fsync → rename → fsync
 * dir; rsync writes each file into a temp dir beside it and renames them
 * all at the end (`--delay-updates`) after fsyncing them (`--fsync`).
 * Every file is parsed as a ring before anything is sent, so a truncated or
 * foreign file never reaches a host.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomicSync } from '../../common/core.js';
import { parseRing } from '../../ring/index.js';

export interface PushOutcome {
  target: string;
  via: 'copy' | 'rsync';
  ok: boolean;
  error?: string;
}

/** An rsync destination (`[user@]host:path`, `rsync://…`) rather than a local directory. */
export function isRemoteTarget(target: string): boolean {
  return target.startsWith('rsync://') || /^[^/]*:/.test(target);
}

/** Refuses anything that is not a readable ring file named `<name>.ring.gz`. */
export function checkRingFiles(files: readonly string[]): void {
  if (files.length === 0) throw new Error('no ring files to push');
  for (const f of files) {
    if (!f.endsWith('.ring.gz')) throw new Error(`${f}: not a .ring.gz file`);
    parseRing(readFileSync(f));
  }
}

function copyTo(files: readonly string[], dir: string): void {
  for (const f of files) writeFileAtomicSync(join(dir, basename(f)), readFileSync(f), 0o644);
}

function rsyncTo(files: readonly string[], target: string, rsync: string, timeoutS: number): Promise<void> {
  const dest = target.endsWith('/') ? target : `${target}/`;
  const args = ['--times', '--checksum', '--fsync', '--delay-updates', `--timeout=${timeoutS}`, ...files, dest];
  return new Promise((resolve, reject) => {
    const child = spawn(rsync, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`rsync exited ${code}: ${err.trim()}`))));
  });
}

export interface PushOptions {
  /** The rsync binary (default `rsync`). */
  rsync?: string;
  /** rsync's I/O timeout, seconds (default 30). */
  timeout?: number;
  /** Targets pushed at once (default 8). */
  concurrency?: number;
}

/** Pushes `files` to every target; one outcome per target, failures included (a host down must not stop the others). */
export async function pushRings(files: readonly string[], targets: readonly string[], opts: PushOptions = {}): Promise<PushOutcome[]> {
  checkRingFiles(files);
  const out: PushOutcome[] = new Array(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      const target = targets[i];
      const via = isRemoteTarget(target) ? 'rsync' : 'copy';
      try {
        if (via === 'rsync') await rsyncTo(files, target, opts.rsync ?? 'rsync', opts.timeout ?? 30);
        else copyTo(files, target);
        out[i] = { target, via, ok: true };
      } catch (err) {
        out[i] = { target, via, ok: false, error: (err as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, targets.length) }, worker));
  return out;
}
