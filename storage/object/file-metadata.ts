/**
 * Reads the metadata trailer of one on-disk object file (`.data`, `.meta`,
 * `.ts`) by path, for code that walks hash dirs without a DiskFile: the
 * auditor and the sync sender/receiver.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { TRAILER_FIXED, decodeMetadataJson, trailerJsonLength, CorruptMetadataError, type ObjectMetadata } from './metadata.js';

export interface FileMetadata {
  metadata: ObjectMetadata;
  /** Bytes of object data before the trailer. */
  dataLength: number;
  /** Whole file size. */
  size: number;
}

/**
 * Throws CorruptMetadataError when the trailer is missing or damaged. Given
 * an open FileHandle, reads through it (and leaves it open).
 */
export async function readFileMetadata(file: string | FileHandle): Promise<FileMetadata> {
  const fh = typeof file === 'string' ? await fsp.open(file, 'r') : file;
  try {
    const { size } = await fh.stat();
    if (size < TRAILER_FIXED) throw new CorruptMetadataError('file too short for metadata');
    const tail = Buffer.alloc(TRAILER_FIXED);
    await fh.read(tail, 0, TRAILER_FIXED, size - TRAILER_FIXED);
    const jsonLen = trailerJsonLength(tail, size);
    const json = Buffer.alloc(jsonLen);
    await fh.read(json, 0, jsonLen, size - TRAILER_FIXED - jsonLen);
    return { metadata: decodeMetadataJson(json), dataLength: size - TRAILER_FIXED - jsonLen, size };
  } finally {
    if (typeof file === 'string') await fh.close();
  }
}

export { CorruptMetadataError };
