// Confidence-based performance estimation (NannyML's CBPE): classification performance of a window
// estimated from the model's predicted probabilities alone, once those probabilities are calibrated
// on a labelled reference. See cbpe-estimate.ts for the estimates, sampling-error.ts for the band.
//
// fitCbpe(reference) → a plain-JSON model (calibrators, sampling-error components, alert thresholds);
// estimateCbpe(model, window) → per metric { estimate, lower, upper, realized?, alert }.
//
// What CBPE can and cannot see (NannyML's documented assumptions): it follows a drop in performance
// that shows in the probabilities (covariate shift that moves rows towards the decision boundary);
// it cannot see concept drift, where P(y | x) changes and the model stays confidently wrong.

import { compareLabels, type Label } from '@keel/ml'
import { needsCalibration } from './calibration.js'
import { CBPE_METRICS, estimateMetric, type CbpeMetric } from './cbpe-estimate.js'
import { fitIsotonic, predictIsotonic, type IsotonicFit } from './isotonic.js'
import { isMissing, toLabel, type MaybeLabel, type MetricLabel } from './labels.js'
import { classificationMetrics } from './metrics.js'
import {
  accuracyComponents,
  classComponents,
  SAMPLING_ERROR_RANGE,
  samplingError,
  type SamplingErrorComponents,
} from './sampling-error.js'

/** Rows of one window (or the reference): predicted class, class probabilities, and labels where known. */
export interface CbpeData {
  predictions: readonly MaybeLabel[]
  /** One row per prediction, one column per class in `classes` order. */
  probabilities: readonly (readonly number[])[]
  labels?: readonly MaybeLabel[]
}

export interface CbpeOptions {
  /** The classes, sorted ascending: the probability columns (e.g. the classifier's `classes`). */
  classes: readonly MetricLabel[]
  /** Two classes: 'binary' (default; metrics of `posLabel`, as NannyML) or 'macro'. More: always 'macro'. */
  average?: 'binary' | 'macro'
  /** The positive class of a binary model; default the greater class (`classes[1]`). */
  posLabel?: MetricLabel
  /** 'auto' (default: NannyML's needs_calibration test per class), 'isotonic' (always) or 'none'. */
  calibration?: 'auto' | 'isotonic' | 'none'
  /** The reference is cut into this many equal chunks for the alert thresholds (default 10, NannyML's). */
  referenceChunks?: number
  metrics?: readonly CbpeMetric[]
}

export interface CbpeThreshold {
  lower: number
  upper: number
  /** 'realized': the metric on labelled reference chunks (NannyML); 'estimated': CBPE's estimates there (no reference labels). */
  source: 'realized' | 'estimated'
}

/** A fitted CBPE: plain JSON, so a live monitor can keep it. */
export interface CbpeModel {
  format: 'keel-cbpe'
  formatVersion: 1
  classes: MetricLabel[]
  average: 'binary' | 'macro'
  /** Index of the positive class (average 'binary'). */
  positive?: number
  metrics: CbpeMetric[]
  calibration: {
    applied: boolean
    reason: string
    classes: { class: MetricLabel; calibrate: boolean; reason: string; fit?: IsotonicFit }[]
  }
  /** null when the reference has no labels (no band then). */
  samplingError: Partial<Record<CbpeMetric, SamplingErrorComponents>>
  thresholds: Partial<Record<CbpeMetric, CbpeThreshold>>
  reference: { rows: number; labelled: number; chunks: number }
}

export interface CbpeMetricResult {
  metric: CbpeMetric
  /** null when undefined for this window (no rows; ROC AUC with every probability 0 or 1). */
  estimate: number | null
  samplingError: number | null
  /** estimate ∓ 3·SE, clipped to [0, 1]; null without a sampling error. */
  lower: number | null
  upper: number | null
  /** The metric on the window's labelled rows, when there are any (null when undefined there). */
  realized?: number | null
  threshold: CbpeThreshold | null
  /** The estimate left the reference's band (mean ± 3 std of reference chunks). */
  alert: boolean
}

