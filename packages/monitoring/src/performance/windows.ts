// Windows over keel's prediction log and the performance of each: realized metrics where labels
// were posted, CBPE estimates where probabilities were logged. Pure functions: the live monitor
// (packages/server/src/monitoring/live/) reads the log, calls these, and stores the results.
//
//   const rows = predictionRows(records)                       // LoggedPrediction[] → one row per prediction
//   const cbpe = fitCbpe(toCbpeData(referenceRows), { classes }) // once, on a labelled reference
//   const windows = windowsByTime(rows, 3_600_000)             // or windowsByCount(rows, 500)
//   const series = windowPerformance(windows, { task: 'classification', classes, cbpe })

import { estimateCbpe, type CbpeData, type CbpeModel, type CbpeWindowResult } from './cbpe.js'
import type { MaybeLabel, MetricLabel } from './labels.js'
import {
  classificationMetrics,
  regressionMetrics,
  type Average,
  type ClassificationMetricsResult,
  type RegressionMetricsResult,
} from './metrics.js'

/** The fields of a logged prediction (`LoggedPrediction` in @keel/contracts) that performance reads. */
export interface LoggedPredictionLike {
  readonly timestampMs: number
  readonly outputs: readonly (number | string)[]
  readonly probabilities?: readonly (readonly number[])[]
  readonly label?: MetricLabel
  readonly statusCode?: number
}

/** One prediction: the unit windows count and metrics score. */
export interface PerformanceRow {
  timestampMs: number
  prediction: number | string
  probabilities?: readonly number[]
  label?: MetricLabel
}

export interface PredictionRows {
  rows: PerformanceRow[]
  /** Records without predictions (failed requests: statusCode >= 400 or no outputs), skipped. */
  failedRequests: number
  /**
   * Labels of requests with more than one row, not used: a label is posted per request id, so it
   * is the truth of a request's prediction only when the request holds exactly one row.
   */
  unusableLabels: number
}

/** Flattens logged requests into one row per prediction (probabilities and label carried along). */
export function predictionRows(records: readonly LoggedPredictionLike[]): PredictionRows {
  if (!Array.isArray(records)) throw new TypeError('records must be an array of logged predictions')
  const out: PredictionRows = { rows: [], failedRequests: 0, unusableLabels: 0 }
  records.forEach((r, i) => {
    if (typeof r?.timestampMs !== 'number' || !Number.isFinite(r.timestampMs))
      throw new Error(`records[${i}].timestampMs is ${String(r?.timestampMs)}; expected epoch milliseconds`)
    if (!Array.isArray(r.outputs) || r.outputs.length === 0 || (r.statusCode !== undefined && r.statusCode >= 400)) {
      out.failedRequests++
      return
    }
    const hasLabel = r.label !== undefined && r.label !== null
    if (hasLabel && r.outputs.length > 1) out.unusableLabels++
    r.outputs.forEach((prediction: number | string, j: number) => {
      const row: PerformanceRow = { timestampMs: r.timestampMs, prediction }
      const p = r.probabilities?.[j]
      if (p !== undefined) row.probabilities = p
      if (hasLabel && r.outputs.length === 1) row.label = r.label as MetricLabel
      out.rows.push(row)
    })
  })
  return out
}

/** Rows of one window, `startMs <= timestampMs < endMs`. */
export interface Window<T> {
  index: number
  startMs: number
  endMs: number
  rows: T[]
}

const byTime = <T extends { timestampMs: number }>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => a.timestampMs - b.timestampMs)

/**
 * Consecutive windows of `size` rows in time order (NannyML's SizeBasedChunker). The last, shorter
 * window is kept (`incomplete: 'keep'`, default) or dropped (`'drop'`). `endMs` is the last row's
 * timestamp + 1.
 */
export function windowsByCount<T extends { timestampMs: number }>(
  rows: readonly T[],
  size: number,
  opts: { incomplete?: 'keep' | 'drop' } = {},
): Window<T>[] {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`window size must be a positive integer, got ${String(size)}`)
  const sorted = byTime(rows)
  const out: Window<T>[] = []
  for (let lo = 0; lo < sorted.length; lo += size) {
    const part = sorted.slice(lo, lo + size)
    if (part.length < size && opts.incomplete === 'drop') break
    out.push({
      index: out.length,
      startMs: (part[0] as T).timestampMs,
      endMs: (part[part.length - 1] as T).timestampMs + 1,
      rows: part,
    })
  }
  return out
}

/**
 * Windows of `periodMs` aligned on `originMs` (default 0: hours and days fall on UTC boundaries),
 * from the first row's period to the last row's; periods without rows are included, empty, so gaps
 * show in the series.
 */
