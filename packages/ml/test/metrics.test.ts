import { beforeAll, describe, expect, it } from 'vitest'
import {
  accuracy,
  classificationMetrics,
  confusionMatrix,
  createRng,
  f1,
  logLoss,
  meanAbsoluteError,
  meanSquaredError,
  precision,
  r2Score,
  recall,
  regressionMetrics,
  rocAuc,
  rootMeanSquaredError,
  type Label,
} from '@keel/ml'
import { closeTo, runSklearn } from './support/sklearn-oracle.js'

// ---- seeded cases --------------------------------------------------------------------------

const rng = createRng(20240601)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T

interface LabelCase {
  name: string
  yTrue: Label[]
  yPred: Label[]
  posLabel?: Label
}

/** yPred copies yTrue with probability `agree`, else a random label from `predLabels`. */
function labelCase(
  name: string,
  n: number,
  labels: readonly Label[],
  agree: number,
  predLabels = labels,
  posLabel?: Label,
): LabelCase {
  const yTrue = Array.from({ length: n }, () => pick(labels))
  const yPred = yTrue.map((t) => (rng() < agree && predLabels.includes(t) ? t : pick(predLabels)))
  return posLabel === undefined ? { name, yTrue, yPred } : { name, yTrue, yPred, posLabel }
}

const labelCases: LabelCase[] = [
  ...[0, 1, 2, 3, 4].map((i) => labelCase(`binary-${i}`, 20 + 17 * i, [0, 1], 0.7, [0, 1], 1)),
  ...[0, 1, 2, 3].map((i) => labelCase(`multiclass-${i}`, 40 + 13 * i, [0, 1, 2, 3, 4].slice(0, 3 + (i % 3)), 0.6)),
  labelCase('string-labels', 60, ['cat', 'dog', 'bird'], 0.5),
  labelCase('string-binary', 45, ['no', 'yes'], 0.6, ['no', 'yes'], 'yes'),
  labelCase('negative-sparse-labels', 50, [-1, 3, 10, 7], 0.5),
  labelCase('class-never-predicted', 40, [0, 1, 2], 0.6, [0, 1]),
  labelCase('predicted-class-absent-from-truth', 40, [0, 1], 0.5, [0, 1, 2]),
  labelCase('binary-never-predicts-positive', 30, [0, 1], 0.5, [0], 1),
  { name: 'perfect', yTrue: [2, 0, 1, 1, 2, 0, 2], yPred: [2, 0, 1, 1, 2, 0, 2] },
  { name: 'all-wrong', yTrue: [0, 0, 1, 1, 2, 2], yPred: [1, 2, 2, 0, 0, 1] },
  { name: 'single-class', yTrue: ['a', 'a', 'a'], yPred: ['a', 'a', 'a'] },
  { name: 'binary-pos-absent-single', yTrue: [0, 0, 0, 0], yPred: [0, 0, 0, 0], posLabel: 1 },
]

interface ProbaCase {
  name: string
  yTrue: Label[]
  proba: number[][] | number[]
  /** The `labels` passed to sklearn (columns); absent = inferred from yTrue. */
  classes?: Label[]
}

/** Rows of probabilities from small integers, so rows sum to 1 and scores tie often. */
function quantisedRows(n: number, k: number, levels: number): number[][] {
  return Array.from({ length: n }, () => {
    const w: number[] = Array.from({ length: k }, () => Math.floor(rng() * levels))
    if (!w.some((v) => v !== 0)) w[0] = 1
    const s = w.reduce((a, b) => a + b, 0)
    return w.map((v) => v / s)
  })
}

/** Probabilities that lean towards the true class. */
function informativeRows(yIdx: number[], k: number): number[][] {
  return yIdx.map((c) => {
    const w = Array.from({ length: k }, (_, j) => rng() + (j === c ? 1.5 * rng() : 0))
    const s = w.reduce((a, b) => a + b, 0)
    return w.map((v) => v / s)
  })
}

const idx = (n: number, k: number): number[] => Array.from({ length: n }, (_, i) => (i < k ? i : Math.floor(rng() * k)))

