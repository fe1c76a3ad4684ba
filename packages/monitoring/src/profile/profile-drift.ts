// Drift between two dataset profiles, in datasetDrift's result shape, when the raw data is gone.
//
// Per column, in order of preference:
//  1. exact: both profiles still hold every value (few rows: the kept numbers; few distinct
//     values: exact frequent items) and together have at most `rawLimit` rows → the column is
//     rebuilt and `columnDrift` runs on it: every test, the same numbers as on the raw data;
//  2. exact from summaries: categorical tests on exact counts (any number of rows), t_test from
//     the exact moments, histogram tests over bins whose counts are exact;
//  3. sketched: psi, kl_div, jensenshannon, hellinger over Evidently's bins counted from the KLL
//     sketch; wasserstein (normed by the exact std) and ed from the two sketched CDFs; categorical
//     tests on Misra–Gries counts with the untracked rest as one 'other' category;
//  4. not computable: ks, anderson, cramer_von_mises, mannw and empirical_mmd need the raw samples
//     (ranks of every value, or every pair); they give the error 'needs_raw_data'. (KS from
//     sketches, as whylogs does, gives erratic p-values at large n: whylogs issue #684.)
// Each result carries `approximation`: exact or not, the source, and where one is known a bound on
// |sketched − exact| of the score that holds when the KLL rank guarantee (99%) holds.

import {
  columnDrift,
  defaultStatTest,
  summarizeDrift,
  columnOptions,
  testedColumnResult,
  testThrew,
  type TestedColumn,
  type ColumnDriftError,
  type ColumnDriftErrorCode,
  type ColumnDriftOk,
  type ColumnDriftOptions,
  type ColumnDriftResult,
  type DatasetDriftOptions,
  type DatasetDriftResult,
} from '../drift/column-drift.js'
import type { DictionaryColumn, DriftColumn } from '../drift/columns.js'
import { CategoryCountSample, fillZeroShares, sturgesEdges } from '../stats/binning.js'
import { studentTTwoSided } from '../stats/distributions.js'
import { jensenShannonDistance } from '../stats/histogram-tests.js'
import { isStatTestName, runStatTest, STAT_TESTS } from '../stats/registry.js'
import {
  distanceResult,
  pValueResult,
  StatTestError,
  type Category,
  type FeatureType,
  type StatTestName,
  type StatTestResult,
} from '../stats/types.js'
import type { ColumnProfile } from './column-profile.js'
import type { DatasetProfile } from './dataset-profile.js'
import { kllRankError } from './kll.js'

/** Tests that need every raw value: not computable from sketches. */
export const RAW_DATA_TESTS: readonly StatTestName[] = ['ks', 'anderson', 'cramer_von_mises', 'mannw', 'empirical_mmd']

export interface SketchApproximation {
  exact: boolean
  source: 'values' | 'counts' | 'moments' | 'quantile_sketch' | 'frequent_items'
  /** bound on |score − exact score| where one is known (holds with the KLL guarantee, 99%) */
  maxError?: number
  note?: string
}

export interface ProfileColumnDriftOk extends ColumnDriftOk {
  approximation: SketchApproximation
}

export interface ProfileColumnDriftError extends Omit<ColumnDriftError, 'error'> {
  error: { code: ColumnDriftErrorCode | 'needs_raw_data'; message: string }
}

export type ProfileColumnDriftResult = ProfileColumnDriftOk | ProfileColumnDriftError

export interface ProfileDriftOptions extends DatasetDriftOptions {
  /** rebuild a column for the exact tests when both sides hold every value and have at most this many rows together (default 2,000,000) */
  rawLimit?: number
}

export interface ProfileDriftResult extends Omit<DatasetDriftResult, 'columns'> {
  columns: ProfileColumnDriftResult[]
}

/** The column again, when the profile still holds every value (else undefined). */
export function rebuildColumn(p: ColumnProfile): DriftColumn | undefined {
  const exact = p.exactNumbers()
  if (p.isNumeric && exact !== null) {
    const out = new Float64Array(p.rows).fill(Number.NaN)
    out.set(exact)
    return out
  }
  const f = p.frequencies()
  if (f === null || !f.exact) return undefined
  if (p.isNumeric) {
    const out = new Float64Array(p.rows).fill(Number.NaN)
    let o = 0
    for (const it of f.items) {
      out.fill(it.value as number, o, o + it.estimate)
      o += it.estimate
    }
    return out
  }
  const codes = new Int32Array(p.rows).fill(-1)
  const dictionary: Category[] = []
  let o = 0
  f.items.forEach((it, i) => {
    dictionary.push(it.value)
    codes.fill(i, o, o + it.estimate)
    o += it.estimate
  })
  return { codes, dictionary } satisfies DictionaryColumn
}