export interface CbpeWindowResult {
  rows: number
  /** Rows with a label (realized metrics use these). */
  labelled: number
  /** Rows without a prediction (skipped). */
  skipped: number
  results: CbpeMetricResult[]
}

interface Encoded {
  predicted: number[]
  scores: number[][]
  truth: number[]
  skipped: number
}

function encode(data: CbpeData, classes: readonly Label[], what: string): Encoded {
  const { predictions, probabilities, labels } = data
  if (!Array.isArray(predictions) || !Array.isArray(probabilities))
    throw new TypeError(`${what}: predictions and probabilities must be arrays`)
  if (probabilities.length !== predictions.length)
    throw new Error(`${what}: probabilities has ${probabilities.length} rows but predictions has ${predictions.length}`)
  if (labels !== undefined && (!Array.isArray(labels) || labels.length !== predictions.length)) {
    throw new Error(
      `${what}: labels has ${Array.isArray(labels) ? labels.length : 'no'} entries but predictions has ${predictions.length}`,
    )
  }
  const index = new Map(classes.map((c, i) => [c, i]))
  const classOf = (v: MetricLabel, name: string): number => {
    const k = index.get(toLabel(v, name))
    if (k === undefined)
      throw new Error(`${name} = ${JSON.stringify(v)} is not one of the classes ${JSON.stringify(classes)}`)
    return k
  }
  const out: Encoded = { predicted: [], scores: [], truth: [], skipped: 0 }
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i]
    if (isMissing(p)) {
      out.skipped++
      continue
    }
    const row = probabilities[i]
    if (!Array.isArray(row) || row.length !== classes.length) {
      throw new Error(
        `${what}: probabilities[${i}] has ${Array.isArray(row) ? row.length : 'no'} columns but there are ${classes.length} classes`,
      )
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1))
        throw new Error(`${what}: probabilities[${i}][${j}] is ${String(v)}; expected a probability in [0, 1]`)
    })
    out.predicted.push(classOf(p, `${what}: predictions[${i}]`))
    out.scores.push([...row])
    const t = labels?.[i]
    out.truth.push(isMissing(t) ? -1 : classOf(t, `${what}: labels[${i}]`))
  }
  return out
}

function checkClasses(opts: CbpeOptions): Label[] {
  if (!Array.isArray(opts.classes) || opts.classes.length < 2)
    throw new Error('classes must list at least two classes (the probability columns)')
  const classes = opts.classes.map((c, i) => toLabel(c, `classes[${i}]`))
  if (new Set(classes).size !== classes.length) throw new Error('classes must be distinct')
  if (classes.some((c, i) => i > 0 && compareLabels(classes[i - 1] as Label, c) > 0))
    throw new Error('classes must be sorted ascending (the order of the probability columns)')
  return classes
}

/** Calibrated probabilities: the positive column for a binary model (the other is its complement), else every column then rows renormalised (uniform when all are 0), as NannyML. */
function calibrate(model: CbpeModel, scores: readonly (readonly number[])[]): number[][] {
  const fits = model.calibration.classes.map((c) => c.fit)
  const k = model.classes.length
  if (k === 2) {
    const pos = model.positive ?? 1
    const fit = fits[pos]
    const p = scores.map((r) => r[pos] as number)
    const cal = fit ? predictIsotonic(fit, p) : p
    return cal.map((v) => (pos === 1 ? [1 - v, v] : [v, 1 - v]))
  }
  const cols = Array.from({ length: k }, (_, c) => {
    const col = scores.map((r) => r[c] as number)
    const fit = fits[c]
    return fit ? predictIsotonic(fit, col) : col
  })
  return scores.map((_, i) => {
    const row = cols.map((col) => col[i] as number)
    const s = row.reduce((a, b) => a + b, 0)
    return s === 0 ? row.map(() => 1 / k) : row.map((v) => v / s)
  })
}

