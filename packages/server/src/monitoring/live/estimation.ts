/**
 * Label-free performance estimation of a window (NannyML's CBPE, @keel/monitoring's estimateCbpe),
 * fitted once on a log reference that logged class probabilities (and calibrated on its labels
 * when it has them). Absent when the reference has no probabilities, or its classes cannot be told
 * from its outputs.
 */
import type { EstimatedPerformance } from '@keel/contracts'
import { estimateCbpe, fitCbpe, type CbpeModel, type MetricLabel } from '@keel/monitoring'
import type { WindowRow } from './log-windows.js'

type Label = number | string

/** The probability columns' classes: the outputs' distinct values sorted, or 0..k-1 for integer outputs. */
function classesOf(outputs: readonly Label[], k: number): Label[] | undefined {
  const distinct = [...new Set(outputs)]
  if (distinct.every((o) => typeof o === 'number')) {
    const sorted = (distinct as number[]).sort((a, b) => a - b)
    if (sorted.length === k) return sorted
    if (sorted.every((o) => Number.isInteger(o) && o >= 0 && o < k)) return Array.from({ length: k }, (_, i) => i)
    return undefined
  }
  return distinct.length === k && distinct.every((o) => typeof o === 'string')
    ? (distinct as string[]).sort()
    : undefined
}

export function fitEstimator(
  outputs: readonly Label[],
  probabilities: readonly (readonly number[] | undefined)[],
  labels: readonly unknown[],
): CbpeModel | undefined {
  if (outputs.length < 20 || probabilities.some((p) => p === undefined)) return undefined
  const k = probabilities[0]!.length
  const classes = classesOf(outputs, k)
  if (!classes || k < 2) return undefined
  const known = labels.map((l) =>
    typeof l === 'number' || typeof l === 'string' || typeof l === 'boolean' ? (l as MetricLabel) : null,
  )
  try {
    return fitCbpe(
      {
        predictions: outputs,
        probabilities: probabilities as (readonly number[])[],
        ...(known.some((l) => l !== null) && { labels: known }),
      },
      { classes, ...(k === 2 && { average: 'macro' as const }), metrics: ['accuracy', 'f1'] },
    )
  } catch {
    return undefined
  }
}

export function estimateWindow(
  model: CbpeModel | undefined,
  sample: readonly WindowRow[],
): EstimatedPerformance | undefined {
  if (!model || sample.length === 0 || sample.some((r) => r.probabilities === undefined)) return undefined
  try {
    const result = estimateCbpe(model, {
      predictions: sample.map((r) => r.output),
      probabilities: sample.map((r) => r.probabilities!),
    })
    const metrics: Record<string, number> = {}
    const lower: Record<string, number> = {}
    const upper: Record<string, number> = {}
    for (const r of result.results) {
      const name = r.metric === 'f1' ? 'f1_macro' : r.metric
      if (r.estimate === null || !Number.isFinite(r.estimate)) continue
      metrics[name] = r.estimate
      if (r.threshold) {
        lower[name] = r.threshold.lower
        upper[name] = r.threshold.upper
      }
    }
    if (Object.keys(metrics).length === 0) return undefined
    return { method: 'cbpe', metrics, ...(Object.keys(lower).length > 0 && { lower, upper }) }
  } catch {
    return undefined
  }
}
