/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so that a rebalance
 * with `--seed N` is reproducible. Not for anything cryptographic.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Turns a `--seed` value (Swift accepts any string) into 32 bits. */
export function seedToInt(seed: number | string): number {
  if (typeof seed === 'number' && Number.isFinite(seed)) return Math.trunc(seed) >>> 0;
  const text = String(seed);
  if (/^-?\d+$/.test(text)) return Number(BigInt.asUintN(32, BigInt(text)));
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A PRNG seeded from `seed`, or from the clock and Math.random when none is given. */
export function createPrng(seed?: number | string): Prng {
  const base = seed === undefined ? (Date.now() ^ Math.floor(Math.random() * 0x100000000)) >>> 0 : seedToInt(seed);
  const mix = splitmix32(base);
  let a = mix(), b = mix(), c = mix(), d = mix();
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next32();
  return {
    next: () => next32() / 0x100000000,
    below: (n: number) => Math.floor((next32() / 0x100000000) * n),
  };
}