/** Realized metrics on the labelled rows (null when none are labelled or a metric is undefined there). */
function realized(model: CbpeModel, enc: Encoded): Record<CbpeMetric, number | null> | null {
  const rows = enc.truth.flatMap((t, i) => (t >= 0 ? [i] : []))
  if (rows.length === 0) return null
  const r = classificationMetrics(
    rows.map((i) => enc.truth[i] as number),
    rows.map((i) => enc.predicted[i] as number),
    {
      classes: model.classes.map((_, c) => c),
      average: model.average,
      posLabel: model.positive ?? 1,
      ...(model.metrics.includes('roc_auc') ? { probabilities: rows.map((i) => enc.scores[i] as number[]) } : {}),
    },
  )
  return { accuracy: r.accuracy, precision: r.precision, recall: r.recall, f1: r.f1, roc_auc: r.rocAuc ?? null }
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null)

/** Calibrates on the reference, measures its sampling-error components and its alert thresholds. */
export function fitCbpe(reference: CbpeData, opts: CbpeOptions): CbpeModel {
  const classes = checkClasses(opts)
  const k = classes.length
  const average = k === 2 ? (opts.average ?? 'binary') : 'macro'
  if (opts.average !== undefined && opts.average !== 'binary' && opts.average !== 'macro')
    throw new Error(`average must be 'binary' or 'macro', got ${JSON.stringify(opts.average)}`)
  const positive =
    average === 'binary'
      ? opts.posLabel === undefined
        ? 1
        : classes.indexOf(toLabel(opts.posLabel, 'posLabel'))
      : undefined
  if (positive === -1)
    throw new Error(`posLabel ${JSON.stringify(opts.posLabel)} is not one of the classes ${JSON.stringify(classes)}`)
  const metrics = [...(opts.metrics ?? CBPE_METRICS)]
  for (const m of metrics)
    if (!CBPE_METRICS.includes(m))
      throw new Error(`unknown CBPE metric ${JSON.stringify(m)}; expected one of ${CBPE_METRICS.join(', ')}`)
  const mode = opts.calibration ?? 'auto'
  if (!['auto', 'isotonic', 'none'].includes(mode))
    throw new Error(`calibration must be 'auto', 'isotonic' or 'none', got ${JSON.stringify(mode)}`)
  const nChunks = opts.referenceChunks ?? 10
  if (!Number.isInteger(nChunks) || nChunks < 2)
    throw new Error(`referenceChunks must be an integer >= 2, got ${String(nChunks)}`)

  const enc = encode(reference, classes, 'reference')
  const rows = enc.predicted.length
  if (rows < nChunks)
    throw new Error(`the reference has ${rows} usable rows; at least referenceChunks (${nChunks}) are needed`)
  const lab = enc.truth.flatMap((t, i) => (t >= 0 ? [i] : []))
  const ref = {
    truth: lab.map((i) => enc.truth[i] as number),
    predicted: lab.map((i) => enc.predicted[i] as number),
    scores: lab.map((i) => enc.scores[i] as number[]),
  }

  const perClass: CbpeModel['calibration']['classes'] = classes.map((_class, j) => {
    const cls = opts.classes[j] as MetricLabel
    const skip = k === 2 && j !== (positive ?? 1)
    if (skip)
      return {
        class: cls,
        calibrate: false,
        reason: 'binary model: the other class is the complement of the positive one',
      }
    if (mode === 'none') return { class: cls, calibrate: false, reason: "calibration: 'none'" }
    if (lab.length === 0)
      return {
        class: cls,
        calibrate: false,
        reason: 'the reference has no labels: probabilities are used as the model gives them',
      }
    const truth = ref.truth.map((t) => (t === j ? 1 : 0))
    const scores = ref.scores.map((r) => r[j] as number)
    const decision =
      mode === 'isotonic' ? { calibrate: true, reason: "calibration: 'isotonic'" } : needsCalibration(truth, scores)
    return decision.calibrate
      ? { class: cls, calibrate: true, reason: decision.reason, fit: fitIsotonic(scores, truth) }
      : { class: cls, calibrate: false, reason: decision.reason }
  })
  const applied = perClass.some((c) => c.calibrate)
  const model: CbpeModel = {
    format: 'keel-cbpe',
    formatVersion: 1,
    classes: [...opts.classes],
    average,
    ...(positive !== undefined ? { positive } : {}),
    metrics,
    calibration: {
      applied,
      reason: applied
        ? 'isotonic calibration fitted on the labelled reference'
        : (perClass.find((c) => !c.reason.startsWith('binary'))?.reason ?? 'not calibrated'),
      classes: perClass,
    },
    samplingError: {},
    thresholds: {},
    reference: { rows, labelled: lab.length, chunks: nChunks },
  }

  if (lab.length > 0) {
    for (const m of metrics)
      model.samplingError[m] = m === 'accuracy' ? accuracyComponents(ref) : classComponents(m, ref, k, positive)
  }
  // Thresholds: mean ± 3 std (ddof 0) of the metric over reference chunks, clipped to [0, 1].
  const calibrated = calibrate(model, enc.scores)
  const bounds = Array.from({ length: nChunks + 1 }, (_, c) => Math.round((c * rows) / nChunks))
  const source = lab.length > 0 ? 'realized' : 'estimated'
  const chunks = Array.from({ length: nChunks }, (_, c) => {
    const [lo, hi] = [bounds[c] as number, bounds[c + 1] as number]
    const part: Encoded = {
      predicted: enc.predicted.slice(lo, hi),
      scores: enc.scores.slice(lo, hi),
      truth: enc.truth.slice(lo, hi),
      skipped: 0,
    }
    return {
      part,
      calibrated: calibrated.slice(lo, hi),
      realized: source === 'realized' ? realized(model, part) : null,
    }
  })
  for (const m of metrics) {
    const values: number[] = []
    for (const c of chunks) {
      const v =
        source === 'realized'
          ? (c.realized?.[m] ?? null)
          : finite(estimateMetric(m, c.calibrated, c.part.scores, c.part.predicted, k, positive))
      if (v !== null) values.push(v)
    }
    if (values.length < 2) continue
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length)
    model.thresholds[m] = { lower: Math.max(0, mean - 3 * std), upper: Math.min(1, mean + 3 * std), source }
  }
  return model
}

