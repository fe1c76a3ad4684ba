// CBPE on synthetic streams where the truth is known: labels drawn (seeded) from the probabilities,
// so the model is calibrated by construction. The war story: a fraud model at ~0.96 accuracy falls to
// ~0.6 "while still returning predictions". CBPE sees that drop without labels when the probabilities
// lose confidence (covariate shift); it cannot see concept drift (confidently wrong), which only the
// realized metric on posted labels shows.

import { beforeAll, describe, expect, it } from 'vitest'
import { estimateCbpe, estimateRocAuc, fitCbpe, type CbpeMetricResult, type CbpeWindowResult } from '../src/index.js'
import { close, rng, runPython } from './support/python-oracle.js'

const g = rng(6_0003)
const W = 2000 // rows per window

interface Stream {
  predictions: number[]
  probabilities: number[][]
  labels: number[]
}

/** Fraud-like scores: confident (near 0 or 1), or unsure (near 0.5) after a shift; labels ~ Bernoulli(p), or 1 − p (concept drift). */
function stream(n: number, kind: 'stable' | 'unsure' | 'flipped'): Stream {
  const s: Stream = { predictions: [], probabilities: [], labels: [] }
  for (let i = 0; i < n; i++) {
    const fraud = g.uniform() < 0.3
    let p = fraud ? 0.9 + 0.1 * g.uniform() : 0.1 * g.uniform()
    if (kind === 'unsure') p = 0.3 + 0.4 * g.uniform() // E[max(p, 1 − p)] = 0.6
    const truthP = kind === 'flipped' && g.uniform() < 0.4 ? 1 - p : p
    s.predictions.push(p > 0.5 ? 1 : 0)
    s.probabilities.push([1 - p, p])
    s.labels.push(g.uniform() < truthP ? 1 : 0)
  }
  return s
}

const get = (r: CbpeWindowResult, m: string): CbpeMetricResult => r.results.find((x) => x.metric === m)!

describe('CBPE, binary: the fraud model of the war story', () => {
  const reference = stream(5000, 'stable')
  const model = fitCbpe(reference, { classes: [0, 1] })
  const stable = [0, 1, 2, 3].map(() => stream(W, 'stable'))
  const unsure = [0, 1].map(() => stream(W, 'unsure'))
  const flipped = stream(W, 'flipped')
  // Labels are not given to the estimator; realized values come from a second, labelled call.
  const blind = (s: Stream) => estimateCbpe(model, { predictions: s.predictions, probabilities: s.probabilities })
  const withLabels = (s: Stream) => estimateCbpe(model, s)

  it('fits on the labelled reference: thresholds from realized reference chunks, sampling-error components', () => {
    expect(model.reference).toEqual({ rows: 5000, labelled: 5000, chunks: 10 })
    expect(model.average).toBe('binary')
    for (const m of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const) {
      expect(model.thresholds[m]?.source).toBe('realized')
      expect(model.samplingError[m]).toBeDefined()
    }
    expect(model.thresholds.accuracy!.lower).toBeGreaterThan(0.9)
    expect(JSON.parse(JSON.stringify(model))).toEqual(model)
  })

  it('stable windows: the estimate is near 0.96, inside the reference band (no alert), and the realized value is inside its confidence band', () => {
    for (const s of stable) {
      const est = blind(s)
      const real = withLabels(s)
      for (const m of ['accuracy', 'f1'] as const) {
        const e = get(est, m)
        const r = get(real, m)
        expect(e.realized).toBeUndefined()
        expect(e.estimate).toBe(r.estimate) // labels do not change the estimate
        expect(e.alert).toBe(false)
        expect(r.realized!).toBeGreaterThanOrEqual(e.lower!)
        expect(r.realized!).toBeLessThanOrEqual(e.upper!)
      }
      expect(get(est, 'accuracy').estimate!).toBeGreaterThan(0.94)
    }
  })

  it('covariate shift (unsure probabilities): realized accuracy falls to ~0.6 and CBPE sees it without labels, with an alert', () => {
    for (const s of unsure) {
      const est = blind(s)
      const real = withLabels(s)
      const acc = get(est, 'accuracy')
      const realized = get(real, 'accuracy').realized!
      expect(realized).toBeGreaterThan(0.55)
      expect(realized).toBeLessThan(0.65)
      expect(acc.alert).toBe(true)
      expect(get(est, 'f1').alert).toBe(true)
      // The estimate tracks the realized value to within 3 binomial standard errors of the window
      // (sqrt(0.6·0.4/2000) ≈ 0.011). NannyML's band is narrower here: its SE is the reference's
      // (accuracy 0.96), measured below.
      expect(Math.abs(acc.estimate! - realized)).toBeLessThan(3 * Math.sqrt((0.6 * 0.4) / W))
      expect(Math.abs(get(est, 'f1').estimate! - get(real, 'f1').realized!)).toBeLessThan(0.05)
    }
  })

  it('concept drift (confidently wrong): the realized accuracy falls and alerts on thresholds, CBPE cannot see it', () => {
    const est = blind(flipped)
    const real = withLabels(flipped)
    const acc = get(real, 'accuracy')
    expect(acc.realized!).toBeLessThan(0.65)
    expect(acc.realized!).toBeLessThan(acc.threshold!.lower) // the labels, once posted, show the drop
    expect(get(est, 'accuracy').estimate!).toBeGreaterThan(0.94) // CBPE still says ~0.96
    expect(get(est, 'accuracy').alert).toBe(false)
  })

  it('ROC AUC is estimated too, and without reference labels the fit says so and uses estimated thresholds', () => {
    const s = stable[0]!
    const auc = get(withLabels(s), 'roc_auc')
    expect(Math.abs(auc.estimate! - auc.realized!)).toBeLessThan(0.01)
    const unlabelled = fitCbpe(
      { predictions: reference.predictions, probabilities: reference.probabilities },
      { classes: [0, 1] },
    )
    expect(unlabelled.calibration.applied).toBe(false)
    expect(unlabelled.calibration.reason).toMatch(/no labels/)
    expect(unlabelled.thresholds.accuracy?.source).toBe('estimated')
    const r = estimateCbpe(unlabelled, { predictions: unsure[0]!.predictions, probabilities: unsure[0]!.probabilities })
    expect(get(r, 'accuracy')).toMatchObject({ alert: true, samplingError: null, lower: null, upper: null })
  })
})