function countsOf(p: ColumnProfile): { counts: Map<Category, number>; exact: boolean } | undefined {
  const f = p.frequencies()
  if (f === null) return undefined
  const counts = new Map<Category, number>()
  let tracked = 0
  for (const it of f.items) {
    counts.set(it.value, it.estimate)
    tracked += it.estimate
  }
  if (!f.exact && f.n > tracked) counts.set('\u0000other', f.n - tracked)
  return { counts, exact: f.exact }
}

/** A sorted weighted CDF of a column's finite numbers: exact when the profile holds them, else the KLL items. */
function cdfOf(p: ColumnProfile): { values: Float64Array; cum: Float64Array; n: number; eps: number } {
  const exact = p.exactNumbers()
  if (exact !== null) {
    const values = Float64Array.from(exact).sort()
    const cum = new Float64Array(values.length)
    for (let i = 0; i < cum.length; i++) cum[i] = i + 1
    return { values, cum, n: values.length, eps: 0 }
  }
  const f = p.frequencies()
  if (f?.exact && p.isNumeric) {
    const items = f.items.map((x) => [x.value as number, x.estimate] as const).sort((a, b) => a[0] - b[0])
    const values = Float64Array.from(items, (x) => x[0])
    const cum = new Float64Array(items.length)
    let c = 0
    items.forEach((x, i) => {
      cum[i] = c += x[1]
    })
    return { values, cum, n: c, eps: 0 }
  }
  const w = p.kll.weightedItems()
  return { values: w.values, cum: w.cum, n: p.kll.n, eps: kllRankError(p.kll.k, true) }
}

/** ∫|F_a − F_b|^power dx between two weighted step CDFs. */
function cdfIntegral(a: ReturnType<typeof cdfOf>, b: ReturnType<typeof cdfOf>, power: 1 | 2): number {
  let i = 0
  let j = 0
  let fa = 0
  let fb = 0
  let prev = Number.NaN
  let sum = 0
  while (i < a.values.length || j < b.values.length) {
    const x =
      j >= b.values.length || (i < a.values.length && a.values[i]! <= b.values[j]!) ? a.values[i]! : b.values[j]!
    if (i + j > 0) {
      const d = Math.abs(fa - fb)
      sum += (power === 1 ? d : d * d) * (x - prev)
    }
    while (i < a.values.length && a.values[i]! <= x) i++
    while (j < b.values.length && b.values[j]! <= x) j++
    fa = i === 0 ? 0 : a.cum[i - 1]! / a.n
    fb = j === 0 ? 0 : b.cum[j - 1]! / b.n
    prev = x
  }
  return sum
}

function histogramScore(
  test: 'psi' | 'kl_div' | 'jensenshannon' | 'hellinger',
  r: Float64Array,
  c: Float64Array,
  threshold: number,
): StatTestResult {
  if (test === 'jensenshannon') return distanceResult(test, jensenShannonDistance(r, c), threshold, '>=')
  if (test === 'hellinger') {
    let bc = 0
    for (let i = 0; i < r.length; i++) bc += Math.sqrt(r[i]! * c[i]!)
    return distanceResult(test, Math.sqrt(1 - Math.min(Math.max(bc, 0), 1)), threshold, '>=')
  }
  fillZeroShares(r)
  fillZeroShares(c)
  let s = 0
  if (test === 'psi') for (let i = 0; i < r.length; i++) s += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!)
  else {
    let sr = 0
    let sc = 0
    for (let i = 0; i < r.length; i++) {
      sr += r[i]!
      sc += c[i]!
    }
    for (let i = 0; i < r.length; i++) s += (r[i]! / sr) * Math.log(r[i]! / sr / (c[i]! / sc))
  }
  return distanceResult(test, s, threshold, '>=')
}

type Outcome = { res: StatTestResult; approximation: SketchApproximation } | { raw: string }

