import { uniqueLabels } from '../estimators/labels.js'
import type { Label } from '../types.js'
import { checkLabelPair, checkProbaRows } from './check.js'

/** Fraction of exact matches (sklearn's accuracy_score). */
export function accuracy(yTrue: readonly Label[], yPred: readonly Label[]): number {
  checkLabelPair(yTrue, yPred)
  let hits = 0
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++
  return hits / yTrue.length
}

export interface ConfusionMatrixOptions {
  /** Rows and columns, in this order; rows of yTrue/yPred with other labels are ignored (as sklearn). */
  labels?: readonly Label[]
}

/**
 * sklearn's confusion_matrix: `matrix[i][j]` counts samples whose true label is `labels[i]` and
 * predicted label is `labels[j]`. Labels default to the sorted union of yTrue and yPred.
 */
export function confusionMatrix(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  opts: ConfusionMatrixOptions = {},
): { labels: Label[]; matrix: number[][] } {
  checkLabelPair(yTrue, yPred)
  const labels = opts.labels ? [...opts.labels] : uniqueLabels(yTrue, yPred)
  if (labels.length === 0) throw new Error('labels must hold at least one label')
  const index = new Map(labels.map((l, i) => [l, i]))
  if (index.size !== labels.length) throw new Error('labels must be distinct')
  if (!yTrue.some((v) => index.has(v))) throw new Error('at least one of the given labels must be in yTrue')
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0))
  for (let i = 0; i < yTrue.length; i++) {
    const r = index.get(yTrue[i] as Label)
    const c = index.get(yPred[i] as Label)
    if (r !== undefined && c !== undefined) (matrix[r] as number[])[c]! += 1
  }
  return { labels, matrix }
}

export type Average = 'macro' | 'weighted' | 'micro' | 'binary'

export interface AverageOptions {
  /**
   * How per-class scores are combined over the sorted union of labels in yTrue and yPred:
   * 'macro' (unweighted mean; the default here — sklearn's default is 'binary'), 'weighted'
   * (by support in yTrue), 'micro' (global counts), 'binary' (the `posLabel` class only;
   * refuses more than two labels, like sklearn).
   */
  average?: Average
  /** Positive class for average 'binary' (default 1, as sklearn). */
  posLabel?: Label
  /**
   * Value of a ratio whose denominator is 0 (a class never predicted has precision 0/0).
   * Default 0, which is sklearn's value for its default zero_division='warn' (without the warning).
   */
  zeroDivision?: 0 | 1
}

interface Scores {
  precision: number
  recall: number
  f1: number
}

/** sklearn's precision_recall_fscore_support with beta = 1, averaged. */
export function precisionRecallF1(yTrue: readonly Label[], yPred: readonly Label[], opts: AverageOptions = {}): Scores {
  checkLabelPair(yTrue, yPred)
  const average = opts.average ?? 'macro'
  if (!['macro', 'weighted', 'micro', 'binary'].includes(average)) {
    throw new Error(`average must be 'macro', 'weighted', 'micro' or 'binary', got ${JSON.stringify(average)}`)
  }
  const zd = opts.zeroDivision ?? 0
  const divide = (a: number, b: number): number => (b === 0 ? zd : a / b)
  let labels = uniqueLabels(yTrue, yPred)
  if (average === 'binary') {
    if (labels.length > 2) {
      throw new Error(
        `target is multiclass (${labels.length} labels) but average is 'binary'; choose 'macro', 'weighted' or 'micro'`,
      )
    }
    const pos = opts.posLabel ?? 1
    if (!labels.includes(pos) && labels.length >= 2) {
      throw new Error(
        `posLabel=${JSON.stringify(pos)} is not a valid label: it should be one of ${JSON.stringify(labels)}`,
      )
    }
    labels = [pos]
  }
  const index = new Map(labels.map((l, i) => [l, i]))
  const tp = new Array<number>(labels.length).fill(0)
  const predicted = new Array<number>(labels.length).fill(0)
  const support = new Array<number>(labels.length).fill(0)
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i] as Label)
    const p = index.get(yPred[i] as Label)
    if (t !== undefined) support[t]! += 1
    if (p !== undefined) predicted[p]! += 1
    if (t !== undefined && t === p) tp[t]! += 1
  }
  if (average === 'micro') {
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0)
    const TP = sum(tp)
    const P = sum(predicted)
    const S = sum(support)
    return { precision: divide(TP, P), recall: divide(TP, S), f1: divide(2 * TP, P + S) }
  }
  const precision = tp.map((v, i) => divide(v, predicted[i] as number))
  const recall = tp.map((v, i) => divide(v, support[i] as number))
  // F1 = 2tp / (2tp + fp + fn) = 2tp / (predicted + support), as sklearn >= 1.3 computes it.
  const f1 = tp.map((v, i) => divide(2 * v, (predicted[i] as number) + (support[i] as number)))
  if (average === 'weighted') {
    const total = support.reduce((a, b) => a + b, 0)
    const w = (a: number[]): number =>
      total === 0 ? zd : a.reduce((s, v, i) => s + v * (support[i] as number), 0) / total
    return { precision: w(precision), recall: w(recall), f1: w(f1) }
  }
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length
  return { precision: mean(precision), recall: mean(recall), f1: mean(f1) }
}

