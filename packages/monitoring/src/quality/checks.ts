// Data quality of a current dataset against a reference: schema (missing and unexpected columns,
// type changes), null shares, values out of the reference's range, new and missing categories,
// constant and all-null columns, and the summary statistics side by side.

import { inferFeatureType, type ColumnValues } from '../drift/column-drift.js'
import { isDictionaryColumn, type DictionaryColumn, type DriftTable } from '../drift/columns.js'
import type { FeatureType } from '../stats/types.js'
import {
  dataTypeOf,
  qualityColumn,
  summarizeColumn,
  valueCounts,
  type ColumnSummary,
  type DataType,
} from './summary.js'

export type QualityCheck =
  | 'missing_column'
  | 'unexpected_column'
  | 'type_change'
  | 'all_null'
  | 'null_share'
  | 'out_of_range'
  | 'new_categories'
  | 'missing_categories'
  | 'constant_column'

export interface QualityFinding {
  check: QualityCheck
  column: string
  /** the dataset the finding is about, when it is about one */
  dataset?: 'reference' | 'current'
  severity: 'error' | 'warning'
  message: string
  /** the share or count the finding is about */
  value?: number
}

export interface CategoryDiff {
  /** how many distinct values */
  count: number
  /** rows of the dataset holding them, as a share of its non-missing rows */
  share: number
  /** up to `maxListed` of them, most frequent first */
  values: string[]
}

export interface ColumnQuality {
  column: string
  inReference: boolean
  inCurrent: boolean
  referenceType?: DataType
  currentType?: DataType
  /** the drift feature type (when the column is in both) */
  featureType?: FeatureType
  reference?: ColumnSummary
  current?: ColumnSummary
  /** missing (null, NaN) as a share of rows; null when the dataset has no rows */
  referenceNullShare?: number | null
  currentNullShare?: number | null
  /** numeric columns: current values outside the reference's [min, max] */
  outOfRange?: { count: number; share: number; referenceMin: number; referenceMax: number }
  /** categorical columns: values only in current, and values only in reference */
  newCategories?: CategoryDiff
  missingCategories?: CategoryDiff
  constantInReference?: boolean
  constantInCurrent?: boolean
}

export interface SchemaDiff {
  /** in reference, not in current */
  missingColumns: string[]
  /** in current, not in reference */
  unexpectedColumns: string[]
  typeChanges: { column: string; reference: DataType; current: DataType }[]
}

export interface DataQualityResult {
  schema: SchemaDiff
  columns: ColumnQuality[]
  findings: QualityFinding[]
}

export interface DataQualityOptions {
  /** columns to check (default: every column of either dataset) */
  columns?: readonly string[]
  /** feature types by column (default: inferred as for drift) */
  featureTypes?: Readonly<Record<string, FeatureType>>
  /** a null-share finding when current's share exceeds reference's by more than this (default 0.05) */
  nullShareTolerance?: number
  /** top values kept in summaries (default 10) */
  topK?: number
  /** categories listed in new / missing category findings (default 20) */
  maxListed?: number
}