/** A numeric test from the two profiles' sketches (the column is numerical, both sides numeric). */
function numericFromSketches(
  test: StatTestName,
  ref: ColumnProfile,
  cur: ColumnProfile,
  threshold: number,
  nUniqueUnion: number | undefined,
): Outcome {
  const nr = ref.present
  const nc = cur.present
  const min = Math.min(ref.moments.min, cur.moments.min)
  const max = Math.max(ref.moments.max, cur.moments.max)
  if (test === 'psi' || test === 'kl_div' || test === 'jensenshannon' || test === 'hellinger') {
    const bins =
      test === 'hellinger'
        ? Math.max(1, nUniqueUnion ?? Math.round(ref.hll.clone().merge(cur.hll).estimate()))
        : nr + nc
    const edges = sturgesEdges(min, max, bins)
    const hr = ref.histogram(edges)
    const hc = cur.histogram(edges)
    const r = hr.counts.map((x) => x / nr)
    const c = hc.counts.map((x) => x / nc)
    const exact = hr.exact && hc.exact && (test !== 'hellinger' || nUniqueUnion !== undefined)
    const res = histogramScore(test, r, c, threshold)
    return {
      res,
      approximation: exact
        ? { exact: true, source: 'counts' }
        : {
            exact: false,
            source: 'quantile_sketch',
            note: `bins counted from the KLL sketch: each bin's share within ±${(2 * kllRankError(ref.kll.k, true)).toPrecision(3)} of the exact share (99%)`,
          },
    }
  }
  if (test === 'wasserstein' || test === 'ed') {
    const a = cdfOf(ref)
    const b = cdfOf(cur)
    const span = max - min
    const epsSum = a.eps + b.eps
    if (test === 'wasserstein') {
      const norm = Math.max(ref.moments.std, 0.001)
      const res = distanceResult(test, cdfIntegral(a, b, 1) / norm, threshold, '>=')
      const maxError = (epsSum * span) / norm
      return {
        res,
        approximation:
          epsSum === 0
            ? { exact: true, source: 'values' }
            : {
                exact: false,
                source: 'quantile_sketch',
                maxError,
                note: '∫|F_ref − F_cur| from the KLL CDFs; bound (ε_ref + ε_cur)·(max − min)/std',
              },
      }
    }
    const res = distanceResult(test, Math.SQRT2 * Math.sqrt(cdfIntegral(a, b, 2)), threshold, '>')
    const maxError = Math.SQRT2 * Math.sqrt(epsSum * epsSum * span)
    return {
      res,
      approximation:
        epsSum === 0 ? { exact: true, source: 'values' } : { exact: false, source: 'quantile_sketch', maxError },
    }
  }
  if (test === 't_test') {
    const n1 = ref.moments.n
    const n2 = cur.moments.n
    if (n1 < 2 || n2 < 2) throw new StatTestError('t_test', 'needs at least 2 values in each sample')
    const df = n1 + n2 - 2
    const svar = (ref.moments.m2 + cur.moments.m2) / df
    const t = (ref.moments.mean - cur.moments.mean) / Math.sqrt(svar * (1 / n1 + 1 / n2))
    if (Number.isNaN(t))
      throw new StatTestError('t_test', 'the statistic is undefined: both samples are constant and equal')
    return {
      res: pValueResult('t_test', t, studentTTwoSided(t, df), threshold, '<'),
      approximation: { exact: true, source: 'moments' },
    }
  }
  return { raw: `${test} needs the raw values (it ranks every value or compares every pair); profiles keep sketches` }
}

