// Realized performance metrics and the isotonic calibrator against scikit-learn (the repo's venv).

import { beforeAll, describe, expect, it } from 'vitest'
import {
  classificationMetrics,
  fitIsotonic,
  predictIsotonic,
  regressionMetrics,
  type MaybeLabel,
} from '../src/index.js'
import { close, rng, runPython } from './support/python-oracle.js'

const g = rng(8_2026)

// Binary 0/1 with a tenth of the labels missing (null), probabilities of class 1.
const nB = 400
const pB = Array.from({ length: nB }, () => g.uniform())
const predB = pB.map((p) => (p > 0.5 ? 1 : 0))
const trueB: MaybeLabel[] = pB.map((p) => (g.uniform() < 0.8 * p + 0.1 ? 1 : 0))
for (let i = 0; i < nB; i += 10) trueB[i] = null

// Three string classes, probability rows, predictions not always the argmax; some labels undefined.
const classesM = ['cat', 'dog', 'eel']
const nM = 300
const probaM = Array.from({ length: nM }, () => {
  const w = [g.uniform() + 0.05, g.uniform() + 0.05, g.uniform() + 0.05]
  const s = w[0]! + w[1]! + w[2]!
  return w.map((v) => v / s)
})
const predM = probaM.map((r) => classesM[g.uniform() < 0.85 ? r.indexOf(Math.max(...r)) : Math.floor(g.uniform() * 3)]!)
const trueM: MaybeLabel[] = probaM.map((r) => g.pick(1, classesM, r)[0]!)
for (let i = 3; i < nM; i += 17) trueM[i] = undefined

// Regression with NaN (missing) labels, values away from 0 plus one tiny |y| for MAPE's epsilon.
const nR = 250
const yR: (number | null)[] = g.normals(nR, 5, 3)
const yHatR = yR.map((v) => (v as number) + g.normal(0, 1))
yR[7] = 1e-20
for (let i = 0; i < nR; i += 25) yR[i] = Number.NaN

// Isotonic: scores with heavy ties (rounded), 0/1 targets and continuous targets.
const isoX = Array.from({ length: 500 }, () => Math.round(g.uniform() * 200) / 200)
const isoY01 = isoX.map((x) => (g.uniform() < x * x ? 1 : 0))
const isoYc = isoX.map((x) => x + g.normal(0, 0.3))
const isoNew = [
  -0.5,
  0,
  0.0025,
  0.1234,
  0.5,
  0.77777,
  0.999,
  1,
  1.5,
  ...Array.from({ length: 50 }, () => g.uniform() * 1.2 - 0.1),
]

const SCRIPT = `
from sklearn import metrics as M
from sklearn.isotonic import IsotonicRegression
d = read()
def kept(t, p, extra=None):
    idx = [i for i, v in enumerate(t) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return [t[i] for i in idx], [p[i] for i in idx], ([extra[i] for i in idx] if extra is not None else None)
out = {}
t, p, s = kept(d["trueB"], d["predB"], d["pB"])
out["binary"] = {a: {"precision": M.precision_score(t, p, average=a), "recall": M.recall_score(t, p, average=a), "f1": M.f1_score(t, p, average=a)} for a in ["macro", "weighted", "micro", "binary"]}
out["binary_pos0"] = M.f1_score(t, p, average="binary", pos_label=0)
out["binary_acc"] = M.accuracy_score(t, p)
out["binary_auc"] = M.roc_auc_score(t, s)
out["binary_auc_pos0"] = M.roc_auc_score([1 - v for v in t], [1 - v for v in s])
out["binary_cm"] = M.confusion_matrix(t, p, labels=[0, 1])
out["binary_n"] = len(t)
t, p, s = kept(d["trueM"], d["predM"], d["probaM"])
out["multi"] = {a: {"precision": M.precision_score(t, p, average=a), "recall": M.recall_score(t, p, average=a), "f1": M.f1_score(t, p, average=a)} for a in ["macro", "weighted", "micro"]}
out["multi_acc"] = M.accuracy_score(t, p)
out["multi_auc"] = M.roc_auc_score(t, s, multi_class="ovr", average="macro", labels=d["classesM"])
out["multi_cm"] = M.confusion_matrix(t, p, labels=d["classesM"])
t, p, _ = kept(d["yR"], d["yHatR"])
out["reg"] = {"rmse": M.root_mean_squared_error(t, p), "mae": M.mean_absolute_error(t, p), "mse": M.mean_squared_error(t, p), "r2": M.r2_score(t, p), "mape": M.mean_absolute_percentage_error(t, p), "n": len(t)}
iso = {}
for name, y in [("y01", d["isoY01"]), ("yc", d["isoYc"])]:
    r = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(d["isoX"], y)
    iso[name] = {"x": r.X_thresholds_, "y": r.y_thresholds_, "train": r.predict(d["isoX"]), "new": r.predict(d["isoNew"])}
out["iso"] = iso
write(out)
`

