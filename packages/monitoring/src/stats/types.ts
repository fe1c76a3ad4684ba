// Shared types of the drift tests.

/** The drift tests Evidently registers (legacy/calculations/stattests), by Evidently's names. */
export type StatTestName =
  | 'ks'
  | 'chisquare'
  | 'z'
  | 'psi'
  | 'wasserstein'
  | 'jensenshannon'
  | 'kl_div'
  | 'hellinger'
  | 'anderson'
  | 'cramer_von_mises'
  | 'mannw'
  | 't_test'
  | 'fisher_exact'
  | 'g_test'
  | 'TVD'
  | 'empirical_mmd'
  | 'ed'

/** Evidently's column types that drift applies to. */
export type FeatureType = 'num' | 'cat'

/** A category: what a categorical column holds once nulls are dropped. */
export type Category = string | number | boolean

/**
 * One test's outcome. P-value tests set `pValue` (and `statistic` to the test statistic);
 * distance tests set `distance` (and `statistic` to the same number). `score` is what Evidently
 * reports as the column's drift score: the p-value or the distance.
 */
export interface StatTestResult {
  test: StatTestName
  /** the test statistic (p-value tests) or the distance (distance tests) */
  statistic: number
  pValue?: number
  distance?: number
  /** Evidently's drift_score: pValue for p-value tests, distance for distance tests */
  score: number
  threshold: number
  drifted: boolean
}

/** Thrown when a test cannot run on its input (empty sample, one category where two are needed...). */
export class StatTestError extends Error {
  constructor(
    readonly test: StatTestName,
    message: string,
  ) {
    super(`${test}: ${message}`)
    this.name = 'StatTestError'
  }
}

export function pValueResult(
  test: StatTestName,
  statistic: number,
  pValue: number,
  threshold: number,
  rule: '<' | '<=',
): StatTestResult {
  const drifted = rule === '<' ? pValue < threshold : pValue <= threshold
  return { test, statistic, pValue, score: pValue, threshold, drifted }
}

export function distanceResult(
  test: StatTestName,
  distance: number,
  threshold: number,
  rule: '>=' | '>',
): StatTestResult {
  const drifted = rule === '>=' ? distance >= threshold : distance > threshold
  return { test, statistic: distance, distance, score: distance, threshold, drifted }
}
