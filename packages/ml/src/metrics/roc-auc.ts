import { compareLabels, uniqueLabels } from '../estimators/labels.js'
import type { Label } from '../types.js'
import { checkLabelPair, checkProbaRows } from './check.js'

export interface RocAucOptions {
  /**
   * The classes of the probability columns, sorted ascending (sklearn's `labels`, which must be
   * ordered). Default: the distinct labels of yTrue.
   */
  classes?: readonly Label[]
  /** Multiclass only: 'macro' (default) or 'weighted' by prevalence in yTrue. */
  average?: 'macro' | 'weighted'
}

/**
 * Area under the ROC curve of `scores` for `positive` (true = positive); ties in scores count
 * half, exactly as the trapezoidal area of sklearn's roc_curve. NaN if one class is absent.
 */
export function binaryRocAuc(positive: readonly boolean[], scores: readonly number[]): number {
  const n = scores.length
  let nPos = 0
  for (const p of positive) if (p) nPos++
  const nNeg = n - nPos
  if (nPos === 0 || nNeg === 0) return Number.NaN
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  // Mann–Whitney U with mid-ranks for ties.
  let rankSumPos = 0
  for (let i = 0; i < n; ) {
    let j = i
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++
    const midRank = (i + j) / 2 + 1
    for (let t = i; t <= j; t++) if (positive[order[t] as number]) rankSumPos += midRank
    i = j + 1
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg)
}

/**
 * sklearn's roc_auc_score.
 * - Binary (yTrue has at most two labels): `proba` is the positive class's score per sample, or
 *   two columns (the second is used). The positive class is the greater label (or `classes[1]`).
 * - Multiclass: one column per class (in `classes` order); one-vs-rest (multi_class='ovr'),
 *   averaged 'macro' or 'weighted'. Rows must sum to 1, as sklearn requires.
 * Returns NaN, as sklearn does (with a warning there), when yTrue holds a single class or, in
 * multiclass, when one of `classes` never occurs in yTrue.
 */
export function rocAuc(
  yTrue: readonly Label[],
  proba: readonly (readonly number[])[] | readonly number[],
  opts: RocAucOptions = {},
): number {
  checkLabelPair(yTrue, yTrue)
  if (!Array.isArray(proba) || proba.length !== yTrue.length) {
    throw new Error(
      `proba has ${Array.isArray(proba) ? proba.length : 'no'} rows but yTrue has ${yTrue.length} entries`,
    )
  }
  if (opts.classes) {
    const sorted = uniqueLabels(opts.classes)
    if (sorted.length !== opts.classes.length) throw new Error('classes must be unique')
    if (sorted.some((c, i) => compareLabels(c, opts.classes?.[i] as Label) !== 0))
      throw new Error('classes must be sorted ascending')
  }
  const classes = opts.classes ? [...opts.classes] : uniqueLabels(yTrue)
  const known = new Set(classes)
  yTrue.forEach((v, i) => {
    if (!known.has(v))
      throw new Error(`yTrue[${i}] = ${JSON.stringify(v)} is not one of the classes ${JSON.stringify(classes)}`)
  })

  if (typeof proba[0] === 'number') {
    const scores = proba as readonly number[]
    scores.forEach((v, i) => {
      if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`proba[${i}] is ${String(v)}; expected a number`)
    })
    if (classes.length > 2)
      throw new Error(`yTrue has ${classes.length} classes; multiclass ROC AUC needs one probability column per class`)
    const pos = classes[classes.length - 1] as Label
    return classes.length < 2
      ? Number.NaN
      : binaryRocAuc(
          yTrue.map((v) => v === pos),
          scores,
        )
  }

  const rows = proba as readonly (readonly number[])[]
  const width = checkProbaRows(rows, yTrue.length)
  if (width === 2 && classes.length <= 2) {
    const pos = classes[1]
    return pos === undefined
      ? Number.NaN
      : binaryRocAuc(
          yTrue.map((v) => v === pos),
          rows.map((r) => r[1] as number),
        )
  }
  if (width !== classes.length) {
    throw new Error(
      `proba has ${width} columns but there are ${classes.length} classes (${JSON.stringify(classes)}); pass 'classes' for the columns`,
    )
  }
  rows.forEach((row, i) => {
    const s = row.reduce((a, b) => a + b, 0)
    if (!(Math.abs(1 - s) <= 1e-8 + 1e-5 * Math.abs(s))) {
      throw new Error(`proba row ${i} sums to ${s}; multiclass ROC AUC needs probabilities that sum to 1 over classes`)
    }
  })
  const average = opts.average ?? 'macro'
  if (average !== 'macro' && average !== 'weighted')
    throw new Error(`average must be 'macro' or 'weighted', got ${JSON.stringify(average)}`)
  let num = 0
  let den = 0
  classes.forEach((c, k) => {
    const positive = yTrue.map((v) => v === c)
    const auc = binaryRocAuc(
      positive,
      rows.map((r) => r[k] as number),
    )
    const w = average === 'macro' ? 1 : positive.filter(Boolean).length
    num += auc * w
    den += w
  })
  return num / den
}
