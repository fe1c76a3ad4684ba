// NannyML's sampling error of a performance metric (nannyml/sampling_error/*_classification.py):
// the metric written as a mean over "relevant" observations, the variance of those observations
// measured once on the labelled reference, and for a window of n rows
//     SE = sqrt( Σ_c var_c / (n · fraction_c) ) / K · factor
// where fraction_c is the share of rows that are relevant for class c. Binary metrics of the positive
// class have K = 1 (NannyML: std / sqrt(n · fraction)); macro metrics average K one-vs-rest classes
// (NannyML's multiclass formula, factor 1.2 for ROC AUC); accuracy uses every row (fraction 1).
// The band is estimate ± 3·SE (NannyML's SAMPLING_ERROR_RANGE), clipped to [0, 1].

/** Per-class variance and relevant-row share, measured on the labelled reference. */
export interface SamplingErrorComponents {
  classes: { variance: number; fraction: number }[]
  factor: number
}

export const SAMPLING_ERROR_RANGE = 3

function variance(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const m = values.reduce((a, b) => a + b, 0) / values.length
  return values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length
}

/** Sampling error for a window of n rows; NaN when a component is undefined (e.g. a class never predicted in the reference). */
export function samplingError(c: SamplingErrorComponents, n: number): number {
  if (n <= 0) return Number.NaN
  let sum = 0
  for (const { variance: v, fraction: f } of c.classes) sum += v / (n * f)
  return (Math.sqrt(sum) / c.classes.length) * c.factor
}

/** Inputs: class indices of labels and predictions, uncalibrated scores per class (labelled reference rows). */
export interface ReferenceRows {
  truth: readonly number[]
  predicted: readonly number[]
  scores: readonly (readonly number[])[]
}

export function accuracyComponents(r: ReferenceRows): SamplingErrorComponents {
  return {
    classes: [{ variance: variance(r.truth.map((t, i) => (t === r.predicted[i] ? 1 : 0))), fraction: 1 }],
    factor: 1,
  }
}

type ClassComponent = (r: ReferenceRows, c: number, corrected: boolean) => { variance: number; fraction: number }

const precisionOf: ClassComponent = (r, c) => {
  const obs = r.predicted.flatMap((p, i) => (p === c ? [r.truth[i] === c ? 1 : 0] : []))
  return { variance: variance(obs), fraction: obs.length / r.truth.length }
}

const recallOf: ClassComponent = (r, c) => {
  const obs = r.truth.flatMap((t, i) => (t === c ? [r.predicted[i] === c ? 1 : 0] : []))
  return { variance: variance(obs), fraction: obs.length / r.truth.length }
}

/** F1 as a mean over TP (1), FP and FN (0) rows; NannyML's binary version rescales by len / (TP + (FP+FN)/2). */
const f1Of: ClassComponent = (r, c, corrected) => {
  let tp = 0
  let other = 0
  r.truth.forEach((t, i) => {
    const p = r.predicted[i]
    if (t === c && p === c) tp++
    else if (t === c || p === c) other++
  })
  const len = tp + other
  const k = corrected ? len / (tp + 0.5 * other) : 1
  const obs = [...new Array<number>(tp).fill(k), ...new Array<number>(other).fill(0)]
  return { variance: variance(obs), fraction: len / r.truth.length }
}

/**
 * ROC AUC as a Mann–Whitney mean over positives (the minority side: NannyML flips the classes when
 * positives are more than half): for each positive, the share of negatives scored below it.
 * NannyML's code drops a positive that holds the very lowest score (np.unique(...)[1:]); keel counts it.
 */
const aucOf: ClassComponent = (r, c) => {
  let truth: number[] = r.truth.map((t) => (t === c ? 1 : 0))
  let scores = r.scores.map((row) => row[c] as number)
  if (truth.reduce((a, b) => a + b, 0) / truth.length > 0.5) {
    truth = truth.map((t) => 1 - t)
    scores = scores.map((s) => 1 - s)
  }
  const order = Array.from(scores, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  const nPos = truth.reduce((a, b) => a + b, 0)
  const nNeg = truth.length - nPos
  const obs: number[] = []
  let negativesBelow = 0
  for (const i of order) {
    if (truth[i] === 1) obs.push(negativesBelow / nNeg)
    else negativesBelow++
  }
  return { variance: variance(obs), fraction: nPos / truth.length }
}

const OF: Record<'precision' | 'recall' | 'f1' | 'roc_auc', ClassComponent> = {
  precision: precisionOf,
  recall: recallOf,
  f1: f1Of,
  roc_auc: aucOf,
}

/**
 * Components of a class-wise metric: of the positive class only (`positive` given: NannyML's binary
 * formulas), or of every class for a macro average (NannyML's multiclass formulas).
 */
export function classComponents(
  metric: 'precision' | 'recall' | 'f1' | 'roc_auc',
  r: ReferenceRows,
  k: number,
  positive?: number,
): SamplingErrorComponents {
  const of = OF[metric]
  if (positive !== undefined) return { classes: [of(r, positive, true)], factor: 1 }
  return { classes: Array.from({ length: k }, (_, c) => of(r, c, false)), factor: metric === 'roc_auc' ? 1.2 : 1 }
}
