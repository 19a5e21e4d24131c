/**
 * A request's checksum (PutObject, UploadPart): named by one
 * `x-amz-checksum-<alg>` header, or announced in `x-amz-trailer` and sent
 * as an aws-chunked trailer, with `x-amz-sdk-checksum-algorithm` (or
 * `x-amz-checksum-algorithm`) agreeing. The body is digested as it streams
 * (ChecksumCheck) and refused with BadDigest before its last chunk reaches
 * Swift when the digest is not what the client said.
 */
import type { Headers, SwiftResponse } from '../../types.js';
import { makeResponse } from '../../response.js';
import { CheckedStream } from '../checked-stream.js';
import { S3Errors, type S3Error } from '../errors.js';
import type { S3Signature } from '../auth/index.js';
import { checksumSysmeta } from './stored.js';
import { CHECKSUM_ALGORITHMS, checksumAlgorithm, validChecksumValue, type ChecksumAlgorithm, type Digester } from './algorithms.js';

export interface RequestChecksum {
  algorithm: ChecksumAlgorithm;
  /** The value from the request header; undefined when it comes as a trailer (or is to be computed only). */
  value?: string;
  /** The value comes in the aws-chunked trailer. */
  trailer: boolean;
}

const MULTIPLE = 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.';

/**
 * The checksum a PUT's headers promise, checked for form (InvalidRequest):
 * undefined when there is none.
 */
export function requestChecksum(h: Headers, sig: S3Signature): RequestChecksum | undefined {
  const given = CHECKSUM_ALGORITHMS.filter((a) => h[a.header] !== undefined);
  if (given.length > 1) throw S3Errors.InvalidRequest({}, MULTIPLE);
  let found: RequestChecksum | undefined;
  if (given.length === 1) {
    const alg = given[0];
    if (!validChecksumValue(alg, h[alg.header]!)) throw S3Errors.InvalidRequest({}, `Value for ${alg.header} header is invalid.`);
    found = { algorithm: alg, value: h[alg.header]!.trim(), trailer: false };
  }
  const trailerName = h['x-amz-trailer']?.trim().toLowerCase();
  if (trailerName) {
    const alg = CHECKSUM_ALGORITHMS.find((a) => a.header === trailerName);
    if (!alg) throw S3Errors.InvalidRequest({}, 'The value specified in the x-amz-trailer header is not supported');
    if (found) throw S3Errors.InvalidRequest({}, MULTIPLE);
    if (sig.payload.kind !== 'streaming' || !sig.payload.mode.endsWith('-TRAILER')) {
      throw S3Errors.InvalidRequest({}, 'The x-amz-trailer header needs an aws-chunked body with trailers (x-amz-content-sha256: STREAMING-…-TRAILER).');
    }
    found = { algorithm: alg, trailer: true };
  }
  const sdkName = h['x-amz-sdk-checksum-algorithm'] ?? h['x-amz-checksum-algorithm'];
  if (sdkName !== undefined) {
    const header = h['x-amz-sdk-checksum-algorithm'] !== undefined ? 'x-amz-sdk-checksum-algorithm' : 'x-amz-checksum-algorithm';
    const alg = checksumAlgorithm(sdkName);
    if (!alg || (found && found.algorithm !== alg)) throw S3Errors.InvalidRequest({}, `Value for ${header} header is invalid.`);
    if (!found) throw S3Errors.InvalidRequest({}, `${header} specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.`);
  }
  return found;
}

/** The algorithm `x-amz-checksum-algorithm` names; InvalidRequest when S3 has none such. */
export function namedChecksumAlgorithm(name: string): ChecksumAlgorithm {
  const algorithm = checksumAlgorithm(name);
  if (algorithm) return algorithm;
  throw S3Errors.InvalidRequest({}, `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.map((a) => a.name).join(', ')}]`);
}

/**
 * S3's default checksum (since 2025) for an upload that names none: a
 * CRC64NVME of the whole body, computed as it streams and stored as any other.
 */
export function defaultChecksum(): RequestChecksum {
  return { algorithm: checksumAlgorithm('CRC64NVME')!, trailer: false };
}

/** Digests the body as it passes; at its end compares with what the client sent (header or trailer). */
export class ChecksumCheck extends CheckedStream {
  private readonly digester: Digester;
  /** The body's checksum (base64), once it has ended and matched. */
  value?: string;

  constructor(
    readonly checksum: RequestChecksum,
    private readonly trailers: () => Record<string, string> | undefined,
  ) {
    super();
    this.digester = checksum.algorithm.create();
  }

  protected update(chunk: Buffer): void {
    this.digester.update(chunk);
  }

  protected async verify(): Promise<S3Error | undefined> {
    const alg = this.checksum.algorithm;
    const got = (await this.digester.digest()).toString('base64');
    let expected = this.checksum.value;
    if (this.checksum.trailer) {
      expected = this.trailers()?.[alg.header];
      if (expected === undefined) return S3Errors.InvalidRequest({}, `The ${alg.header} trailer announced in x-amz-trailer was not sent.`);
      if (!validChecksumValue(alg, expected)) return S3Errors.InvalidRequest({}, `Value for ${alg.header} trailing header is invalid.`);
      expected = expected.trim();
    }
    if (expected !== undefined && expected !== got) {
      return S3Errors.BadDigest({}, `The ${alg.name} you specified did not match the calculated checksum.`);
    }
    this.value = got;
    return undefined;
  }
}

/**
 * The PUT footers (`SwiftCall.footers`) that store `check`'s checksum as
 * the object's sysmeta, with the object: the check approves the body before
 * its last byte goes, so its value is known when the footers are asked for.
 * A body the check did not approve is refused (nothing stored).
 */
export function checksumFooters(check: ChecksumCheck): (footers: Headers) => SwiftResponse | undefined {
  return (footers) => {
    if (check.value === undefined) return makeResponse(400, 'Checksum not verified');
    Object.assign(footers, checksumSysmeta({ algorithm: check.checksum.algorithm, value: check.value, type: 'FULL_OBJECT' }));
    return undefined;
  };
}
