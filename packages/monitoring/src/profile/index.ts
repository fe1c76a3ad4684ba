// Mergeable column profiles (sketches) for constant-memory monitoring; see column-profile.ts.
export { ProfileFormatError } from './encoding.js'
export { KllSketch, KLL_DEFAULT_K, kllRankError, type KllJson } from './kll.js'
export { HyperLogLog, HLL_DEFAULT_LG_K, type HllJson } from './hll.js'
export { FrequentItems, FREQUENT_ITEMS_DEFAULT_K, type FrequentItem, type FrequentItemsJson } from './frequent-items.js'
export { Moments, type MomentsJson } from './moments.js'
export {
  ColumnProfile,
  type ColumnProfileJson,
  type ProfileFrequencies,
  type ProfileHistogram,
  type ProfileOptions,
} from './column-profile.js'
export { DatasetProfile, type DatasetProfileJson } from './dataset-profile.js'
export { fmix32 } from './hash.js'
export * from './profile-drift.js'