const probaCases: ProbaCase[] = [
  ...[0, 1, 2].map((i) => {
    const y = idx(40 + 10 * i, 2)
    return { name: `binary-1d-${i}`, yTrue: y, proba: informativeRows(y, 2).map((r) => r[1] as number) }
  }),
  (() => {
    const y = idx(60, 2)
    return { name: 'binary-1d-ties', yTrue: y, proba: y.map((c) => Math.round((c * 0.3 + rng() * 0.7) * 5) / 5) }
  })(),
  (() => {
    const y = idx(50, 2).map((c) => (c ? 'spam' : 'ham'))
    return { name: 'binary-strings', yTrue: y, proba: quantisedRows(50, 2, 4).map((r) => r[1] as number) }
  })(),
  ...[3, 4, 5].map((k) => {
    const y = idx(30 * k, k)
    return { name: `multiclass-${k}`, yTrue: y, proba: informativeRows(y, k) }
  }),
  (() => {
    const y = idx(80, 3)
    return { name: 'multiclass-ties', yTrue: y, proba: quantisedRows(80, 3, 3) }
  })(),
  (() => {
    const names = ['setosa', 'versicolor', 'virginica']
    const y = idx(45, 3)
    return { name: 'multiclass-strings', yTrue: y.map((c) => names[c] as string), proba: informativeRows(y, 3) }
  })(),
  (() => {
    const y = idx(40, 3)
    return {
      name: 'multiclass-explicit-classes',
      yTrue: y.map((c) => [1, 5, 9][c] as number),
      proba: informativeRows(y, 3),
      classes: [1, 5, 9],
    }
  })(),
  {
    name: 'perfect-and-extreme',
    yTrue: [0, 1, 2, 0, 1, 2],
    proba: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  },
  {
    name: 'confidently-wrong (clipping)',
    yTrue: [0, 1, 1, 0],
    proba: [
      [0, 1],
      [1, 0],
      [0.5, 0.5],
      [0.25, 0.75],
    ],
  },
]

// Log loss only: a class in `classes` that yTrue lacks (ROC AUC is undefined there).
const logLossOnly: ProbaCase[] = [
  (() => {
    const y = idx(30, 2)
    return { name: 'logloss-absent-class', yTrue: y, proba: informativeRows(y, 3), classes: [0, 1, 2] }
  })(),
]

interface RegCase {
  name: string
  yTrue: number[]
  yPred: number[]
}

const regCases: RegCase[] = [
  ...[0, 1, 2].map((i) => {
    const yTrue = Array.from({ length: 30 + 20 * i }, () => (rng() - 0.5) * 100)
    return { name: `noise-${i}`, yTrue, yPred: yTrue.map((v) => v + (rng() - 0.5) * 10) }
  }),
  (() => {
    const yTrue = Array.from({ length: 50 }, () => rng() * 10)
    const yPred = yTrue.map((v, i) => (i % 10 === 0 ? v + 1000 * (rng() - 0.5) : v + rng()))
    return { name: 'outliers', yTrue, yPred }
  })(),
  { name: 'perfect', yTrue: [1.5, -2, 3e6, 0], yPred: [1.5, -2, 3e6, 0] },
  { name: 'constant-truth-perfect', yTrue: [4, 4, 4], yPred: [4, 4, 4] },
  { name: 'constant-truth-imperfect', yTrue: [4, 4, 4], yPred: [4, 5, 3] },
  { name: 'worse-than-mean', yTrue: [1, 2, 3, 4], yPred: [4, 3, 2, 1] },
]

// ---- scikit-learn, once ---------------------------------------------------------------------

const SCRIPT = `
from sklearn import metrics as M
data = read()
out = {"labels": [], "proba": [], "logloss": [], "regression": []}
for c in data["labels"]:
    t, p = c["yTrue"], c["yPred"]
    r = {"accuracy": M.accuracy_score(t, p)}
    for avg in ["macro", "weighted", "micro"]:
        r["precision_" + avg] = M.precision_score(t, p, average=avg, zero_division=0)
        r["recall_" + avg] = M.recall_score(t, p, average=avg, zero_division=0)
        r["f1_" + avg] = M.f1_score(t, p, average=avg, zero_division=0)
    if c.get("posLabel") is not None:
        pl = c["posLabel"]
        r["precision_binary"] = M.precision_score(t, p, average="binary", pos_label=pl, zero_division=0)
        r["recall_binary"] = M.recall_score(t, p, average="binary", pos_label=pl, zero_division=0)
        r["f1_binary"] = M.f1_score(t, p, average="binary", pos_label=pl, zero_division=0)
    labels = sorted(set(t) | set(p))
    r["confusion"] = M.confusion_matrix(t, p, labels=labels)
    out["labels"].append(r)
for c in data["proba"]:
    t, p = c["yTrue"], np.asarray(c["proba"], dtype=float)
    labels = c.get("classes")
    r = {"log_loss": M.log_loss(t, p, labels=labels)}
    if p.ndim == 1:
        r["roc_auc"] = M.roc_auc_score(t, p)
    elif p.shape[1] == 2 and len(set(t)) <= 2:
        r["roc_auc"] = M.roc_auc_score(t, p[:, 1])  # sklearn wants the positive column
    else:
        for avg in ["macro", "weighted"]:
            r["roc_auc_" + avg] = M.roc_auc_score(t, p, multi_class="ovr", average=avg, labels=labels)
    out["proba"].append(r)
for c in data["logloss"]:
    out["logloss"].append(M.log_loss(c["yTrue"], np.asarray(c["proba"], dtype=float), labels=c.get("classes")))
for c in data["regression"]:
    t, p = c["yTrue"], c["yPred"]
    out["regression"].append({
        "mse": M.mean_squared_error(t, p), "rmse": M.root_mean_squared_error(t, p),
        "mae": M.mean_absolute_error(t, p), "r2": M.r2_score(t, p),
    })
write(out)
`

