// The drift report: drift per column and for the dataset (Evidently's rules), data quality, and
// bounded histograms of reference against current. Plain JSON-serialisable data whose size depends
// on the number of columns, never on the number of rows or distinct values.

import {
  datasetDrift,
  driftColumnNames,
  type ColumnDriftOptions,
  type DatasetDriftOptions,
  type ColumnDriftResult,
  type DatasetDriftResult,
} from '../drift/column-drift.js'
import { columnLength, type DriftTable } from '../drift/columns.js'
import { datasetDriftAsync } from '../drift/parallel.js'
import { sortNaNLast } from '../drift/sort-columns.js'
import {
  dataQuality,
  type ColumnQuality,
  type DataQualityResult,
  type QualityFinding,
  type SchemaDiff,
} from '../quality/checks.js'
import { isSortedNaNLast, markSortedNaNLast, qualityColumn } from '../quality/summary.js'
import { isStatTestName, STAT_TESTS } from '../stats/registry.js'
import type { FeatureType, StatTestName } from '../stats/types.js'
import { categoricalHistogram, numericHistogram, type Histogram, type HistogramOptions } from './histograms.js'

export const DRIFT_REPORT_VERSION = 1

export interface DriftReportOptions {
  /** columns to compare (default: every column of either dataset) */
  columns?: readonly string[]
  /** a drift test per column (Evidently's default selection for the others) */
  tests?: Readonly<Record<string, string>>
  /** a threshold per column (the test's default for the others) */
  thresholds?: Readonly<Record<string, number>>
  /** dataset drift when the share of drifted columns is >= this (default 0.5) */
  driftShare?: number
  /** feature types by column (default: inferred as Evidently does) */
  featureTypes?: Readonly<Record<string, FeatureType>>
  /** names shown for the datasets (file names, URIs) */
  referenceName?: string
  currentName?: string
  histograms?: HistogramOptions
  /** the report's timestamp (default: now) */
  createdAt?: Date
}

export interface DatasetInfo {
  name?: string
  rows: number
  columns: number
}

export interface ReportColumn {
  column: string
  drift: ColumnDriftResult
  quality: ColumnQuality
  /** reference against current; absent when the column is missing from a dataset or has no values */
  histogram?: Histogram
}

export interface DriftReport {
  kind: 'keel.drift_report'
  version: number
  createdAt: string
  reference: DatasetInfo
  current: DatasetInfo
  options: {
    driftShare: number
    columns?: string[]
    tests: { column: string; test: StatTestName }[]
    thresholds: { column: string; threshold: number }[]
  }
  drift: Omit<DatasetDriftResult, 'columns'>
  columns: ReportColumn[]
  quality: { schema: SchemaDiff; findings: QualityFinding[] }
}

/** Input the report cannot be built from: an unknown column or test, a bad threshold, empty data. */
export class DriftReportInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DriftReportInputError'
  }
}

function rowsOf(table: DriftTable, label: string): number {
  const names = Object.keys(table)
  if (names.length === 0) throw new DriftReportInputError(`the ${label} dataset has no columns`)
  const rows = columnLength(table[names[0]!]!)
  for (const n of names) {
    if (columnLength(table[n]!) !== rows) {
      throw new DriftReportInputError(
        `the ${label} dataset's columns differ in length: '${names[0]}' has ${rows} values, '${n}' has ${columnLength(table[n]!)}`,
      )
    }
  }
  if (rows === 0) throw new DriftReportInputError(`the ${label} dataset is empty (no rows)`)
  return rows
}

/** Numeric columns ascending, NaN last: as they are when already so (sortFloat64ColumnsAsync), else a sorted copy. */
function sortedNumbers(table: DriftTable): DriftTable {
  const out: Record<string, DriftTable[string]> = {}
  for (const [name, values] of Object.entries(table)) {
    if (!(values instanceof Float64Array) || isSortedNaNLast(values)) out[name] = values
    else {
      const copy = Float64Array.from(values)
      sortNaNLast(copy)
      out[name] = copy
    }
  }
  return out
}

