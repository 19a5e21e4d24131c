/**
 * Multipart checksums. CreateMultipartUpload names an algorithm
 * (`x-amz-checksum-algorithm`) and a type (`x-amz-checksum-type`):
 * COMPOSITE (the default, except for CRC64NVME) is the checksum of the
 * parts' raw checksums concatenated, written `<base64>-N`; FULL_OBJECT
 * (CRCs only; the default for CRC64NVME) is the CRC of the whole object,
 * combined from the parts' CRCs and sizes (crc-combine.ts).
 */
import type { Headers } from '../../types.js';
import { S3Errors } from '../errors.js';
import { checksumAlgorithm, checksumOf, type ChecksumAlgorithm, type ChecksumType } from './algorithms.js';
import { namedChecksumAlgorithm } from './request.js';
import { crcCombine } from './crc-combine.js';

export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

const UPLOAD_ALGORITHM = 'x-object-sysmeta-s3api-upload-checksum-algorithm';
const UPLOAD_TYPE = 'x-object-sysmeta-s3api-upload-checksum-type';

/** CreateMultipartUpload's checksum headers, checked; undefined when the upload has none. */
export function uploadChecksumRequest(h: Headers): UploadChecksum | undefined {
  const name = h['x-amz-checksum-algorithm'] ?? h['x-amz-sdk-checksum-algorithm'];
  const typeText = h['x-amz-checksum-type'];
  if (name === undefined) {
    if (typeText !== undefined) throw S3Errors.InvalidRequest({}, 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return undefined;
  }
  const algorithm = namedChecksumAlgorithm(name);
  let type: ChecksumType = algorithm.name === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
  if (typeText !== undefined) {
    const t = typeText.trim().toUpperCase();
    if (t !== 'COMPOSITE' && t !== 'FULL_OBJECT') throw S3Errors.InvalidRequest({}, 'Value for x-amz-checksum-type header is invalid.');
    type = t;
  }
  if (type === 'FULL_OBJECT' && !algorithm.crc) {
    throw S3Errors.InvalidRequest({}, `The FULL_OBJECT checksum type cannot be used with the ${algorithm.name.toLowerCase()} checksum algorithm.`);
  }
  if (type === 'COMPOSITE' && algorithm.name === 'CRC64NVME') {
    throw S3Errors.InvalidRequest({}, 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  }
  return { algorithm, type };
}

/** The upload marker's sysmeta for its checksum. */
export function uploadChecksumSysmeta(c: UploadChecksum): Headers {
  return { [UPLOAD_ALGORITHM]: c.algorithm.name, [UPLOAD_TYPE]: c.type };
}

/** The upload's checksum, from its marker's headers. */
export function uploadChecksumOf(h: Headers): UploadChecksum | undefined {
  const algorithm = checksumAlgorithm(h[UPLOAD_ALGORITHM]);
  if (!algorithm) return undefined;
  return { algorithm, type: h[UPLOAD_TYPE] === 'FULL_OBJECT' ? 'FULL_OBJECT' : 'COMPOSITE' };
}

/** The whole object's checksum from its parts' (base64 each) and sizes, as the upload's type says. */
export async function multipartChecksum(c: UploadChecksum, parts: { value: string; size: number }[]): Promise<string> {
  if (c.type === 'COMPOSITE') {
    const raw = Buffer.concat(parts.map((p) => Buffer.from(p.value, 'base64')));
    return `${(await checksumOf(c.algorithm, raw)).toString('base64')}-${parts.length}`;
  }
  const { width, poly } = c.algorithm.crc!;
  let crc: bigint | undefined;
  for (const p of parts) {
    const part = BigInt(`0x${Buffer.from(p.value, 'base64').toString('hex')}`);
    crc = crc === undefined ? part : crcCombine(crc, part, p.size, poly, width);
  }
  const out = Buffer.alloc(width / 8);
  if (width === 64) out.writeBigUInt64BE(crc ?? 0n);
  else out.writeUInt32BE(Number(crc ?? 0n));
  return out.toString('base64');
}
