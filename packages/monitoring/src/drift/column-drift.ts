// Column and dataset drift with Evidently's defaults (legacy/calculations/data_drift.py,
// stattests/registry.py::_get_default_stattest, utils/data_preprocessing.py::_get_column_type).
// Every column gets a result or an error object; nothing here throws on data.

import { markSorted, sortFloat64 } from '../stats/sample.js'
import { runStatTest, STAT_TESTS, isStatTestName } from '../stats/registry.js'
import { StatTestError, type Category, type FeatureType, type StatTestName } from '../stats/types.js'

/** A cell: numbers, strings and booleans are values; null, undefined, NaN and ±Infinity are missing. */
export type RawValue = number | string | boolean | null | undefined

/** A column: a plain array of cells, or a Float64Array (NaN and ±Infinity are missing). */
export type ColumnValues = ReadonlyArray<RawValue> | Float64Array

/** Columns by name. */
export type Table = Readonly<Record<string, ColumnValues>>

export interface ColumnDriftOptions {
  /** 'num' or 'cat'; inferred as Evidently does when absent */
  featureType?: FeatureType
  /** any registered test; Evidently's default selection when absent */
  test?: StatTestName
  /** the test's default threshold when absent */
  threshold?: number
}

export type ColumnDriftErrorCode =
  | 'missing_in_reference'
  | 'missing_in_current'
  | 'empty_reference'
  | 'empty_current'
  | 'not_numeric'
  | 'unknown_test'
  | 'test_not_applicable'
  | 'test_failed'

interface ColumnCounts {
  /** rows in the reference column (0 when the column is absent) */
  referenceRows: number
  currentRows: number
  /** null, undefined, NaN and ±Infinity, dropped before testing */
  referenceMissing: number
  currentMissing: number
}

export interface ColumnDriftOk extends ColumnCounts {
  column: string
  status: 'ok'
  featureType: FeatureType
  test: StatTestName
  /** true when the test was chosen by Evidently's default rules */
  defaultTest: boolean
  statistic: number
  pValue?: number
  distance?: number
  /** Evidently's drift score: the p-value or the distance */
  score: number
  threshold: number
  drifted: boolean
}

export interface ColumnDriftError extends ColumnCounts {
  column: string
  status: 'error'
  featureType?: FeatureType
  test?: StatTestName
  error: { code: ColumnDriftErrorCode; message: string }
}

export type ColumnDriftResult = ColumnDriftOk | ColumnDriftError

function isMissing(v: RawValue): boolean {
  return v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))
}

interface CleanColumn {
  rows: number
  missing: number
  /** non-missing values */
  values: Category[] | Float64Array
  allNumbers: boolean
  allBooleans: boolean
  allIntegers: boolean
}

function clean(col: ColumnValues): CleanColumn {
  if (col instanceof Float64Array) {
    let n = 0
    const out = new Float64Array(col.length)
    let allIntegers = true
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!
      if (Number.isFinite(v)) {
        out[n++] = v
        if (allIntegers && !Number.isInteger(v)) allIntegers = false
      }
    }
    return { rows: col.length, missing: col.length - n, values: out.subarray(0, n), allNumbers: true, allBooleans: false, allIntegers }
  }
  const values: Category[] = []
  let allNumbers = true
  let allBooleans = true
  let allIntegers = true
  for (const v of col) {
    if (isMissing(v)) continue
    const c = v as Category
    values.push(c)
    if (typeof c !== 'number') {
      allNumbers = false
      allIntegers = false
    } else if (!Number.isInteger(c)) allIntegers = false
    if (typeof c !== 'boolean') allBooleans = false
  }
  if (values.length === 0) allBooleans = false
  return { rows: col.length, missing: col.length - values.length, values, allNumbers, allBooleans, allIntegers }
}

function toSortedFloat(values: Category[] | Float64Array): Float64Array {
  const a = values instanceof Float64Array ? Float64Array.from(values) : Float64Array.from(values as number[])
  sortFloat64(a)
  return markSorted(a)
}