function checkOptions(reference: DriftTable, current: DriftTable, o: DriftReportOptions): void {
  const known = (c: string) => Object.hasOwn(reference, c) || Object.hasOwn(current, c)
  const unknownColumn = (c: string, where: string) =>
    new DriftReportInputError(`unknown column '${c}' in ${where}: it is in neither dataset`)
  for (const c of o.columns ?? []) if (!known(c)) throw unknownColumn(c, 'columns')
  for (const [c, t] of Object.entries(o.tests ?? {})) {
    if (!known(c)) throw unknownColumn(c, 'tests')
    if (!isStatTestName(t))
      throw new DriftReportInputError(
        `unknown drift test '${t}' for column '${c}' (known: ${Object.keys(STAT_TESTS).join(', ')})`,
      )
  }
  for (const [c, t] of Object.entries(o.thresholds ?? {})) {
    if (!known(c)) throw unknownColumn(c, 'thresholds')
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
      throw new DriftReportInputError(`threshold for column '${c}' must be a finite number >= 0, got ${String(t)}`)
  }
  const share = o.driftShare
  if (share !== undefined && (typeof share !== 'number' || !(share >= 0 && share <= 1))) {
    throw new DriftReportInputError(`drift_share must be a number between 0 and 1, got ${String(share)}`)
  }
  for (const [c, t] of Object.entries(o.featureTypes ?? {})) {
    if (t !== 'num' && t !== 'cat')
      throw new DriftReportInputError(`feature type of column '${c}' must be 'num' or 'cat', got '${String(t)}'`)
  }
}

/** The checked, sorted input of a report and its drift options. */
interface Prepared {
  referenceRows: number
  currentRows: number
  reference: DriftTable
  current: DriftTable
  driftOptions: DatasetDriftOptions
}

function prepare(referenceInput: DriftTable, currentInput: DriftTable, options: DriftReportOptions): Prepared {
  const referenceRows = rowsOf(referenceInput, 'reference')
  const currentRows = rowsOf(currentInput, 'current')
  checkOptions(referenceInput, currentInput, options)
  // Nothing in the report depends on row order: numeric columns are sorted once here, so the
  // drift tests and the quantiles of the quality checks need not each sort them again.
  const reference = sortedNumbers(referenceInput)
  const current = sortedNumbers(currentInput)
  const perColumn: Record<string, ColumnDriftOptions> = {}
  const set = (c: string, o: ColumnDriftOptions) => (perColumn[c] = { ...perColumn[c], ...o })
  for (const [c, t] of Object.entries(options.featureTypes ?? {})) set(c, { featureType: t })
  for (const [c, t] of Object.entries(options.tests ?? {})) set(c, { test: t as StatTestName })
  for (const [c, t] of Object.entries(options.thresholds ?? {})) set(c, { threshold: t })
  const driftOptions: DatasetDriftOptions = {
    ...(options.columns && { columns: options.columns }),
    perColumn,
    ...(options.driftShare !== undefined && { driftShare: options.driftShare }),
  }
  return { referenceRows, currentRows, reference, current, driftOptions }
}

/** A test that does not apply to its column, or an unknown one: input no report can come from. */
function throwOnMisfit(drift: DatasetDriftResult): void {
  const misfit = drift.columns.find(
    (c) => c.status === 'error' && (c.error.code === 'test_not_applicable' || c.error.code === 'unknown_test'),
  )
  if (misfit && misfit.status === 'error') throw new DriftReportInputError(misfit.error.message)
}

/**
 * Builds the drift report of `current` against `reference`. Throws DriftReportInputError for
 * input no report can come from (unknown columns or tests, a test that does not apply to its
 * column's type, empty datasets); any other problem is a per-column error inside the report.
 */
export function buildDriftReport(
  referenceInput: DriftTable,
  currentInput: DriftTable,
  options: DriftReportOptions = {},
): DriftReport {
  const p = prepare(referenceInput, currentInput, options)
  const unmark = markSortedNaNLast([...Object.values(p.reference), ...Object.values(p.current)])
  try {
    const drift = datasetDrift(p.reference, p.current, p.driftOptions)
    throwOnMisfit(drift)
    const featureTypes: Record<string, FeatureType> = {}
    for (const c of drift.columns) if (c.featureType) featureTypes[c.column] = c.featureType
    const quality = dataQuality(p.reference, p.current, {
      columns: drift.columns.map((c) => c.column),
      featureTypes: { ...featureTypes, ...options.featureTypes },
    })
    return assemble(p, drift, quality, histogramsOf(p, quality, options), options)
  } finally {
    unmark()
  }
}

/**
 * buildDriftReport with the drift tests on the worker pool (datasetDriftAsync) while this thread
 * checks the data quality and draws the histograms: the same report. The quality checks infer a
 * column's feature type exactly as the drift tests do (inferFeatureType), so they need not wait for
 * them. For large tables; `workers` as for datasetDriftAsync.
 */
