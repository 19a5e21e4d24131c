/**
 * An image's bytes against its declared `disk_format`, before qemu opens
 * it for a guest (what Nova's format_inspector does since
 * CVE-2022-47951 / CVE-2024-32498). qemu is never left to probe a format:
 * a qcow2 declared raw, a raw whose bytes are another format's, a qcow2
 * with a backing file (it names a file on the compute host that the guest
 * would read) or an external data file, an encrypted qcow2, or a format
 * this driver doesn't boot is refused with `ImageFormatError`.
 *
 * The header is read and judged here first; only an image that passes is
 * given to `qemu-img info -f <declared>`, whose answer must agree.
 */
import { open } from 'node:fs/promises';
import { imageInfo } from './qemu-img.js';

/** The image is not what it says it is, or not one the driver may boot. */
export class ImageFormatError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'ImageFormatError';
  }
}

/** Formats the libvirt driver boots from. */
export const BOOTABLE_FORMATS = ['raw', 'qcow2'] as const;
export type BootableFormat = (typeof BOOTABLE_FORMATS)[number];

export interface CheckedImage {
  format: BootableFormat;
  virtualSize: number;
}

const HEAD_BYTES = 64 * 1024;
const QCOW_MAGIC = 0x514649fb;
const QCOW2_EXT_DATA_FILE = 0x44415441;
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;

/** Magic numbers qemu's probes look for (block/*.c `*_probe`), as [format, offset, bytes]. */
const MAGICS: [string, number, Buffer][] = [
  ['qcow', 0, Buffer.from([0x51, 0x46, 0x49, 0xfb])],
  ['qed', 0, Buffer.from('QED\0', 'latin1')],
  ['vmdk', 0, Buffer.from('KDMV', 'latin1')],
  ['vmdk', 0, Buffer.from('COWD', 'latin1')],
  ['vmdk', 0, Buffer.from('# Disk DescriptorFile', 'latin1')],
  ['vhdx', 0, Buffer.from('vhdxfile', 'latin1')],
  ['vpc', 0, Buffer.from('conectix', 'latin1')],
  ['vdi', 0x40, Buffer.from([0x7f, 0x10, 0xda, 0xbe])],
  ['luks', 0, Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe])],
  ['parallels', 0, Buffer.from('WithoutFreeSpace', 'latin1')],
  ['parallels', 0, Buffer.from('WithouFreSpacExt', 'latin1')],
  ['bochs', 0, Buffer.from('Bochs Virtual HD Image', 'latin1')],
  ['cloop', 0, Buffer.from('#!/bin/sh\n#V2.0 Format\n', 'latin1')],
];

/** The image format the first bytes announce, or undefined for none (raw data). */
export function detectFormat(head: Buffer): string | undefined {
  for (const [format, offset, magic] of MAGICS) {
    if (head.length >= offset + magic.length && head.subarray(offset, offset + magic.length).equals(magic)) {
      if (format === 'qcow') return head.length >= 8 && head.readUInt32BE(4) >= 2 ? 'qcow2' : 'qcow';
      return format;
    }
  }
  return undefined;
}

/** Why a qcow2 header may not be booted, or undefined when it may. */
export function qcow2HeaderProblem(head: Buffer): string | undefined {
  if (head.length < 72 || head.readUInt32BE(0) !== QCOW_MAGIC) return 'its qcow2 header is truncated';
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) return `its qcow2 version ${version} is unknown`;
  if (head.readBigUInt64BE(8) !== 0n || head.readUInt32BE(16) !== 0) {
    const offset = Number(head.readBigUInt64BE(8));
    const size = head.readUInt32BE(16);
    const name = offset + size <= head.length ? head.subarray(offset, offset + size).toString('utf8') : '(beyond the header)';
    return `it has a backing file (${JSON.stringify(name)}); images must be self-contained`;
  }
  if (head.readUInt32BE(32) !== 0) return 'it is encrypted';
  let extensions = 72;
  if (version === 3) {
    if (head.length < 104) return 'its qcow2 header is truncated';
    if (head.readBigUInt64BE(72) & QCOW2_INCOMPAT_DATA_FILE) return 'it keeps its data in an external data file';
    extensions = head.readUInt32BE(100);
  }
  // Header extensions: type, length, data padded to 8 bytes; type 0 ends them.
  for (let at = extensions; at + 8 <= head.length;) {
    const type = head.readUInt32BE(at);
    const length = head.readUInt32BE(at + 4);
    if (type === 0) return undefined;
    if (type === QCOW2_EXT_DATA_FILE) return 'it names an external data file';
    at += 8 + Math.ceil(length / 8) * 8;
  }
  return 'its qcow2 header extensions run past the first 64 KiB';
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Check that the file at `path` is a bootable image of `declared` format
 * and nothing else; its format and virtual size. Throws ImageFormatError.
 */
export async function checkImageFormat(path: string, declared: string | null | undefined, imageId = 'the image'): Promise<CheckedImage> {
  const refuse = (why: string) => new ImageFormatError(`Image ${imageId} (disk_format ${declared || 'unset'}) is refused: ${why}`);
  // An AMI's root disk is raw data, as Nova takes it.
  if (declared === 'ami') declared = 'raw';
  if (!declared || !(BOOTABLE_FORMATS as readonly string[]).includes(declared)) {
    throw refuse(`the libvirt driver boots only ${BOOTABLE_FORMATS.join(' and ')} (or ami) images`);
  }
  const head = await readHead(path);
  const found = detectFormat(head);
  if (declared === 'raw' && found !== undefined) throw refuse(`its data is a ${found} image, not raw`);
  if (declared === 'qcow2') {
    if (found !== 'qcow2') throw refuse(found ? `its data is a ${found} image, not qcow2` : 'its data is not a qcow2 image');
    const problem = qcow2HeaderProblem(head);
    if (problem) throw refuse(problem);
  }
  let info;
  try {
    info = await imageInfo(path, declared);
  } catch (err) {
    throw refuse((err as Error).message);
  }
  // qemu-img's own reading must agree with ours.
  if (info.format !== declared) throw refuse(`qemu-img reads it as ${info.format}`);
  if (info.backingFilename !== undefined) throw refuse(`it has a backing file (${JSON.stringify(info.backingFilename)})`);
  if (info.dataFile !== undefined) throw refuse(`it keeps its data in an external data file (${JSON.stringify(info.dataFile)})`);
  if (info.encrypted) throw refuse('it is encrypted');
  return { format: declared as BootableFormat, virtualSize: info.virtualSize };
}
