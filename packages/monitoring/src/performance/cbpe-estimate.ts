// CBPE's estimates from calibrated probabilities (NannyML's confidence_based/metrics.py). For class c
// (one-vs-rest), with calibrated probability p_i = P(y_i = c) and predicted class ŷ_i, the expected
// confusion matrix is
//   E[TP] = Σ_{ŷ=c} p_i    E[FP] = Σ_{ŷ=c} (1 − p_i)    E[FN] = Σ_{ŷ≠c} p_i    E[TN] = Σ_{ŷ≠c} (1 − p_i)
// and precision, recall and F1 follow from it as from a counted confusion matrix. Accuracy is the
// mean calibrated probability of the predicted class. ROC AUC: rows ordered by the model's own
// (uncalibrated) score, the calibrated probabilities accumulated as expected true positives.

export type CbpeMetric = 'accuracy' | 'precision' | 'recall' | 'f1' | 'roc_auc'
export const CBPE_METRICS: readonly CbpeMetric[] = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc']

/** Expected confusion-matrix counts of one class. */
export interface ExpectedConfusion {
  tp: number
  fp: number
  fn: number
  tn: number
}

/** E[TP], E[FP], E[FN], E[TN] of class c from calibrated probabilities and predicted class indices. */
export function expectedConfusion(
  calibrated: readonly (readonly number[])[],
  predicted: readonly number[],
  c: number,
): ExpectedConfusion {
  const e: ExpectedConfusion = { tp: 0, fp: 0, fn: 0, tn: 0 }
  for (let i = 0; i < predicted.length; i++) {
    const p = (calibrated[i] as readonly number[])[c] as number
    if (predicted[i] === c) {
      e.tp += p
      e.fp += 1 - p
    } else {
      e.fn += p
      e.tn += 1 - p
    }
  }
  return e
}

// A class never predicted has precision 0/0: 0, like the realized metric (scikit-learn's zero_division).
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b)

function classMetric(metric: 'precision' | 'recall' | 'f1', e: ExpectedConfusion): number {
  if (metric === 'precision') return ratio(e.tp, e.tp + e.fp)
  if (metric === 'recall') return ratio(e.tp, e.tp + e.fn)
  return ratio(e.tp, e.tp + 0.5 * (e.fp + e.fn))
}

const round5 = (v: number): number => Math.round(v * 1e5) / 1e5

/**
 * NannyML's estimate_roc_auc: rows by descending model score, cumulative calibrated probability as
 * expected true positives, its complement as expected false positives (rounded to 5 decimals, as
 * NannyML), the trapezoidal area under (FPR, TPR). Rows with equal scores form one ROC point, as
 * scikit-learn's roc_curve (NannyML's argsort leaves their order, and so the area, to chance).
 * NaN when every calibrated probability is 0 or every one is 1.
 */
export function estimateRocAuc(calibrated: readonly number[], scores: readonly number[]): number {
  const order = Array.from(scores, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number))
  const tps = [0]
  const fps = [0]
  let tp = 0
  let count = 0
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number
    tp += calibrated[i] as number
    count++
    const next = order[k + 1]
    if (next === undefined || scores[next] !== scores[i]) {
      tps.push(round5(tp))
      fps.push(round5(count - tp))
    }
  }
  const tpTotal = tps[tps.length - 1] as number
  const fpTotal = fps[fps.length - 1] as number
  if (tpTotal <= 0 || fpTotal <= 0) return Number.NaN
  let area = 0
  for (let k = 1; k < tps.length; k++) {
    area +=
      (((fps[k] as number) - (fps[k - 1] as number)) / fpTotal) *
      (((tps[k] as number) + (tps[k - 1] as number)) / (2 * tpTotal))
  }
  return area
}

/**
 * One estimated metric for a window: of class `positive` (binary), or the macro mean over all classes.
 * `calibrated` and `scores` are rows with a column per class.
 */
export function estimateMetric(
  metric: CbpeMetric,
  calibrated: readonly (readonly number[])[],
  scores: readonly (readonly number[])[],
  predicted: readonly number[],
  k: number,
  positive?: number,
): number {
  const n = predicted.length
  if (n === 0) return Number.NaN
  if (metric === 'accuracy') {
    let s = 0
    for (let i = 0; i < n; i++) s += (calibrated[i] as readonly number[])[predicted[i] as number] as number
    return s / n
  }
  const classes = positive === undefined ? Array.from({ length: k }, (_, c) => c) : [positive]
  let sum = 0
  for (const c of classes) {
    sum +=
      metric === 'roc_auc'
        ? estimateRocAuc(
            calibrated.map((r) => r[c] as number),
            scores.map((r) => r[c] as number),
          )
        : classMetric(metric, expectedConfusion(calibrated, predicted, c))
  }
  return sum / classes.length
}