export async function buildDriftReportAsync(
  referenceInput: DriftTable,
  currentInput: DriftTable,
  options: DriftReportOptions & { workers?: number } = {},
): Promise<DriftReport> {
  const p = prepare(referenceInput, currentInput, options)
  // prepare sorted or checked every numeric column: the quality checks and histograms need not
  const unmark = markSortedNaNLast([...Object.values(p.reference), ...Object.values(p.current)])
  try {
    return await reportAsync(p, options)
  } finally {
    unmark()
  }
}

async function reportAsync(p: Prepared, options: DriftReportOptions & { workers?: number }): Promise<DriftReport> {
  const pending = datasetDriftAsync(p.reference, p.current, {
    ...p.driftOptions,
    ...(options.workers !== undefined && { workers: options.workers }),
  })
  // Column by column, yielding in between: this thread hands the workers their next columns.
  const local = (async () => {
    const parts: DataQualityResult[] = []
    const histograms: (Histogram | undefined)[] = []
    for (const name of driftColumnNames(p.reference, p.current, p.driftOptions)) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      const part = dataQuality(p.reference, p.current, {
        columns: [name],
        ...(options.featureTypes && { featureTypes: options.featureTypes }),
      })
      parts.push(part)
      histograms.push(histogramsOf(p, part, options)[0])
    }
    return { quality: mergeQuality(parts), histograms }
  })()
  // the drift's errors first (a misfit test is the input error to report), then the quality's
  const [driftSettled, localSettled] = await Promise.allSettled([pending, local])
  if (driftSettled.status === 'rejected') throw driftSettled.reason
  throwOnMisfit(driftSettled.value)
  if (localSettled.status === 'rejected') throw localSettled.reason
  const { quality, histograms } = localSettled.value
  return assemble(p, driftSettled.value, quality, histograms, options)
}

/** dataQuality of all the columns from its results column by column (each part in column order). */
function mergeQuality(parts: readonly DataQualityResult[]): DataQualityResult {
  return {
    schema: {
      missingColumns: parts.flatMap((q) => q.schema.missingColumns),
      unexpectedColumns: parts.flatMap((q) => q.schema.unexpectedColumns),
      typeChanges: parts.flatMap((q) => q.schema.typeChanges),
    },
    columns: parts.flatMap((q) => q.columns),
    findings: parts.flatMap((q) => q.findings),
  }
}

/** Each column's histogram (reference against current), or undefined. */
function histogramsOf(p: Prepared, quality: DataQualityResult, options: DriftReportOptions): (Histogram | undefined)[] {
  const { reference, current } = p
  const has = (t: DriftTable, n: string) => Object.hasOwn(t, n)
  return quality.columns.map((q) => {
    if (!has(reference, q.column) || !has(current, q.column)) return undefined
    const r = qualityColumn(reference[q.column]!)
    const c = qualityColumn(current[q.column]!)
    const numeric = q.referenceType === 'numeric' && q.currentType === 'numeric' && q.featureType === 'num'
    const h = numeric ? numericHistogram(r, c, options.histograms) : categoricalHistogram(r, c, options.histograms)
    return h && (h.kind === 'numeric' || h.totalCategories > 0) ? h : undefined
  })
}

function assemble(
  p: Prepared,
  drift: DatasetDriftResult,
  quality: DataQualityResult,
  histograms: (Histogram | undefined)[],
  options: DriftReportOptions,
): DriftReport {
  const columns: ReportColumn[] = drift.columns.map((d, i) => {
    const out: ReportColumn = { column: d.column, drift: d, quality: quality.columns[i]! }
    const h = histograms[i]
    if (h) out.histogram = h
    return out
  })
  const { columns: _omit, ...summary } = drift
  const info = (name: string | undefined, rows: number, table: DriftTable): DatasetInfo => ({
    ...(name !== undefined && { name }),
    rows,
    columns: Object.keys(table).length,
  })
  return {
    kind: 'keel.drift_report',
    version: DRIFT_REPORT_VERSION,
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    reference: info(options.referenceName, p.referenceRows, p.reference),
    current: info(options.currentName, p.currentRows, p.current),
    options: {
      driftShare: drift.driftShare,
      ...(options.columns && { columns: [...options.columns] }),
      tests: Object.entries(options.tests ?? {}).map(([column, test]) => ({ column, test: test as StatTestName })),
      thresholds: Object.entries(options.thresholds ?? {}).map(([column, threshold]) => ({ column, threshold })),
    },
    drift: summary,
    columns,
    quality: { schema: quality.schema, findings: quality.findings },
  }
}
