// The registry of drift tests by Evidently's names: allowed column types, default thresholds,
// and one entry point that runs any of them.

import type { BinnableSample } from './binning.js'
import { chiSquare, fisherExact, gTest, tvd, zTest } from './categorical-tests.js'
import { hellinger, jensenShannon, klDiv, psi } from './histogram-tests.js'
import {
  anderson,
  cramerVonMises,
  empiricalMmd,
  energyDistance,
  ks,
  mannWhitney,
  tTest,
  wasserstein,
} from './numeric-tests.js'
import { StatTestError, type FeatureType, type StatTestName, type StatTestResult } from './types.js'

export interface StatTestInfo {
  name: StatTestName
  displayName: string
  featureTypes: readonly FeatureType[]
  defaultThreshold: number
  kind: 'p_value' | 'distance'
}

const info = (
  name: StatTestName,
  displayName: string,
  featureTypes: FeatureType[],
  defaultThreshold: number,
  kind: 'p_value' | 'distance',
): StatTestInfo => ({ name, displayName, featureTypes, defaultThreshold, kind })

/** Evidently's registered tests (legacy/calculations/stattests), same names, types and thresholds. */
export const STAT_TESTS: Readonly<Record<StatTestName, StatTestInfo>> = {
  ks: info('ks', 'K-S p_value', ['num'], 0.05, 'p_value'),
  chisquare: info('chisquare', 'chi-square p_value', ['cat'], 0.05, 'p_value'),
  z: info('z', 'Z-test p_value', ['cat'], 0.05, 'p_value'),
  wasserstein: info('wasserstein', 'Wasserstein distance (normed)', ['num'], 0.1, 'distance'),
  psi: info('psi', 'PSI', ['cat', 'num'], 0.1, 'distance'),
  jensenshannon: info('jensenshannon', 'Jensen-Shannon distance', ['cat', 'num'], 0.1, 'distance'),
  kl_div: info('kl_div', 'Kullback-Leibler divergence', ['cat', 'num'], 0.1, 'distance'),
  hellinger: info('hellinger', 'Hellinger distance', ['cat', 'num'], 0.1, 'distance'),
  ed: info('ed', 'Energy-distance', ['num'], 0.1, 'distance'),
  anderson: info('anderson', 'Anderson-Darling', ['num'], 0.1, 'p_value'),
  cramer_von_mises: info('cramer_von_mises', 'Cramer-von Mises', ['num'], 0.1, 'p_value'),
  mannw: info('mannw', 'Mann-Whitney U-rank test', ['num'], 0.05, 'p_value'),
  t_test: info('t_test', 't_test', ['num'], 0.05, 'p_value'),
  fisher_exact: info('fisher_exact', "Fisher's Exact", ['cat'], 0.1, 'p_value'),
  g_test: info('g_test', 'g_test', ['cat'], 0.1, 'p_value'),
  TVD: info('TVD', 'Total-Variation-Distance', ['cat'], 0.1, 'p_value'),
  empirical_mmd: info('empirical_mmd', 'empirical_mmd', ['num'], 0.1, 'p_value'),
}

export function isStatTestName(name: string): name is StatTestName {
  return Object.hasOwn(STAT_TESTS, name)
}

/**
 * Runs test `name` on two cleaned samples (no null, NaN or ±Infinity): numeric tests take numbers,
 * categorical ones any categories. Throws StatTestError when the test does not apply.
 */
export function runStatTest(
  name: StatTestName,
  reference: BinnableSample,
  current: BinnableSample,
  featureType: FeatureType,
  threshold?: number,
  /** Evidently's default selection runs chisquare / z on numerical columns with few values */
  skipTypeCheck = false,
): StatTestResult {
  const meta = STAT_TESTS[name]
  if (!meta) throw new Error(`unknown drift test '${String(name)}'`)
  if (!skipTypeCheck && !meta.featureTypes.includes(featureType)) {
    throw new StatTestError(
      name,
      `does not apply to ${featureType === 'num' ? 'numerical' : 'categorical'} columns (allowed: ${meta.featureTypes.join(', ')})`,
    )
  }
  const t = threshold ?? meta.defaultThreshold
  const num = (x: BinnableSample) => x as ArrayLike<number>
  switch (name) {
    case 'ks':
      return ks(num(reference), num(current), { threshold: t })
    case 'wasserstein':
      return wasserstein(num(reference), num(current), { threshold: t })
    case 'ed':
      return energyDistance(num(reference), num(current), { threshold: t })
    case 'anderson':
      return anderson(num(reference), num(current), { threshold: t })
    case 'cramer_von_mises':
      return cramerVonMises(num(reference), num(current), { threshold: t })
    case 'mannw':
      return mannWhitney(num(reference), num(current), { threshold: t })
    case 't_test':
      return tTest(num(reference), num(current), { threshold: t })
    case 'empirical_mmd':
      return empiricalMmd(num(reference), num(current), { threshold: t })
    case 'psi':
      return psi(reference, current, { featureType, threshold: t })
    case 'kl_div':
      return klDiv(reference, current, { featureType, threshold: t })
    case 'jensenshannon':
      return jensenShannon(reference, current, { featureType, threshold: t })
    case 'hellinger':
      return hellinger(reference, current, { featureType, threshold: t })
    case 'chisquare':
      return chiSquare(reference, current, { threshold: t })
    case 'z':
      return zTest(reference, current, { threshold: t })
    case 'fisher_exact':
      return fisherExact(reference, current, { threshold: t })
    case 'g_test':
      return gTest(reference, current, { threshold: t })
    case 'TVD':
      return tvd(reference, current, { threshold: t })
  }
}