describe('CBPE calibration and multiclass', () => {
  // Three classes; the model's scores are sharpened (over-confident) versions of the true probabilities.
  function multi(n: number, concentration: number): Stream {
    const s: Stream = { predictions: [], probabilities: [], labels: [] }
    for (let i = 0; i < n; i++) {
      const w = [0, 1, 2].map(() => g.uniform() ** concentration)
      const sum = w[0]! + w[1]! + w[2]!
      const truth = w.map((v) => v / sum)
      const sharp = truth.map((v) => v * v)
      const ss = sharp[0]! + sharp[1]! + sharp[2]!
      const scores = sharp.map((v) => v / ss)
      s.probabilities.push(scores)
      s.predictions.push(scores.indexOf(Math.max(...scores)))
      s.labels.push(g.pick(1, [0, 1, 2], truth)[0]!)
    }
    return s
  }
  const reference = multi(6000, 3)
  const windows = [multi(W, 3), multi(W, 0.7)]

  it('isotonic calibration per class corrects over-confident scores; without it the estimate is off', () => {
    const calibrated = fitCbpe(reference, { classes: [0, 1, 2] })
    const raw = fitCbpe(reference, { classes: [0, 1, 2], calibration: 'none' })
    expect(calibrated.average).toBe('macro')
    expect(calibrated.calibration.applied).toBe(true)
    expect(calibrated.calibration.classes.every((c) => c.calibrate)).toBe(true)
    for (const s of windows) {
      const good = estimateCbpe(calibrated, s)
      const bad = estimateCbpe(raw, s)
      for (const m of ['accuracy', 'f1'] as const) {
        const r = get(good, m)
        expect(Math.abs(r.estimate! - r.realized!)).toBeLessThan(0.03)
      }
      expect(get(bad, 'accuracy').estimate! - get(bad, 'accuracy').realized!).toBeGreaterThan(0.05)
    }
  })
})

describe('estimateRocAuc against scikit-learn', () => {
  // With 0/1 "calibrated probabilities" (the truth itself) the estimate is the ROC AUC of the scores.
  const truth = Array.from({ length: 600 }, () => (g.uniform() < 0.35 ? 1 : 0))
  const scores = truth.map((t) => Math.round((t * 0.8 + g.uniform()) * 20) / 20) // many ties
  let sk: number
  beforeAll(async () => {
    sk = await runPython<number>(
      'from sklearn.metrics import roc_auc_score\nd = read()\nwrite(roc_auc_score(d["t"], d["s"]))',
      { t: truth, s: scores },
    )
  }, 60_000)

  it('equals roc_auc_score, ties included', () => {
    expect(close(estimateRocAuc(truth, scores), sk, 1e-9)).toBe(true)
  })
})

describe('CBPE input errors name the problem', () => {
  const ok = {
    predictions: [0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1],
    probabilities: Array.from({ length: 12 }, (_, i) => [i % 2 ? 0.2 : 0.7, i % 2 ? 0.8 : 0.3]),
  }
  it('refuses bad classes, shapes and values', () => {
    expect(() => fitCbpe(ok, { classes: [1] })).toThrow(/at least two classes/)
    expect(() => fitCbpe(ok, { classes: [1, 0] })).toThrow(/sorted ascending/)
    expect(() => fitCbpe(ok, { classes: [0, 1], referenceChunks: 20 })).toThrow(/12 usable rows/)
    expect(() => fitCbpe({ ...ok, probabilities: ok.probabilities.slice(1) }, { classes: [0, 1] })).toThrow(
      /11 rows but predictions has 12/,
    )
    expect(() => fitCbpe({ ...ok, predictions: [...ok.predictions.slice(1), 7] }, { classes: [0, 1] })).toThrow(
      /predictions\[11\] = 7 is not one of the classes/,
    )
    const model = fitCbpe(ok, { classes: [0, 1], referenceChunks: 2 })
    expect(() => estimateCbpe(model, { predictions: [1], probabilities: [[0.5, Number.NaN]] })).toThrow(
      /probabilities\[0\]\[1\] is NaN/,
    )
    expect(() => estimateCbpe({} as never, ok)).toThrow(/not a fitted CBPE/)
    const empty = estimateCbpe(model, { predictions: [], probabilities: [] })
    expect(empty.rows).toBe(0)
    expect(empty.results.every((r) => r.estimate === null && r.alert === false)).toBe(true)
  })
})