/** Drift of one column from its two profiles (see the file header). Never throws on data. */
export function profileColumnDrift(
  column: string,
  reference: ColumnProfile | undefined,
  current: ColumnProfile | undefined,
  options: ColumnDriftOptions = {},
  rawLimit = 2_000_000,
): ProfileColumnDriftResult {
  const counts = {
    referenceRows: reference?.rows ?? 0,
    currentRows: current?.rows ?? 0,
    referenceMissing: reference?.missing ?? 0,
    currentMissing: current?.missing ?? 0,
  }
  const fail = (
    code: ProfileColumnDriftError['error']['code'],
    message: string,
    extra: Partial<ProfileColumnDriftError> = {},
  ): ProfileColumnDriftError => ({
    column,
    status: 'error',
    ...counts,
    ...extra,
    error: { code, message },
  })
  if (reference === undefined) return fail('missing_in_reference', `column '${column}' is not in the reference profile`)
  if (current === undefined) return fail('missing_in_current', `column '${column}' is not in the current profile`)
  if (options.test !== undefined && !isStatTestName(options.test)) {
    return fail(
      'unknown_test',
      `unknown drift test '${String(options.test)}' (known: ${Object.keys(STAT_TESTS).join(', ')})`,
    )
  }
  // 1. every value is still there
  if (reference.rows + current.rows <= rawLimit) {
    const r = rebuildColumn(reference)
    const c = rebuildColumn(current)
    if (r !== undefined && c !== undefined) {
      const res = columnDrift(column, r, c, options)
      return res.status === 'ok' ? { ...res, approximation: { exact: true, source: 'values' as const } } : res
    }
  }
  const nr = reference.present
  const nc = current.present
  const bothNumeric = reference.isNumeric && current.isNumeric && nr + nc > 0
  const cr = countsOf(reference)
  const cc = countsOf(current)
  const exactCounts = cr?.exact === true && cc?.exact === true
  let featureType: FeatureType
  if (options.featureType) featureType = options.featureType
  else if (!bothNumeric) featureType = 'cat'
  else {
    const integerTyped = reference.fractionals === 0 && current.fractionals === 0 && reference.missing === 0
    const refDistinct = cr?.exact ? cr.counts.size : Number.POSITIVE_INFINITY
    featureType = integerTyped && refDistinct <= 5 ? 'cat' : 'num'
  }
  if (nr === 0)
    return fail(
      'empty_reference',
      `column '${column}' has no values in the reference profile (all ${reference.rows} rows are missing)`,
      { featureType },
    )
  if (nc === 0)
    return fail(
      'empty_current',
      `column '${column}' has no values in the current profile (all ${current.rows} rows are missing)`,
      { featureType },
    )
  if (featureType === 'num' && !bothNumeric)
    return fail('not_numeric', `column '${column}' is numerical but holds non-numeric values`, { featureType })
  let nUnique: number | undefined
  if (exactCounts) nUnique = new Set([...cr.counts.keys(), ...cc.counts.keys()]).size
  const defaultTest = options.test === undefined
  const test = options.test ?? defaultStatTest(featureType, nr, nUnique ?? Number.POSITIVE_INFINITY)
  const meta = STAT_TESTS[test]
  if (!defaultTest && !meta.featureTypes.includes(featureType)) {
    return fail(
      'test_not_applicable',
      `${test} does not apply to ${featureType === 'num' ? 'numerical' : 'categorical'} column '${column}'`,
      { featureType, test },
    )
  }
  const threshold = options.threshold ?? meta.defaultThreshold
  const tested: TestedColumn = { column, counts, featureType, test, defaultTest }
  let out: Outcome
  try {
    if (featureType === 'cat' || !meta.featureTypes.includes('num')) {
      if (cr === undefined || cc === undefined)
        out = {
          raw: `${test} needs value counts, and a profile keeps none for a column of more than ${2 * reference.options.frequentItemsK} distinct fractional values`,
        }
      else {
        const res = runStatTest(
          test,
          new CategoryCountSample(cr.counts),
          new CategoryCountSample(cc.counts),
          featureType,
          threshold,
          defaultTest,
        )
        out = {
          res,
          approximation: exactCounts
            ? { exact: true, source: 'counts' }
            : {
                exact: false,
                source: 'frequent_items',
                note: 'more distinct values than the frequent-items sketch tracks: the untracked values form one "other" category, so psi, kl_div, jensenshannon and hellinger are lower bounds of the exact distance (merging categories only lowers them); each tracked share is within max error / n',
              },
        }
      }
    } else out = numericFromSketches(test, reference, current, threshold, nUnique)
  } catch (err) {
    return testThrew(tested, err)
  }
  if ('raw' in out) return fail('needs_raw_data', `column '${column}': ${out.raw}`, { featureType, test })
  const res = testedColumnResult(tested, out.res)
  return res.status === 'ok' ? { ...res, approximation: out.approximation } : res
}

/** datasetDrift from two profiles: the same options and result shape, each column with its `approximation`. */
export function profileDrift(
  reference: DatasetProfile,
  current: DatasetProfile,
  options: ProfileDriftOptions = {},
): ProfileDriftResult {
  const names = options.columns
    ? [...options.columns]
    : [...new Set([...reference.columns.keys(), ...current.columns.keys()])]
  const columns = names.map((name) =>
    profileColumnDrift(
      name,
      reference.column(name),
      current.column(name),
      columnOptions(name, options),
      options.rawLimit,
    ),
  )
  return { ...summarizeDrift(columns as unknown as ColumnDriftResult[], options), columns }
}