const short = (x: number): string => String(Number(x.toPrecision(6)))
const pct = (x: number): string => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`

function outOfRange(ref: ColumnSummary, current: ColumnValues | DictionaryColumn): ColumnQuality['outOfRange'] {
  // a dictionary column reaching here holds no number (qualityColumn): nothing is out of range
  if (ref.min === null || ref.max === null || isDictionaryColumn(current)) return undefined
  let n = 0
  let out = 0
  for (let i = 0; i < current.length; i++) {
    const v = current[i]
    if (typeof v !== 'number' || Number.isNaN(v)) continue
    n++
    if (v < ref.min || v > ref.max) out++
  }
  return { count: out, share: n === 0 ? 0 : out / n, referenceMin: ref.min, referenceMax: ref.max }
}

function categoryDiff(
  a: Map<string | number | boolean, number>,
  b: Map<string | number | boolean, number>,
  maxListed: number,
): CategoryDiff {
  const only = [...a.entries()].filter(([k]) => !b.has(k)).sort((x, y) => y[1] - x[1])
  let total = 0
  for (const c of a.values()) total += c
  const rows = only.reduce((s, [, c]) => s + c, 0)
  const label = (k: string | number | boolean) => {
    const s = String(k)
    return s.length > 60 ? `${s.slice(0, 59)}…` : s
  }
  return {
    count: only.length,
    share: total === 0 ? 0 : rows / total,
    values: only.slice(0, maxListed).map(([k]) => label(k)),
  }
}

function columnQuality(
  name: string,
  ref: ColumnValues | DictionaryColumn | undefined,
  cur: ColumnValues | DictionaryColumn | undefined,
  options: DataQualityOptions,
): ColumnQuality {
  const q: ColumnQuality = { column: name, inReference: ref !== undefined, inCurrent: cur !== undefined }
  const featureType = ref && cur ? (options.featureTypes?.[name] ?? inferFeatureType(ref, cur)) : undefined
  if (featureType) q.featureType = featureType
  const topK = options.topK ?? 10
  // categorical columns: one count of each value per dataset, for the summary and the category diff
  const countsOf = (v: ColumnValues | DictionaryColumn) =>
    featureType === 'cat' || dataTypeOf(v) !== 'numeric' ? valueCounts(v) : undefined
  const refCounts = ref && countsOf(ref)
  const curCounts = cur && countsOf(cur)
  const summarize = (v: ColumnValues | DictionaryColumn, counts: Map<string | number | boolean, number> | undefined) =>
    summarizeColumn(v, { ...(featureType === 'cat' && { categorical: true }), topK, ...(counts && { counts }) })
  if (ref) {
    q.reference = summarize(ref, refCounts)
    q.referenceType = q.reference.dataType
    q.referenceNullShare = q.reference.rows === 0 ? null : q.reference.missing / q.reference.rows
    q.constantInReference = q.reference.distinct === 1
  }
  if (cur) {
    q.current = summarize(cur, curCounts)
    q.currentType = q.current.dataType
    q.currentNullShare = q.current.rows === 0 ? null : q.current.missing / q.current.rows
    q.constantInCurrent = q.current.distinct === 1
  }
  if (ref && cur && q.reference && q.current) {
    const numeric = q.referenceType === 'numeric' && q.currentType === 'numeric'
    if (numeric && featureType === 'num') {
      const r = outOfRange(q.reference, cur)
      if (r) q.outOfRange = r
    } else if (q.reference.count > 0 && q.current.count > 0) {
      const rc = refCounts ?? valueCounts(ref)
      const cc = curCounts ?? valueCounts(cur)
      const maxListed = options.maxListed ?? 20
      q.newCategories = categoryDiff(cc, rc, maxListed)
      q.missingCategories = categoryDiff(rc, cc, maxListed)
    }
  }
  return q
}

function findingsOf(q: ColumnQuality, tolerance: number): QualityFinding[] {
  const out: QualityFinding[] = []
  const c = q.column
  const add = (f: Omit<QualityFinding, 'column'>) => out.push({ column: c, ...f })
  if (!q.inCurrent)
    add({
      check: 'missing_column',
      dataset: 'current',
      severity: 'error',
      message: `column '${c}' is in the reference but not in the current dataset`,
    })
  if (!q.inReference)
    add({
      check: 'unexpected_column',
      dataset: 'current',
      severity: 'warning',
      message: `column '${c}' is in the current dataset but not in the reference`,
    })
  const changed =
    q.referenceType &&
    q.currentType &&
    q.referenceType !== 'empty' &&
    q.currentType !== 'empty' &&
    q.referenceType !== q.currentType
  if (changed)
    add({
      check: 'type_change',
      dataset: 'current',
      severity: 'error',
      message: `column '${c}' holds ${q.referenceType} values in the reference but ${q.currentType} values in current`,
    })
  for (const [dataset, s] of [
    ['reference', q.reference],
    ['current', q.current],
  ] as const) {
    if (!s || s.rows === 0) continue
    if (s.count === 0)
      add({
        check: 'all_null',
        dataset,
        severity: 'error',
        message: `column '${c}' is empty (all ${s.rows} values missing) in the ${dataset} dataset`,
        value: 1,
      })
    else if (s.distinct === 1)
      add({
        check: 'constant_column',
        dataset,
        severity: 'warning',
        message: `column '${c}' is constant in the ${dataset} dataset (one value: ${s.top?.[0]?.value ?? (s.min === null ? '' : short(s.min))})`,
        value: 1,
      })
  }
  const rn = q.referenceNullShare
  const cn = q.currentNullShare
  if (typeof rn === 'number' && typeof cn === 'number' && q.current && q.current.count > 0 && cn > rn + tolerance) {
    add({
      check: 'null_share',
      dataset: 'current',
      severity: 'warning',
      message: `column '${c}': ${pct(cn)} of current values are missing (reference: ${pct(rn)})`,
      value: cn,
    })
  }
  if (q.outOfRange && q.outOfRange.count > 0) {
    const r = q.outOfRange
    add({
      check: 'out_of_range',
      dataset: 'current',
      severity: 'warning',
      message: `column '${c}': ${r.count} current values (${pct(r.share)}) outside the reference range [${short(r.referenceMin)}, ${short(r.referenceMax)}]`,
      value: r.share,
    })
  }
  if (q.newCategories && q.newCategories.count > 0) {
    const n = q.newCategories
    add({
      check: 'new_categories',
      dataset: 'current',
      severity: 'warning',
      message: `column '${c}': ${n.count} new ${n.count === 1 ? 'category' : 'categories'} in current (${pct(n.share)} of rows): ${n.values.slice(0, 3).join(', ')}${n.count > 3 ? ', …' : ''}`,
      value: n.count,
    })
  }
  if (q.missingCategories && q.missingCategories.count > 0) {
    const m = q.missingCategories
    add({
      check: 'missing_categories',
      dataset: 'current',
      severity: 'warning',
      message: `column '${c}': ${m.count} reference ${m.count === 1 ? 'category' : 'categories'} absent from current (${pct(m.share)} of reference rows): ${m.values.slice(0, 3).join(', ')}${m.count > 3 ? ', …' : ''}`,
      value: m.count,
    })
  }
  return out
}

/** Data quality of `current` against `reference`. Never throws on data. */
export function dataQuality(
  reference: DriftTable,
  current: DriftTable,
  options: DataQualityOptions = {},
): DataQualityResult {
  const has = (t: DriftTable, name: string) => Object.hasOwn(t, name)
  const names = options.columns ?? [...new Set([...Object.keys(reference), ...Object.keys(current)])]
  const columns = names.map((name) =>
    columnQuality(
      name,
      has(reference, name) ? qualityColumn(reference[name]!) : undefined,
      has(current, name) ? qualityColumn(current[name]!) : undefined,
      options,
    ),
  )
  const schema: SchemaDiff = {
    missingColumns: names.filter((n) => has(reference, n) && !has(current, n)),
    unexpectedColumns: names.filter((n) => has(current, n) && !has(reference, n)),
    typeChanges: [],
  }
  for (const q of columns) {
    if (
      q.referenceType &&
      q.currentType &&
      q.referenceType !== 'empty' &&
      q.currentType !== 'empty' &&
      q.referenceType !== q.currentType
    ) {
      schema.typeChanges.push({ column: q.column, reference: q.referenceType, current: q.currentType })
    }
  }
  const tolerance = options.nullShareTolerance ?? 0.05
  return { schema, columns, findings: columns.flatMap((q) => findingsOf(q, tolerance)) }
}
