/**
 * CRC combination: the CRC of A‖B from crc(A), crc(B) and len(B), without
 * the bytes. S3's FULL_OBJECT multipart checksums are the CRC of the whole
 * object, built from the parts' CRCs this way.
 *
 * The math (zlib's crc32_combine, generalised to any reflected CRC whose
 * init and final XOR are all ones, as CRC-32, CRC-32C and CRC-64/NVME are):
 * appending len(B) zero bytes to A multiplies crc(A)'s polynomial by
 * x^(8·len(B)) mod P, and the all-ones init/xorout terms cancel, so
 * crc(A‖B) = crc(A)·x^(8·len(B)) mod P  XOR  crc(B).
 * Polynomials are in reflected form (bit width-1 is x^0). BigInt keeps one
 * code path for 32 and 64 bits; it runs once per part, never per byte.
 */

/** a·b mod P, reflected. */
function multModP(a: bigint, b: bigint, poly: bigint, width: number): bigint {
  let m = 1n << BigInt(width - 1);
  let p = 0n;
  while (m !== 0n) {
    if (a & m) p ^= b;
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ poly : b >> 1n;
  }
  return p;
}

/** x^n mod P, reflected, by square-and-multiply. */
function xPowModP(n: bigint, poly: bigint, width: number): bigint {
  let result = 1n << BigInt(width - 1); // x^0
  let base = result >> 1n; // x^1
  while (n > 0n) {
    if (n & 1n) result = multModP(result, base, poly, width);
    base = multModP(base, base, poly, width);
    n >>= 1n;
  }
  return result;
}

/** crc(A‖B) from crc(A), crc(B) and B's length in bytes, for a reflected CRC of `width` bits with reflected polynomial `poly`. */
export function crcCombine(crcA: bigint, crcB: bigint, lengthB: number, poly: bigint, width: number): bigint {
  if (lengthB === 0) return crcA;
  return multModP(xPowModP(8n * BigInt(lengthB), poly, width), crcA, poly, width) ^ crcB;
}