interface Scores {
  precision: number
  recall: number
  f1: number
}
interface Oracle {
  binary: Record<'macro' | 'weighted' | 'micro' | 'binary', Scores>
  binary_pos0: number
  binary_acc: number
  binary_auc: number
  binary_auc_pos0: number
  binary_cm: number[][]
  binary_n: number
  multi: Record<'macro' | 'weighted' | 'micro', Scores>
  multi_acc: number
  multi_auc: number
  multi_cm: number[][]
  reg: { rmse: number; mae: number; mse: number; r2: number; mape: number; n: number }
  iso: Record<'y01' | 'yc', { x: number[]; y: number[]; train: number[]; new: number[] }>
}

let sk: Oracle
beforeAll(async () => {
  sk = await runPython<Oracle>(SCRIPT, {
    pB,
    predB,
    trueB,
    classesM,
    probaM,
    predM,
    trueM,
    yR: yR.map((v) => (Number.isNaN(v) ? null : v)),
    yHatR,
    isoX,
    isoY01,
    isoYc,
    isoNew,
  })
}, 60_000)

const expectClose = (a: number | null | undefined, e: number, rtol = 1e-12): void => {
  expect(a, `expected ${e}`).not.toBeNull()
  expect(close(a as number, e, rtol, 1e-12), `${a} vs scikit-learn ${e}`).toBe(true)
}

describe('classificationMetrics against scikit-learn', () => {
  it('binary 0/1: every average, ROC AUC, confusion matrix; missing labels skipped and counted', () => {
    for (const average of ['macro', 'weighted', 'micro', 'binary'] as const) {
      const r = classificationMetrics(trueB, predB, { average, probabilities: pB })
      expect(r.n).toBe(sk.binary_n)
      expect(r.missingLabels).toBe(nB / 10)
      expectClose(r.accuracy, sk.binary_acc)
      expectClose(r.precision, sk.binary[average].precision)
      expectClose(r.recall, sk.binary[average].recall)
      expectClose(r.f1, sk.binary[average].f1)
      expectClose(r.rocAuc, sk.binary_auc)
      expect(r.confusionMatrix).toEqual({ labels: [0, 1], matrix: sk.binary_cm })
    }
  })

  it('binary with another positive class, and probability rows', () => {
    const rows = pB.map((p) => [1 - p, p])
    const r = classificationMetrics(trueB, predB, {
      average: 'binary',
      posLabel: 0,
      classes: [0, 1],
      probabilities: rows,
    })
    expectClose(r.f1, sk.binary_pos0)
    expectClose(r.rocAuc, sk.binary_auc_pos0)
  })

  it('booleans compare as 1 and 0 (numpy) and come back as booleans', () => {
    const r = classificationMetrics(
      trueB.map((v) => (v === null ? null : v === 1)),
      predB,
      { average: 'binary', probabilities: pB },
    )
    expectClose(r.f1, sk.binary.binary.f1)
    const both = classificationMetrics(
      trueB.map((v) => (v === null ? null : v === 1)),
      predB.map((v) => v === 1),
    )
    expect(both.confusionMatrix).toEqual({ labels: [false, true], matrix: sk.binary_cm })
  })

  it('three string classes: macro, weighted, micro, one-vs-rest macro ROC AUC, confusion matrix', () => {
    for (const average of ['macro', 'weighted', 'micro'] as const) {
      const r = classificationMetrics(trueM, predM, { average, classes: classesM, probabilities: probaM })
      expect(r.missingLabels).toBe(trueM.filter((v) => v === undefined).length)
      expectClose(r.accuracy, sk.multi_acc)
      expectClose(r.precision, sk.multi[average].precision)
      expectClose(r.recall, sk.multi[average].recall)
      expectClose(r.f1, sk.multi[average].f1)
      expectClose(r.rocAuc, sk.multi_auc)
      expect(r.confusionMatrix).toEqual({ labels: classesM, matrix: sk.multi_cm })
    }
  })

  it('no labels, one class, bad input: a clear result or a named error, never NaN', () => {
    const none = classificationMetrics([null, undefined, Number.NaN], [1, 0, 1], { probabilities: [0.9, 0.1, 0.8] })
    expect(none).toMatchObject({ n: 0, missingLabels: 3, accuracy: null, f1: null, rocAuc: null })
    const one = classificationMetrics([1, 1, 1], [1, 0, 1], { probabilities: [0.9, 0.4, 0.8], average: 'binary' })
    expect(one.rocAuc).toBeNull()
    expect(one.accuracy).toBeCloseTo(2 / 3, 15)
    const missingPred = classificationMetrics([1, 0], [null, 0])
    expect(missingPred).toMatchObject({ n: 1, missingPredictions: 1, accuracy: 1 })
    expect(() => classificationMetrics(['a', 'b'], [1, 0])).toThrow(
      /predictions\[0\] is a number .* labels\[0\] is a string/,
    )
    expect(() => classificationMetrics([1], [1, 0])).toThrow(/labels has 1 entries but predictions has 2/)
    expect(() => classificationMetrics([1, 0], [1, 0], { probabilities: [0.5] })).toThrow(/probabilities has 1 rows/)
    expect(() => classificationMetrics([{} as never], [1])).toThrow(/labels\[0\] is object/)
  })
})

