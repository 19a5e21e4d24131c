/** What an S3 signature check yields before the secret is known. */
export interface S3Signature {
  accessKey: string;
  /** Checks the signature with the user's secret (tempauth calls this). */
  verify(secret: string): boolean;
  /**
   * How the body is covered: `unsigned`, `sha256` (hex to match as it
   * streams), or a `streaming` aws-chunked variant (x-amz-content-sha256).
   */
  payload: { kind: 'unsigned' } | { kind: 'sha256'; hex: string } | { kind: 'streaming'; mode: string };
  /** SigV4 only: what a chunk signature chains from, once `verify` succeeded. */
  v4?: { signingKey?: Buffer; seedSignature: string; amzDate: string; scope: string };
}