/** Precision tp / (tp + fp), sklearn's precision_score (see AverageOptions). */
export function precision(yTrue: readonly Label[], yPred: readonly Label[], opts: AverageOptions = {}): number {
  return precisionRecallF1(yTrue, yPred, opts).precision
}

/** Recall tp / (tp + fn), sklearn's recall_score (see AverageOptions). */
export function recall(yTrue: readonly Label[], yPred: readonly Label[], opts: AverageOptions = {}): number {
  return precisionRecallF1(yTrue, yPred, opts).recall
}

/** F1 = 2tp / (2tp + fp + fn), sklearn's f1_score (see AverageOptions). */
export function f1(yTrue: readonly Label[], yPred: readonly Label[], opts: AverageOptions = {}): number {
  return precisionRecallF1(yTrue, yPred, opts).f1
}

export interface LogLossOptions {
  /**
   * The classes of the probability columns. They are sorted ascending, as sklearn's `labels`
   * (columns follow sorted order). Default: the distinct labels of yTrue (at least two needed).
   */
  classes?: readonly Label[]
  /** Probabilities are clipped to [eps, 1 - eps]; default Number.EPSILON (sklearn: float64 eps). */
  eps?: number
}

/**
 * Cross-entropy, sklearn's log_loss: mean of -ln(clip(p[true class])). `proba` is one row per
 * sample with a column per class, or (two classes) the positive class's probability per sample.
 * Rows are not renormalised (sklearn >= 1.5 only warns when they do not sum to 1; keel does not warn).
 */
export function logLoss(
  yTrue: readonly Label[],
  proba: readonly (readonly number[])[] | readonly number[],
  opts: LogLossOptions = {},
): number {
  if (!Array.isArray(yTrue) || yTrue.length === 0) throw new Error('yTrue must be a non-empty array')
  checkLabelPair(yTrue, yTrue)
  const rows: (readonly number[])[] =
    typeof proba[0] === 'number'
      ? (proba as readonly number[]).map((p) => [1 - p, p])
      : (proba as readonly (readonly number[])[]).map((r) =>
          r.length === 1 ? [1 - (r[0] as number), r[0] as number] : r,
        )
  const width = checkProbaRows(rows, yTrue.length)
  for (const row of rows) {
    for (const v of row) {
      if (v > 1) throw new Error(`proba contains values greater than 1: ${v}`)
      if (v < 0) throw new Error(`proba contains values lower than 0: ${v}`)
    }
  }
  const classes = uniqueLabels(opts.classes ?? yTrue)
  if (classes.length < 2) {
    throw new Error(
      `${opts.classes ? 'classes' : 'yTrue'} holds a single label (${JSON.stringify(classes[0])}); pass all classes with the 'classes' option`,
    )
  }
  if (classes.length !== width) {
    throw new Error(`proba has ${width} columns but there are ${classes.length} classes (${JSON.stringify(classes)})`)
  }
  const index = new Map(classes.map((c, i) => [c, i]))
  const eps = opts.eps ?? Number.EPSILON
  let total = 0
  for (let i = 0; i < yTrue.length; i++) {
    const c = index.get(yTrue[i] as Label)
    if (c === undefined)
      throw new Error(`yTrue[${i}] = ${JSON.stringify(yTrue[i])} is not one of the classes ${JSON.stringify(classes)}`)
    const p = Math.min(Math.max((rows[i] as readonly number[])[c] as number, eps), 1 - eps)
    total -= Math.log(p)
  }
  return total / yTrue.length
}