function distinctCount(values: Category[] | Float64Array): number {
  return new Set<Category>(values as Iterable<Category>).size
}

function distinctUnion(a: Float64Array, b: Float64Array): number {
  let i = 0
  let j = 0
  let n = 0
  let last = Number.NaN
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!
    if (v !== last) {
      n++
      last = v
    }
  }
  return n
}

/**
 * Evidently's column type: booleans and strings are categorical; numbers are numerical unless the
 * column is "integer-typed" (every value an integer and no missing reference value, as pandas'
 * int64 dtype) with at most 5 distinct reference values (current's when reference has none).
 */
export function inferFeatureType(reference: ColumnValues, current: ColumnValues): FeatureType {
  return inferFrom(clean(reference), clean(current))
}

function inferFrom(r: CleanColumn, c: CleanColumn): FeatureType {
  const numbers = r.allNumbers && c.allNumbers && r.values.length + c.values.length > 0
  if (!numbers) return 'cat'
  const integerTyped = r.allIntegers && c.allIntegers && r.missing === 0
  if (integerTyped) {
    const nunique = distinctCount(r.values) || distinctCount(c.values)
    if (nunique <= 5) return 'cat'
  }
  return 'num'
}

/**
 * Evidently's default test (stattests/registry.py::_get_default_stattest) from the cleaned
 * reference size and the number of distinct values of both samples together.
 */
export function defaultStatTest(featureType: FeatureType, referenceSize: number, nUnique: number): StatTestName {
  if (referenceSize <= 1000) {
    if (featureType === 'num' && nUnique > 5) return 'ks'
    return nUnique > 2 ? 'chisquare' : 'z'
  }
  if (featureType === 'num' && nUnique > 5) return 'wasserstein'
  return 'jensenshannon'
}

/** Drift of one column, reference against current. Never throws on data. */
export function columnDrift(
  column: string,
  reference: ColumnValues | undefined,
  current: ColumnValues | undefined,
  options: ColumnDriftOptions = {},
): ColumnDriftResult {
  const counts: ColumnCounts = {
    referenceRows: reference?.length ?? 0,
    currentRows: current?.length ?? 0,
    referenceMissing: 0,
    currentMissing: 0,
  }
  const fail = (code: ColumnDriftErrorCode, message: string, extra: Partial<ColumnDriftError> = {}): ColumnDriftError => ({
    column,
    status: 'error',
    ...counts,
    ...extra,
    error: { code, message },
  })
  if (reference === undefined) return fail('missing_in_reference', `column '${column}' is not in the reference dataset`)
  if (current === undefined) return fail('missing_in_current', `column '${column}' is not in the current dataset`)
  if (options.test !== undefined && !isStatTestName(options.test)) {
    return fail('unknown_test', `unknown drift test '${String(options.test)}' (known: ${Object.keys(STAT_TESTS).join(', ')})`)
  }
  const r = clean(reference)
  const c = clean(current)
  counts.referenceMissing = r.missing
  counts.currentMissing = c.missing
  const featureType = options.featureType ?? inferFrom(r, c)
  if (r.values.length === 0) {
    return fail('empty_reference', `column '${column}' has no values in the reference dataset (all ${r.rows} rows are missing)`, { featureType })
  }
  if (c.values.length === 0) {
    return fail('empty_current', `column '${column}' has no values in the current dataset (all ${c.rows} rows are missing)`, { featureType })
  }
  let refSample: Category[] | Float64Array = r.values
  let curSample: Category[] | Float64Array = c.values
  let nUnique: number
  const numeric = r.allNumbers && c.allNumbers
  if (featureType === 'num' && !numeric) {
    return fail('not_numeric', `column '${column}' is numerical but holds non-numeric values`, { featureType })
  }
  if (numeric) {
    const rs = toSortedFloat(r.values)
    const cs = toSortedFloat(c.values)
    refSample = rs
    curSample = cs
    nUnique = distinctUnion(rs, cs)
  } else {
    nUnique = new Set<Category>([...(r.values as Category[]), ...(c.values as Category[])]).size
  }
  const defaultTest = options.test === undefined
  const test = options.test ?? defaultStatTest(featureType, r.values.length, nUnique)
  const meta = STAT_TESTS[test]
  // Evidently checks the type only for a test named by the user: its default selection runs
  // chisquare or z on numerical columns with at most 5 distinct values.
  if (!defaultTest && !meta.featureTypes.includes(featureType)) {
    return fail('test_not_applicable', `${test} does not apply to ${featureType === 'num' ? 'numerical' : 'categorical'} column '${column}'`, {
      featureType,
      test,
    })
  }
  try {
    const res = runStatTest(test, refSample, curSample, featureType, options.threshold, defaultTest)
    if (Number.isNaN(res.score)) {
      return fail('test_failed', `${test} gave an undefined result (NaN) for column '${column}'`, { featureType, test })
    }
    const out: ColumnDriftOk = {
      column,
      status: 'ok',
      ...counts,
      featureType,
      test,
      defaultTest,
      statistic: res.statistic,
      score: res.score,
      threshold: res.threshold,
      drifted: res.drifted,
    }
    if (res.pValue !== undefined) out.pValue = res.pValue
    if (res.distance !== undefined) out.distance = res.distance
    return out
  } catch (err) {
    const message = err instanceof StatTestError ? `column '${column}': ${err.message}` : `column '${column}': ${(err as Error).message}`
    return fail('test_failed', message, { featureType, test })
  }
}

