// Column and dataset drift with Evidently's defaults (legacy/calculations/data_drift.py,
// stattests/registry.py::_get_default_stattest, utils/data_preprocessing.py::_get_column_type).
// Every column gets a result or an error object; nothing here throws on data.
//
// Columns come as arrays of cells, Float64Arrays or dictionary-encoded categorical columns
// (`DictionaryColumn`, `{ codes: Int32Array, dictionary }`, see columns.ts): the drift functions
// accept all three (`DriftColumn`, `DriftTable`); `ColumnValues` and `Table` name the first two.
// Numeric columns are copied once into a Float64Array and sorted once per side; categorical ones
// are reduced to counts (by code for dictionary columns), never to per-row JS arrays.
// `datasetDriftAsync` (parallel.ts) spreads the columns over worker threads with the same results.

import { CategoryCountSample, countSorted } from '../stats/binning.js'
import { runStatTest, STAT_TESTS, isStatTestName } from '../stats/registry.js'
import type { Category, FeatureType, StatTestName, StatTestResult } from '../stats/types.js'
import {
  columnLength,
  InvalidColumnError,
  prepareColumn,
  type DriftColumn,
  type DriftTable,
  type PreparedColumn,
  type RawValue,
} from './columns.js'

export type { RawValue } from './columns.js'

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
  | 'invalid_column'
  | 'empty_reference'
  | 'empty_current'
  | 'not_numeric'
  | 'unknown_test'
  | 'test_not_applicable'
  | 'test_failed'

export interface ColumnCounts {
  /** rows in the reference column (0 when the column is absent) */
  referenceRows: number
  currentRows: number
  /** null, undefined, NaN and ±Infinity, dropped before testing */
  referenceMissing: number
  currentMissing: number
}

/** A column's result once its test ran: the counts, the test and the test's outcome (StatTestResult). */
export interface ColumnDriftOk extends ColumnCounts, Omit<StatTestResult, 'test'> {
  column: string
  status: 'ok'
  featureType: FeatureType
  test: StatTestName
  /** true when the test was chosen by Evidently's default rules */
  defaultTest: boolean
}

export interface ColumnDriftError extends ColumnCounts {
  column: string
  status: 'error'
  featureType?: FeatureType
  test?: StatTestName
  error: { code: ColumnDriftErrorCode; message: string }
}

export type ColumnDriftResult = ColumnDriftOk | ColumnDriftError

/** A column whose test is chosen: what its result says whatever the test gives. */
export interface TestedColumn {
  readonly column: string
  readonly counts: ColumnCounts
  readonly featureType: FeatureType
  readonly test: StatTestName
  readonly defaultTest: boolean
}

/** The column's result from its test's: ok, or the error 'test_failed' when the score is undefined (NaN). */
export function testedColumnResult(t: TestedColumn, res: StatTestResult): ColumnDriftOk | ColumnDriftError {
  const { column, counts, featureType, test, defaultTest } = t
  if (Number.isNaN(res.score)) {
    const message = `${test} gave an undefined result (NaN) for column '${column}'`
    return { column, status: 'error', ...counts, featureType, test, error: { code: 'test_failed', message } }
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
}

/** The error 'test_failed' of a column whose test threw (a StatTestError: its input does not suit it). */
export function testThrew(t: TestedColumn, err: unknown): ColumnDriftError {
  const { column, counts, featureType, test } = t
  const message = `column '${column}': ${err instanceof Error ? err.message : String(err)}`
  return { column, status: 'error', ...counts, featureType, test, error: { code: 'test_failed', message } }
}

/**
 * Distinct values of two sorted samples together, counted up to `cap` (the default selection
 * only asks whether there are more than 5; a cap stops the walk early).
 */
function distinctUnion(a: Float64Array, b: Float64Array, cap: number): number {
  let i = 0
  let j = 0
  let n = 0
  let last = Number.NaN
  while ((i < a.length || j < b.length) && n < cap) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!
    if (v !== last) {
      n++
      last = v
    }
  }
  return n
}

/** Distinct values of a sorted sample, counted up to `cap`. */
function distinctSortedUpTo(a: Float64Array, cap: number): number {
  let d = 0
  for (let i = 0; i < a.length && d < cap; i++) if (i === 0 || a[i] !== a[i - 1]) d++
  return d
}

/** Enough distinct values to decide every rule of the default selection and the type inference (> 5). */
const DISTINCT_CAP = 6

/**
 * Evidently's column type: booleans and strings are categorical; numbers are numerical unless the
 * column is "integer-typed" (every value an integer and no missing reference value, as pandas'
 * int64 dtype) with at most 5 distinct reference values (current's when reference has none).
 */
export function inferFeatureType(reference: DriftColumn, current: DriftColumn): FeatureType {
  return inferFrom(prepareColumn(reference), prepareColumn(current))
}

function inferFrom(r: PreparedColumn, c: PreparedColumn): FeatureType {
  if (r.kind !== 'num' || c.kind !== 'num' || r.values.length + c.values.length === 0) return 'cat'
  const integerTyped = r.allIntegers && c.allIntegers && r.missing === 0
  if (integerTyped) {
    const nunique = distinctSortedUpTo(r.values, DISTINCT_CAP) || distinctSortedUpTo(c.values, DISTINCT_CAP)
    if (nunique <= 5) return 'cat'
  }
  return 'num'
}

function present(p: PreparedColumn): number {
  return p.kind === 'num' ? p.values.length : p.size
}

