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

/**
 * Copy `src` into an existing image `dest` (`convert -n`: not re-created, so
 * a qcow2 keeps its internal snapshots; regions that are zero in `src` are
 * written as zeros). `dest` must be at least as large.
 */
export async function convertInto(src: string, srcFormat: string, dest: string, destFormat: string): Promise<void> {
  await qemuImg(['convert', '-n', '-f', srcFormat, '-O', destFormat, src, dest]);
}

/** A qcow2 named by `--image-opts` (`qemu-img snapshot` has no `-f`): its format is still never probed. */
const qcow2Opts = (path: string) => `driver=qcow2,file.driver=file,file.filename=${path.replace(/,/g, ',,')}`;

/** Internal snapshots of a qcow2 (`qemu-img snapshot`); the image must not be open for writing elsewhere. */
export async function createInternalSnapshot(path: string, name: string): Promise<void> {
  await qemuImg(['snapshot', '-q', '--image-opts', '-c', name, qcow2Opts(path)]);
}

export async function deleteInternalSnapshot(path: string, name: string): Promise<void> {
  await qemuImg(['snapshot', '-q', '--image-opts', '-d', name, qcow2Opts(path)]);
}

/** The tags of a qcow2's internal snapshots. */
export async function listInternalSnapshots(path: string): Promise<string[]> {
  const j = JSON.parse(await qemuImg(['info', '-U', '-f', 'qcow2', '--output=json', path])) as { snapshots?: { name: string }[] };
  return (j.snapshots ?? []).map((s) => s.name);
}

/** A qcow2's internal snapshot `name` written out as a standalone image (`convert -l snapshot.name=`). */
export async function convertSnapshot(src: string, name: string, dest: string, destFormat: string): Promise<void> {
  await qemuImg(['convert', '-U', '-f', 'qcow2', '-l', `snapshot.name=${name}`, '-O', destFormat, src, dest]);
}

/** One extent of `qemu-img map`: whether it holds data and whether it reads as zeros. */
export interface MapExtent {
  start: number;
  length: number;
  data: boolean;
  zero: boolean;
}

/** `qemu-img map -f <format>`: which ranges hold data (for a raw file: SEEK_DATA/SEEK_HOLE). */
export async function mapImage(path: string, format: string): Promise<MapExtent[]> {
  return (JSON.parse(await qemuImg(['map', '-U', '-f', format, '--output=json', path])) as MapExtent[])
    .map(({ start, length, data, zero }) => ({ start, length, data, zero }));
}