describe('regressionMetrics against scikit-learn', () => {
  it('RMSE, MAE, MSE, R², MAPE with NaN labels skipped and counted', () => {
    const r = regressionMetrics(yR, yHatR)
    expect(r.n).toBe(sk.reg.n)
    expect(r.missingLabels).toBe(nR / 25)
    for (const k of ['rmse', 'mae', 'mse', 'r2', 'mape'] as const) expectClose(r[k], sk.reg[k], 1e-10)
  })

  it('edge cases: nothing labelled, a single row, non-numbers', () => {
    expect(regressionMetrics([null], [1])).toMatchObject({ n: 0, rmse: null, r2: null, mape: null })
    expect(regressionMetrics([2], [1])).toMatchObject({ n: 1, rmse: 1, mae: 1, r2: null, mape: 0.5 })
    expect(() => regressionMetrics([Infinity], [1])).toThrow(/labels\[0\] is .*finite numbers/)
    expect(() => regressionMetrics(['3' as never], [1])).toThrow(/labels\[0\] is "3"/)
  })
})

describe('isotonic regression against sklearn.isotonic.IsotonicRegression', () => {
  for (const name of ['y01', 'yc'] as const) {
    it(`${name === 'y01' ? '0/1' : 'continuous'} targets with tied x: thresholds and predictions to 1e-9`, () => {
      const fit = fitIsotonic(isoX, name === 'y01' ? isoY01 : isoYc)
      const o = sk.iso[name]
      expect(fit.x).toEqual(o.x)
      expect(fit.y.length).toBe(o.y.length)
      fit.y.forEach((v, i) => {
        expect(Math.abs(v - o.y[i]!)).toBeLessThan(1e-9)
      })
      predictIsotonic(fit, isoX).forEach((v, i) => {
        expect(Math.abs(v - o.train[i]!)).toBeLessThan(1e-9)
      })
      predictIsotonic(fit, isoNew).forEach((v, i) => {
        expect(Math.abs(v - o.new[i]!)).toBeLessThan(1e-9)
      })
    })
  }

  it('one distinct x, and refused input', () => {
    expect(predictIsotonic(fitIsotonic([0.3, 0.3], [0, 1]), [0, 0.3, 1])).toEqual([0.5, 0.5, 0.5])
    expect(() => fitIsotonic([], [])).toThrow(/at least one point/)
    expect(() => fitIsotonic([Number.NaN], [1])).toThrow(/x\[0\] is NaN/)
  })
})