export interface DatasetDriftOptions {
  /** columns to compare; default: every column of either dataset */
  columns?: readonly string[]
  /** per-column type, test and threshold */
  perColumn?: Readonly<Record<string, ColumnDriftOptions>>
  /** a test (and threshold) for every column without its own */
  test?: StatTestName
  threshold?: number
  /** dataset drift when the share of drifted columns is >= this (Evidently: 0.5) */
  driftShare?: number
}

export interface DatasetDriftResult {
  columns: ColumnDriftResult[]
  /** columns compared (with a result) */
  numberOfColumns: number
  numberOfDriftedColumns: number
  /** columns that gave an error; not counted in the share */
  numberOfErrors: number
  shareOfDriftedColumns: number
  driftShare: number
  /** share >= driftShare (false when no column could be compared) */
  datasetDrift: boolean
}

/** Per-column drift and Evidently's dataset drift (share of drifted columns >= 0.5). */
export function datasetDrift(reference: Table, current: Table, options: DatasetDriftOptions = {}): DatasetDriftResult {
  const names = options.columns ?? [...new Set([...Object.keys(reference), ...Object.keys(current)])]
  const columns = names.map((name) => {
    const own = options.perColumn?.[name] ?? {}
    const opts: ColumnDriftOptions = { ...own }
    if (opts.test === undefined && options.test !== undefined) {
      opts.test = options.test
      if (opts.threshold === undefined && options.threshold !== undefined) opts.threshold = options.threshold
    }
    const has = (t: Table) => Object.prototype.hasOwnProperty.call(t, name)
    return columnDrift(name, has(reference) ? reference[name] : undefined, has(current) ? current[name] : undefined, opts)
  })
  const ok = columns.filter((c): c is ColumnDriftOk => c.status === 'ok')
  const drifted = ok.filter((c) => c.drifted).length
  const driftShare = options.driftShare ?? 0.5
  const share = ok.length === 0 ? 0 : drifted / ok.length
  return {
    columns,
    numberOfColumns: ok.length,
    numberOfDriftedColumns: drifted,
    numberOfErrors: columns.length - ok.length,
    shareOfDriftedColumns: share,
    driftShare,
    datasetDrift: ok.length > 0 && share >= driftShare,
  }
}
