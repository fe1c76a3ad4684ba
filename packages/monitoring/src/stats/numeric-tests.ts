// Numeric drift tests over two samples (reference, current): ks, wasserstein, ed, anderson,
// cramer_von_mises, mannw, t_test, empirical_mmd. Each sorts each sample once (or reuses a sorted
// array marked with markSorted) and walks the two sorted arrays together.
export { type NumericTestOptions, seededRandom } from './numeric-common.js'
export * from './ks.js'
export * from './cdf-distances.js'
export * from './rank-tests.js'
export * from './mmd.js'
