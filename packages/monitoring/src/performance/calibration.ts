// Whether a class's scores benefit from isotonic calibration: NannyML's `needs_calibration`
// (nannyml/calibration.py). No calibration for a single class or a reference ROC AUC above 0.999;
// otherwise 10 stratified shuffle splits with 10% held out, an isotonic calibrator fitted on each
// training part, and the Expected Calibration Error (10 equal-count bins) of all held-out scores
// compared before and after: calibrate when it goes down.
//
// The splits use keel's seeded generator (seed 42), not numpy's, so on a borderline reference the
// decision can differ from NannyML's; the calibrator itself is the same.

import { createRng, rocAuc } from '@keel/ml'
import { fitIsotonic, predictIsotonic } from './isotonic.js'

/** NannyML's _get_bin_index_edges: `bins` equal-count bins over n sorted values (fewer when n <= 2·bins). */
function binEdges(n: number, bins: number): [number, number][] {
  let count = bins
  if (n <= 2 * bins) {
    count = Math.floor(n / 2)
    if (count < 2) throw new Error(`cannot split ${n} values into at least 2 bins`)
  }
  const width = Math.floor(n / count)
  const edges: number[] = []
  for (let e = 0; e <= n; e += width) edges.push(e)
  edges[edges.length - 1] = n
  const out: [number, number][] = []
  for (let i = 0; i + 1 < edges.length; i++) out.push([edges[i] as number, edges[i + 1] as number])
  return out
}

/** Expected Calibration Error over equal-count bins of the scores sorted ascending. */
export function expectedCalibrationError(truth: readonly number[], scores: readonly number[], bins = 10): number {
  const n = scores.length
  const order = Array.from(scores, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  let ece = 0
  for (const [lo, hi] of binEdges(n, bins)) {
    let p = 0
    let t = 0
    for (let k = lo; k < hi; k++) {
      p += scores[order[k] as number] as number
      t += truth[order[k] as number] as number
    }
    const m = hi - lo
    ece += (m / n) * Math.abs(p / m - t / m)
  }
  return ece
}

/** Stratified shuffle split: for each class, a seeded shuffle, ~10% of its rows held out. */
function stratifiedSplits(
  truth: readonly number[],
  splits: number,
  testShare: number,
  seed: number,
): { train: number[]; test: number[] }[] {
  const rng = createRng(seed)
  const byClass = [0, 1].map((c) => truth.flatMap((t, i) => (t === c ? [i] : [])))
  const out: { train: number[]; test: number[] }[] = []
  for (let s = 0; s < splits; s++) {
    const train: number[] = []
    const test: number[] = []
    for (const rows of byClass) {
      const a = [...rows]
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1))
        ;[a[i], a[j]] = [a[j] as number, a[i] as number]
      }
      const nTest = Math.max(1, Math.round(a.length * testShare))
      test.push(...a.slice(0, nTest))
      train.push(...a.slice(nTest))
    }
    out.push({ train, test })
  }
  return out
}

export interface CalibrationDecision {
  calibrate: boolean
  /** Why, in words (for the result a user reads). */
  reason: string
  eceBefore?: number
  eceAfter?: number
}

/** NannyML's needs_calibration for one class: `truth` is 1 where the label is the class, else 0. */
export function needsCalibration(truth: readonly number[], scores: readonly number[]): CalibrationDecision {
  const positives = truth.reduce((a, b) => a + b, 0)
  if (positives === 0 || positives === truth.length)
    return { calibrate: false, reason: 'the reference labels hold a single class' }
  const auc = rocAuc(truth, scores, { classes: [0, 1] })
  if (auc > 0.999) return { calibrate: false, reason: `the reference ROC AUC is ${auc.toFixed(4)} (> 0.999)` }
  if (truth.length < 40)
    return { calibrate: false, reason: `too few labelled reference rows (${truth.length}) to test calibration` }
  const heldTruth: number[] = []
  const before: number[] = []
  const after: number[] = []
  for (const { train, test } of stratifiedSplits(truth, 10, 0.1, 42)) {
    const fit = fitIsotonic(
      train.map((i) => scores[i] as number),
      train.map((i) => truth[i] as number),
    )
    const testScores = test.map((i) => scores[i] as number)
    heldTruth.push(...test.map((i) => truth[i] as number))
    before.push(...testScores)
    after.push(...predictIsotonic(fit, testScores))
  }
  const eceBefore = expectedCalibrationError(heldTruth, before)
  const eceAfter = expectedCalibrationError(heldTruth, after)
  const calibrate = eceBefore > eceAfter
  return {
    calibrate,
    reason: calibrate
      ? 'isotonic calibration lowers the expected calibration error on held-out reference rows'
      : 'isotonic calibration does not lower the expected calibration error on held-out reference rows',
    eceBefore,
    eceAfter,
  }
}
