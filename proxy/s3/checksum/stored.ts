/**
 * Where an object's checksum is kept in Swift: object sysmeta
 * `X-Object-Sysmeta-S3api-Checksum-<Alg>` (base64; `<base64>-N` for a
 * COMPOSITE multipart checksum) and `X-Object-Sysmeta-S3api-Checksum-Type`,
 * written with the object: as PUT headers when the value is known before its
 * body is sent (a request header, a completed multipart upload), as PUT
 * footers when it is known only once the body has ended (an aws-chunked
 * trailer, a part's computed checksum), so it is never stored apart from
 * the object. Objects stored before footers were used may hold it as
 * transient sysmeta (`X-Object-Transient-Sysmeta-` names): still read.
 */
import type { Headers } from '../../types.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type ChecksumType } from './algorithms.js';

const SYSMETA = 'x-object-sysmeta-s3api-checksum-';
const TRANSIENT = 'x-object-transient-sysmeta-s3api-checksum-';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  type: ChecksumType;
}

/** The Swift headers (or PUT footers) that store a checksum. */
export function checksumSysmeta(c: StoredChecksum): Headers {
  return { [`${SYSMETA}${c.algorithm.name.toLowerCase()}`]: c.value, [`${SYSMETA}type`]: c.type };
}

/** The checksum an object's Swift headers hold, if any. */
export function storedChecksum(h: Headers): StoredChecksum | undefined {
  for (const prefix of [SYSMETA, TRANSIENT]) {
    for (const alg of CHECKSUM_ALGORITHMS) {
      const value = h[`${prefix}${alg.name.toLowerCase()}`];
      if (value === undefined) continue;
      const type = h[`${prefix}type`] === 'COMPOSITE' ? 'COMPOSITE' : 'FULL_OBJECT';
      return { algorithm: alg, value, type };
    }
  }
  return undefined;
}

/** The S3 response headers naming a checksum: `x-amz-checksum-<alg>` and `x-amz-checksum-type`. */
export function checksumResponseHeaders(c: StoredChecksum | undefined): Headers {
  if (!c) return {};
  return { [c.algorithm.header]: c.value, 'x-amz-checksum-type': c.type };
}

/** The XML elements naming a checksum (`<ChecksumCRC32>…</ChecksumCRC32>`), optionally with `<ChecksumType>`. */
export function checksumXml(c: StoredChecksum | undefined, withType: boolean, tag: (name: string, text: string) => string): string {
  if (!c) return '';
  return tag(c.algorithm.element, c.value) + (withType ? tag('ChecksumType', c.type) : '');
}