type Scores = Record<string, number>
interface OracleOutput {
  labels: (Scores & { confusion: number[][] })[]
  proba: Scores[]
  logloss: number[]
  regression: Scores[]
}

let sk: OracleOutput

beforeAll(async () => {
  // Binary sklearn cases get 1-D scores, so the 2-column form is checked against the same oracle value.
  sk = await runSklearn<OracleOutput>(SCRIPT, {
    labels: labelCases,
    proba: probaCases,
    logloss: logLossOnly,
    regression: regCases,
  })
}, 180_000)

function expectClose(actual: number, expected: number | undefined, what: string): void {
  expect(expected, `${what}: scikit-learn gave no value`).toBeTypeOf('number')
  expect(closeTo(actual, expected as number), `${what}: keel ${actual} vs scikit-learn ${expected}`).toBe(true)
}

describe('classification metrics agree with scikit-learn', () => {
  it('accuracy, precision, recall, F1 (macro, weighted, micro, binary) and confusion matrices', () => {
    expect(sk.labels).toHaveLength(labelCases.length)
    labelCases.forEach((c, i) => {
      const want = sk.labels[i] as Scores & { confusion: number[][] }
      expectClose(accuracy(c.yTrue, c.yPred), want.accuracy, `${c.name} accuracy`)
      for (const average of ['macro', 'weighted', 'micro'] as const) {
        expectClose(
          precision(c.yTrue, c.yPred, { average }),
          want[`precision_${average}`],
          `${c.name} precision ${average}`,
        )
        expectClose(recall(c.yTrue, c.yPred, { average }), want[`recall_${average}`], `${c.name} recall ${average}`)
        expectClose(f1(c.yTrue, c.yPred, { average }), want[`f1_${average}`], `${c.name} f1 ${average}`)
      }
      if (c.posLabel !== undefined) {
        const o = { average: 'binary' as const, posLabel: c.posLabel }
        expectClose(precision(c.yTrue, c.yPred, o), want.precision_binary, `${c.name} precision binary`)
        expectClose(recall(c.yTrue, c.yPred, o), want.recall_binary, `${c.name} recall binary`)
        expectClose(f1(c.yTrue, c.yPred, o), want.f1_binary, `${c.name} f1 binary`)
      }
      expect(confusionMatrix(c.yTrue, c.yPred).matrix, `${c.name} confusion matrix`).toEqual(want.confusion)
    })
  })

  it('ROC AUC (binary, one-vs-rest macro and weighted, ties) and log loss', () => {
    expect(sk.proba).toHaveLength(probaCases.length)
    probaCases.forEach((c, i) => {
      const want = sk.proba[i] as Scores
      const opts = c.classes ? { classes: c.classes } : {}
      expectClose(logLoss(c.yTrue, c.proba, opts), want.log_loss, `${c.name} log loss`)
      if (typeof c.proba[0] === 'number') {
        const scores = c.proba as number[]
        expectClose(rocAuc(c.yTrue, scores, opts), want.roc_auc, `${c.name} roc auc (1-D)`)
        const twoColumns = scores.map((p) => [1 - p, p])
        expectClose(rocAuc(c.yTrue, twoColumns, opts), want.roc_auc, `${c.name} roc auc (2 columns)`)
        expectClose(logLoss(c.yTrue, twoColumns, opts), want.log_loss, `${c.name} log loss (2 columns)`)
      } else if (want.roc_auc !== undefined) {
        expectClose(rocAuc(c.yTrue, c.proba, opts), want.roc_auc, `${c.name} roc auc (2 columns)`)
      } else {
        for (const average of ['macro', 'weighted'] as const) {
          expectClose(
            rocAuc(c.yTrue, c.proba, { ...opts, average }),
            want[`roc_auc_${average}`],
            `${c.name} roc auc ${average}`,
          )
        }
      }
    })
    logLossOnly.forEach((c, i) => {
      expectClose(
        logLoss(c.yTrue, c.proba, c.classes ? { classes: c.classes } : {}),
        sk.logloss[i],
        `${c.name} log loss`,
      )
    })
  })

  it('classificationMetrics bundles the same values', () => {
    const c = probaCases.find((p) => p.name === 'multiclass-3') as ProbaCase
    const want = sk.proba[probaCases.indexOf(c)] as Scores
    const proba = c.proba as number[][]
    const yPred = proba.map((r) => r.indexOf(Math.max(...r)))
    const m = classificationMetrics(c.yTrue, yPred, proba, { classes: [0, 1, 2] })
    expectClose(m.roc_auc as number, want.roc_auc_macro, 'roc_auc')
    expectClose(m.log_loss as number, want.log_loss, 'log_loss')
    expect(m.accuracy).toBe(accuracy(c.yTrue, yPred))
    expect(m.f1_weighted).toBe(f1(c.yTrue, yPred, { average: 'weighted' }))
    expect(m.precision_macro).toBe(precision(c.yTrue, yPred, { average: 'macro' }))
    expect(Object.keys(m).sort()).toEqual(
      [
        'accuracy',
        'f1_macro',
        'f1_weighted',
        'log_loss',
        'precision_macro',
        'precision_weighted',
        'recall_macro',
        'recall_weighted',
        'roc_auc',
      ].sort(),
    )
  })
})

