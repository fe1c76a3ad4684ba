/**
 * Realized performance of a window, computed when read from the log joined with labels (labels
 * arrive late, so nothing is frozen at window close), in constant memory: a confusion count for
 * classification (accuracy, macro F1 over the classes seen in labels or predictions, as
 * scikit-learn's f1_score(average='macro') with zero_division=0), sums for regression (RMSE, MAE).
 * A label belongs to a request: only single-row requests are labelled rows.
 */
import type { Monitor, MonitorPerformance, MonitorTask, PerformanceMetric } from '@keel/contracts'
import type { PredictionLogStore, StoredPrediction } from '../../predictions/prediction-log-store.js'
import { readRange } from './log-windows.js'
import type { StoredWindow } from './monitor-store.js'

class ClassificationCounts {
  n = 0
  hits = 0
  readonly tp = new Map<string, number>()
  readonly fp = new Map<string, number>()
  readonly fn = new Map<string, number>()

  add(truth: string, predicted: string): void {
    this.n++
    const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
    if (truth === predicted) {
      this.hits++
      inc(this.tp, truth)
    } else {
      inc(this.fp, predicted)
      inc(this.fn, truth)
    }
  }

  metrics(): Partial<Record<PerformanceMetric, number>> {
    if (this.n === 0) return {}
    const classes = new Set([...this.tp.keys(), ...this.fp.keys(), ...this.fn.keys()])
    let sum = 0
    for (const c of classes) {
      const tp = this.tp.get(c) ?? 0
      const denominator = 2 * tp + (this.fp.get(c) ?? 0) + (this.fn.get(c) ?? 0)
      sum += denominator === 0 ? 0 : (2 * tp) / denominator
    }
    return { accuracy: this.hits / this.n, f1_macro: sum / classes.size }
  }
}

class RegressionSums {
  n = 0
  squared = 0
  absolute = 0

  add(truth: number, predicted: number): void {
    const e = truth - predicted
    this.n++
    this.squared += e * e
    this.absolute += Math.abs(e)
  }

  metrics(): Partial<Record<PerformanceMetric, number>> {
    return this.n === 0 ? {} : { rmse: Math.sqrt(this.squared / this.n), mae: this.absolute / this.n }
  }
}

/** The monitor's task: its setting, else classification when outputs are strings, integers or come with probabilities. */
export function taskOf(m: Monitor, r: StoredPrediction): MonitorTask {
  if (m.task) return m.task
  if (r.probabilities !== undefined) return 'classification'
  return r.outputs.every((o) => typeof o === 'string' || Number.isInteger(o)) ? 'classification' : 'regression'
}

/** A class's identity: booleans count as 1 and 0 (as numpy and @keel/monitoring's metrics do), so a label `true` matches a prediction `1`. */
const key = (v: unknown) => (v === true ? '1' : v === false ? '0' : typeof v === 'string' ? v : JSON.stringify(v))

export async function windowPerformance(
  log: PredictionLogStore,
  m: Monitor,
  w: StoredWindow,
): Promise<MonitorPerformance> {
  let rows = 0
  let task: MonitorTask | undefined = m.task
  const classification = new ClassificationCounts()
  const regression = new RegressionSums()
  for await (const page of readRange(log, m, w.after, w.end)) {
    for (const r of page) {
      rows += r.inputs.length
      if (r.label === undefined || r.inputs.length !== 1) continue
      task ??= taskOf(m, r)
      const output = r.outputs[0]!
      if (task === 'classification') classification.add(key(r.label), key(output))
      else if (typeof r.label === 'number' && typeof output === 'number') regression.add(r.label, output)
    }
  }
  const counts = task === 'regression' ? regression : classification
  return {
    windowId: w.windowId,
    startMs: w.startMs,
    endMs: w.endMs,
    rows,
    labelledRows: counts.n,
    metrics: counts.metrics(),
    ...(w.estimatedPerformance && { estimated: w.estimatedPerformance }),
  }
}
