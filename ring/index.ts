/**
 * ring: placement. Swift-compatible `.ring.gz` files and `Ring` lookups
 * (partition, primaries, handoffs in Swift's order). Other parts import only
 * from here.
 */
export type { RingData, RingDevice, RingNode, RingLookup } from './types.js';
export { readRingFile, writeRingFile, serializeRing, parseRing } from './ring-file.js';
export { Ring, DEFAULT_RELOAD_TIME } from './ring.js';
export type { RingOptions } from './ring.js';
export { RingBuilder } from './builder.js';
export type { NewDevice } from './builder.js';
export type { BuilderDevice, BuilderState } from './builder-state.js';
export { NONE_DEV, MAX_BALANCE } from './builder-state.js';
export type { RebalanceOptions, RebalanceResult } from './rebalance.js';
export { loadBuilder, saveBuilder } from './builder-file.js';
export { dispersionReport, tierName } from './dispersion.js';
export type { DispersionReport, TierDispersion } from './dispersion.js';
export {
  parseSearchValue,
  parseAddValue,
  parseChangeValue,
  validateAndNormalizeIp,
  validateAndNormalizeAddress,
  validateDeviceName,
} from './search-values.js';
export type { SearchValues, AddValue, ChangeValues } from './search-values.js';
export { ringSummary, type RingSummary } from './ring-summary.js';