describe('regression metrics agree with scikit-learn', () => {
  it('MSE, RMSE, MAE, R2 (outliers, perfect and constant targets)', () => {
    expect(sk.regression).toHaveLength(regCases.length)
    regCases.forEach((c, i) => {
      const want = sk.regression[i] as Scores
      expectClose(meanSquaredError(c.yTrue, c.yPred), want.mse, `${c.name} mse`)
      expectClose(rootMeanSquaredError(c.yTrue, c.yPred), want.rmse, `${c.name} rmse`)
      expectClose(meanAbsoluteError(c.yTrue, c.yPred), want.mae, `${c.name} mae`)
      expectClose(r2Score(c.yTrue, c.yPred), want.r2, `${c.name} r2`)
      const bundle = regressionMetrics(c.yTrue, c.yPred)
      expectClose(bundle.rmse, want.rmse, `${c.name} bundle rmse`)
      expectClose(bundle.r2, want.r2, `${c.name} bundle r2`)
    })
  })
})

describe('metric errors and edge cases', () => {
  it('rejects length mismatches, mixed label kinds and bad averages', () => {
    expect(() => accuracy([1, 2], [1])).toThrow(/yTrue has 2 entries but yPred has 1/)
    expect(() => precision([1, 'a'], [1, 1])).toThrow(/mixes number and string/)
    expect(() => f1([0, 1, 2], [0, 1, 2], { average: 'binary' })).toThrow(/multiclass.*binary/)
    expect(() => recall(['a', 'b'], ['a', 'b'], { average: 'binary' })).toThrow(/posLabel=1 is not a valid label/)
    expect(() => meanSquaredError([1, Number.NaN], [1, 2])).toThrow(/yTrue\[1\] is NaN/)
  })

  it('zeroDivision decides 0/0 ratios', () => {
    expect(precision([0, 1], [0, 0], { average: 'binary' })).toBe(0)
    expect(precision([0, 1], [0, 0], { average: 'binary', zeroDivision: 1 })).toBe(1)
  })

  it('ROC AUC is NaN when yTrue has one class; log loss refuses it without classes', () => {
    expect(rocAuc([1, 1, 1], [0.2, 0.5, 0.9])).toBeNaN()
    expect(() => logLoss([1, 1], [0.2, 0.8])).toThrow(/single label/)
    expect(() =>
      rocAuc(
        [0, 1, 2],
        [
          [0.5, 0.5, 0.5],
          [0.2, 0.3, 0.5],
          [0.1, 0.1, 0.8],
        ],
      ),
    ).toThrow(/sum to 1/)
    expect(() =>
      logLoss(
        [0, 1],
        [
          [0.5, 0.5, 0],
          [0.5, 0.5, 0],
        ],
      ),
    ).toThrow(/3 columns but there are 2 classes/)
  })

  it('confusionMatrix honours explicit labels and ignores others', () => {
    expect(confusionMatrix(['a', 'b', 'c', 'a'], ['a', 'c', 'c', 'b'], { labels: ['c', 'a'] })).toEqual({
      labels: ['c', 'a'],
      matrix: [
        [1, 0],
        [0, 1],
      ],
    })
    expect(() => confusionMatrix([1, 2], [1, 2], { labels: [3] })).toThrow(/at least one of the given labels/)
  })
})
