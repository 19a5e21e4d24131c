/**
 * ring: placement. Swift-compatible `.ring.gz` files and `Ring` lookups
 * (partition, primaries, handoffs in Swift's order). Other parts import only
 * from here.
 */
export type { RingData, RingDevice, RingNode, RingLookup } from './types.js';
export { readRingFile, writeRingFile, serializeRing, parseRing } from './ring-file.js';
export { Ring, DEFAULT_RELOAD_TIME } from './ring.js';
export type { RingOptions } from './ring.js';