export function windowsByTime<T extends { timestampMs: number }>(
  rows: readonly T[],
  periodMs: number,
  opts: { originMs?: number } = {},
): Window<T>[] {
  if (typeof periodMs !== 'number' || !Number.isFinite(periodMs) || periodMs <= 0)
    throw new Error(`periodMs must be a positive number of milliseconds, got ${String(periodMs)}`)
  const origin = opts.originMs ?? 0
  const sorted = byTime(rows)
  if (sorted.length === 0) return []
  const slot = (t: number): number => Math.floor((t - origin) / periodMs)
  const first = slot((sorted[0] as T).timestampMs)
  const last = slot((sorted[sorted.length - 1] as T).timestampMs)
  if (last - first >= 1_000_000)
    throw new Error(`${last - first + 1} windows of ${periodMs} ms: choose a longer period`)
  const out: Window<T>[] = Array.from({ length: last - first + 1 }, (_, k) => ({
    index: k,
    startMs: origin + (first + k) * periodMs,
    endMs: origin + (first + k + 1) * periodMs,
    rows: [],
  }))
  for (const r of sorted) (out[slot(r.timestampMs) - first] as Window<T>).rows.push(r)
  return out
}

/** Rows as CBPE's input (rows without probabilities are left out). */
export function toCbpeData(rows: readonly PerformanceRow[]): CbpeData {
  const kept = rows.filter((r) => r.probabilities !== undefined)
  return {
    predictions: kept.map((r) => r.prediction),
    probabilities: kept.map((r) => r.probabilities as readonly number[]),
    labels: kept.map((r): MaybeLabel => r.label),
  }
}

export type WindowPerformanceOptions =
  | {
      task: 'classification'
      /** The model's classes, sorted ascending (the probability columns). */
      classes?: readonly MetricLabel[]
      average?: Average
      posLabel?: MetricLabel
      /** A fitted CBPE: adds label-free estimates to every window. */
      cbpe?: CbpeModel
    }
  | { task: 'regression' }

export interface WindowPerformance {
  index: number
  startMs: number
  endMs: number
  rows: number
  /** Rows with a label. */
  labelled: number
  /** Metrics on the labelled rows (every value null when none are labelled). */
  realized: ClassificationMetricsResult | RegressionMetricsResult
  /** CBPE on the rows with probabilities (classification with `cbpe` only); null when the window has none. */
  estimated?: CbpeWindowResult | null
}

/** Realized metrics and CBPE estimates for each window. */
export function windowPerformance(
  windows: readonly Window<PerformanceRow>[],
  opts: WindowPerformanceOptions,
): WindowPerformance[] {
  const task: unknown = opts?.task
  if (task !== 'classification' && task !== 'regression')
    throw new Error(`task must be 'classification' or 'regression', got ${JSON.stringify(task)}`)
  return windows.map((w) => {
    const labels = w.rows.map((r): MaybeLabel => r.label)
    const base = {
      index: w.index,
      startMs: w.startMs,
      endMs: w.endMs,
      rows: w.rows.length,
      labelled: w.rows.filter((r) => r.label !== undefined && r.label !== null).length,
    }
    if (opts.task === 'regression') {
      const toNumber = (v: unknown, what: string): number | null | undefined => {
        if (v === undefined || v === null || typeof v === 'number') return v
        throw new Error(`${what} is ${JSON.stringify(v)}; regression needs numbers`)
      }
      return {
        ...base,
        realized: regressionMetrics(
          labels.map((l, i) => toNumber(l, `window ${w.index} label ${i}`)),
          w.rows.map((r, i) => toNumber(r.prediction, `window ${w.index} prediction ${i}`)),
        ),
      }
    }
    const allProba = w.rows.length > 0 && w.rows.every((r) => r.probabilities !== undefined)
    const realized = classificationMetrics(
      labels,
      w.rows.map((r) => r.prediction),
      {
        ...(opts.classes ? { classes: opts.classes } : {}),
        ...(opts.average ? { average: opts.average } : {}),
        ...(opts.posLabel !== undefined ? { posLabel: opts.posLabel } : {}),
        ...(allProba && opts.classes ? { probabilities: w.rows.map((r) => r.probabilities as readonly number[]) } : {}),
      },
    )
    const out: WindowPerformance = { ...base, realized }
    if (opts.cbpe) {
      const data = toCbpeData(w.rows)
      out.estimated = data.predictions.length === 0 ? null : estimateCbpe(opts.cbpe, data)
    }
    return out
  })
}
