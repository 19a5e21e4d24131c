/**
 * `qemu-img`, one execFile per call: info, overlay, convert. Every call names
 * every format (`-f`, `-F`, `-O`): qemu-img never probes one, so an image's
 * bytes can't make it read something else (image-format.ts checks them).
 */
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
  /** The backing file the image names, if any. */
  backingFilename?: string;
  /** Its backing file's format, as the image records it. */
  backingFormat?: string;
  /** A qcow2's external data file, if any. */
  dataFile?: string;
  encrypted: boolean;
}

interface InfoJson {
  format: string;
  'virtual-size': number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  encrypted?: boolean;
  'format-specific'?: { type?: string; data?: { 'data-file'?: string } };
}

/** `qemu-img info -f <format>`: the image read as `format`, never probed (and its backing chain not opened). */
export async function imageInfo(path: string, format: string): Promise<ImageInfo> {
  const j = JSON.parse(await qemuImg(['info', '-U', '-f', format, '--output=json', path])) as InfoJson;
  return {
    format: j.format, virtualSize: j['virtual-size'], backingFilename: j['full-backing-filename'] ?? j['backing-filename'],
    backingFormat: j['backing-filename-format'], dataFile: j['format-specific']?.data?.['data-file'], encrypted: j.encrypted === true,
  };
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

/** A new empty image of `sizeBytes` (`qemu-img create -f <format>`). */
export async function createImage(path: string, format: string, sizeBytes: number): Promise<void> {
  await qemuImg(['create', '-q', '-f', format, path, String(sizeBytes)]);
}

/** Grow an image to `sizeBytes` (`qemu-img resize -f <format>`; never `--shrink`). */
export async function resizeImage(path: string, format: string, sizeBytes: number): Promise<void> {
  await qemuImg(['resize', '-q', '-f', format, path, String(sizeBytes)]);
}