/** CBPE's estimate of each metric for one window, with its band, the realized value where labels exist, and the alert. */
export function estimateCbpe(model: CbpeModel, window: CbpeData): CbpeWindowResult {
  if (model?.format !== 'keel-cbpe' || model.formatVersion !== 1)
    throw new Error('model is not a fitted CBPE (fitCbpe) model')
  const classes = model.classes.map((c, i) => toLabel(c, `classes[${i}]`))
  const enc = encode(window, classes, 'window')
  const calibrated = calibrate(model, enc.scores)
  const n = enc.predicted.length
  const labelled = enc.truth.filter((t) => t >= 0).length
  const real = realized(model, enc)
  const results = model.metrics.map((metric): CbpeMetricResult => {
    const estimate = finite(
      estimateMetric(metric, calibrated, enc.scores, enc.predicted, classes.length, model.positive),
    )
    const comps = model.samplingError[metric]
    const se = comps && estimate !== null ? finite(samplingError(comps, n)) : null
    const threshold = model.thresholds[metric] ?? null
    const r: CbpeMetricResult = {
      metric,
      estimate,
      samplingError: se,
      lower: se === null || estimate === null ? null : Math.max(0, estimate - SAMPLING_ERROR_RANGE * se),
      upper: se === null || estimate === null ? null : Math.min(1, estimate + SAMPLING_ERROR_RANGE * se),
      threshold,
      alert: estimate !== null && threshold !== null && (estimate < threshold.lower || estimate > threshold.upper),
    }
    if (real !== null) r.realized = real[metric]
    return r
  })
  return { rows: n, labelled, skipped: enc.skipped, results }
}