/** The categories of a side with their counts (a numeric side counted by value, ascending). */
function asCounts(p: PreparedColumn): CategoryCountSample {
  return new CategoryCountSample(p.kind === 'num' ? countSorted(p.values) : p.counts)
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

/** Drift of one column, reference against current (any column form, see columns.ts). Never throws on data. */
export function columnDrift(
  column: string,
  reference: DriftColumn | undefined,
  current: DriftColumn | undefined,
  options: ColumnDriftOptions = {},
): ColumnDriftResult {
  const counts: ColumnCounts = {
    referenceRows: reference === undefined ? 0 : columnLength(reference),
    currentRows: current === undefined ? 0 : columnLength(current),
    referenceMissing: 0,
    currentMissing: 0,
  }
  const fail = (
    code: ColumnDriftErrorCode,
    message: string,
    extra: Partial<ColumnDriftError> = {},
  ): ColumnDriftError => ({
    column,
    status: 'error',
    ...counts,
    ...extra,
    error: { code, message },
  })
  if (reference === undefined) return fail('missing_in_reference', `column '${column}' is not in the reference dataset`)
  if (current === undefined) return fail('missing_in_current', `column '${column}' is not in the current dataset`)
  if (options.test !== undefined && !isStatTestName(options.test)) {
    return fail(
      'unknown_test',
      `unknown drift test '${String(options.test)}' (known: ${Object.keys(STAT_TESTS).join(', ')})`,
    )
  }
  let r: PreparedColumn
  let c: PreparedColumn
  try {
    r = prepareColumn(reference)
    c = prepareColumn(current)
  } catch (err) {
    if (err instanceof InvalidColumnError) return fail('invalid_column', `column '${column}': ${err.message}`)
    throw err
  }
  counts.referenceMissing = r.missing
  counts.currentMissing = c.missing
  const featureType = options.featureType ?? inferFrom(r, c)
  const nRef = present(r)
  const nCur = present(c)
  if (nRef === 0) {
    return fail(
      'empty_reference',
      `column '${column}' has no values in the reference dataset (all ${r.rows} rows are missing)`,
      { featureType },
    )
  }
  if (nCur === 0) {
    return fail(
      'empty_current',
      `column '${column}' has no values in the current dataset (all ${c.rows} rows are missing)`,
      { featureType },
    )
  }
  let refSample: Float64Array | CategoryCountSample
  let curSample: Float64Array | CategoryCountSample
  let nUnique: number
  if (r.kind === 'num' && c.kind === 'num') {
    refSample = r.values
    curSample = c.values
    nUnique = distinctUnion(r.values, c.values, DISTINCT_CAP)
  } else {
    if (featureType === 'num') {
      return fail('not_numeric', `column '${column}' is numerical but holds non-numeric values`, { featureType })
    }
    refSample = asCounts(r)
    curSample = asCounts(c)
    nUnique = new Set<Category>([...refSample.counts.keys(), ...curSample.counts.keys()]).size
  }
  const defaultTest = options.test === undefined
  const test = options.test ?? defaultStatTest(featureType, nRef, nUnique)
  const meta = STAT_TESTS[test]
  // Evidently checks the type only for a test named by the user: its default selection runs
  // chisquare or z on numerical columns with at most 5 distinct values.
  if (!defaultTest && !meta.featureTypes.includes(featureType)) {
    return fail(
      'test_not_applicable',
      `${test} does not apply to ${featureType === 'num' ? 'numerical' : 'categorical'} column '${column}'`,
      {
        featureType,
        test,
      },
    )
  }
  const tested: TestedColumn = { column, counts, featureType, test, defaultTest }
  try {
    return testedColumnResult(
      tested,
      runStatTest(test, refSample, curSample, featureType, options.threshold, defaultTest),
    )
  } catch (err) {
    return testThrew(tested, err)
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

/** The columns datasetDrift compares, in its order. */
export function driftColumnNames(
  reference: DriftTable,
  current: DriftTable,
  options: DatasetDriftOptions = {},
): string[] {
  return options.columns ? [...options.columns] : [...new Set([...Object.keys(reference), ...Object.keys(current)])]
}

/** The options datasetDrift gives column `name`. */
export function columnOptions(name: string, options: DatasetDriftOptions = {}): ColumnDriftOptions {
  const opts: ColumnDriftOptions = { ...(options.perColumn?.[name] ?? {}) }
  if (opts.test === undefined && options.test !== undefined) {
    opts.test = options.test
    if (opts.threshold === undefined && options.threshold !== undefined) opts.threshold = options.threshold
  }
  return opts
}

/** A table's column `name`, or undefined when it has none (own properties only). */
export function tableColumn(table: DriftTable, name: string): DriftColumn | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined
}

/** Per-column drift and Evidently's dataset drift (share of drifted columns >= 0.5). */
export function datasetDrift(
  reference: DriftTable,
  current: DriftTable,
  options: DatasetDriftOptions = {},
): DatasetDriftResult {
  const columns = driftColumnNames(reference, current, options).map((name) =>
    columnDrift(name, tableColumn(reference, name), tableColumn(current, name), columnOptions(name, options)),
  )
  return summarizeDrift(columns, options)
}

/** Evidently's dataset-level verdict over per-column results. */
export function summarizeDrift(columns: ColumnDriftResult[], options: DatasetDriftOptions = {}): DatasetDriftResult {
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
