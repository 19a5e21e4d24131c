/** `qemu-img`, one execFile per call: probe, overlay, convert. */
import { execFile } from 'node:child_process';

export class QemuImgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QemuImgError';
  }
}

function qemuImg(args: string[], timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      reject(new QemuImgError(code === 'ENOENT' ? 'qemu-img is not installed' : `qemu-img ${args[0]}: ${stderr.trim() || err.message}`));
    });
  });
}

export interface ImageInfo {
  format: string;
  virtualSize: number;
}

export async function imageInfo(path: string): Promise<ImageInfo> {
  const j = JSON.parse(await qemuImg(['info', '-U', '--output=json', path])) as { format: string; 'virtual-size': number };
  return { format: j.format, virtualSize: j['virtual-size'] };
}

/** A qcow2 overlay on `base` (format `baseFormat`), `sizeBytes` big when it should grow past the base. */
export async function createOverlay(base: string, baseFormat: string, path: string, sizeBytes?: number): Promise<void> {
  const args = ['create', '-q', '-f', 'qcow2', '-F', baseFormat, '-b', base, path];
  if (sizeBytes !== undefined) args.push(String(sizeBytes));
  await qemuImg(args);
}

/** Flatten `src` (with its backing chain) into a standalone image. `-U`: the guest may hold the lock. */
export async function convert(src: string, srcFormat: string, dest: string, destFormat: string): Promise<void> {
  await qemuImg(['convert', '-U', '-f', srcFormat, '-O', destFormat, src, dest]);
}
