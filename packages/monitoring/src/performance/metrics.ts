// Realized model performance for one window of labelled predictions. The arithmetic is @keel/ml's
// (checked against scikit-learn there); this layer skips and counts missing labels, accepts the
// label kinds keel's prediction log holds, and never answers NaN: an undefined metric is `null`.

import {
  accuracy,
  confusionMatrix,
  meanAbsoluteError,
  meanSquaredError,
  precisionRecallF1,
  r2Score,
  rocAuc,
  uniqueLabels,
  type Average,
  type Label,
} from '@keel/ml'
import { fromLabel, isMissing, pairLabels, toLabel, type MaybeLabel, type MetricLabel } from './labels.js'

export type { Average }

/** Probabilities: one row per sample with a column per class, or the positive class's score (binary). */
export type Probabilities = readonly (readonly number[])[] | readonly number[]

export interface ClassificationMetricsOptions {
  /**
   * The classes, sorted ascending: the columns of `probabilities` and the rows/columns of the
   * confusion matrix. Default: the sorted labels present in labels and predictions.
   */
  classes?: readonly MetricLabel[]
  /** 'macro' (default), 'weighted', 'micro' or 'binary' (the `posLabel` class only), as scikit-learn. */
  average?: Average
  /** Positive class for average 'binary' and for a one-column binary ROC AUC; default 1 (true). */
  posLabel?: MetricLabel
  /** Class probabilities, one entry per input row (missing-label rows are skipped with them). */
  probabilities?: Probabilities
}

export interface ClassificationMetricsResult {
  task: 'classification'
  /** Rows scored (both label and prediction present). */
  n: number
  missingLabels: number
  missingPredictions: number
  average: Average
  /** null when n = 0. */
  accuracy: number | null
  precision: number | null
  recall: number | null
  f1: number | null
  /**
   * With probabilities only: binary ROC AUC of the positive class, or one-vs-rest macro ROC AUC.
   * null when undefined (a single class among the labels, or n = 0).
   */
  rocAuc?: number | null
  /** `matrix[i][j]`: rows whose label is `labels[i]` and prediction `labels[j]` (scikit-learn's layout). */
  confusionMatrix: { labels: MetricLabel[]; matrix: number[][] }
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null)

function keptProbabilities(
  probabilities: Probabilities,
  rows: readonly number[],
  total: number,
): number[] | number[][] {
  if (!Array.isArray(probabilities) || probabilities.length !== total) {
    throw new Error(
      `probabilities has ${Array.isArray(probabilities) ? probabilities.length : 'no'} rows but labels has ${total} entries`,
    )
  }
  return rows.map((i) => {
    const p = probabilities[i] as number | readonly number[]
    return typeof p === 'number' ? p : [...p]
  }) as number[] | number[][]
}

/**
 * Accuracy, precision, recall and F1 (averaged as `average`), the confusion matrix and, with
 * probabilities, ROC AUC — scikit-learn's values. Rows with a missing label (null, undefined, NaN)
 * or a missing prediction are skipped and counted. Macro and weighted averages run over the labels
 * present in labels or predictions (scikit-learn without `labels=`).
 */
export function classificationMetrics(
  labels: readonly MaybeLabel[],
  predictions: readonly MaybeLabel[],
  opts: ClassificationMetricsOptions = {},
): ClassificationMetricsResult {
  const pairs = pairLabels(labels, predictions)
  const average = opts.average ?? 'macro'
  const classes = opts.classes?.map((c, i) => toLabel(c, `classes[${i}]`))
  const allBoolean = pairs.allBoolean && (opts.classes ?? []).every((c) => typeof c === 'boolean')
  const out: ClassificationMetricsResult = {
    task: 'classification',
    n: pairs.labels.length,
    missingLabels: pairs.missingLabels,
    missingPredictions: pairs.missingPredictions,
    average,
    accuracy: null,
    precision: null,
    recall: null,
    f1: null,
    confusionMatrix: { labels: [], matrix: [] },
  }
  if (opts.probabilities !== undefined) out.rocAuc = null
  if (out.n === 0) return out

  const { labels: y, predictions: yHat } = pairs
  const posLabel = opts.posLabel === undefined ? 1 : toLabel(opts.posLabel, 'posLabel')
  const prf = precisionRecallF1(y, yHat, { average, posLabel })
  out.accuracy = accuracy(y, yHat)
  out.precision = prf.precision
  out.recall = prf.recall
  out.f1 = prf.f1
  const cmLabels = uniqueLabels(classes ?? [], y, yHat)
  const cm = confusionMatrix(y, yHat, { labels: cmLabels })
  out.confusionMatrix = { labels: cm.labels.map((l) => fromLabel(l, allBoolean)), matrix: cm.matrix }

  if (opts.probabilities !== undefined) {
    const proba = keptProbabilities(opts.probabilities, pairs.rows, labels.length)
    const probaClasses = classes ?? uniqueLabels(y, yHat)
    if (typeof proba[0] === 'number' || probaClasses.length <= 2) {
      // Binary: the positive class's score against "label is the positive class".
      const scores =
        typeof proba[0] === 'number'
          ? (proba as number[])
          : (proba as number[][]).map((r) => columnOf(r, probaClasses, posLabel))
      out.rocAuc = finiteOrNull(
        rocAuc(
          y.map((v) => (v === posLabel ? 1 : 0)),
          scores,
          { classes: [0, 1] },
        ),
      )
    } else {
      out.rocAuc = finiteOrNull(rocAuc(y, proba as number[][], { classes: probaClasses }))
    }
  }
  return out
}

function columnOf(row: readonly number[], classes: readonly Label[], pos: Label): number {
  if (row.length === 1) return row[0] as number
  const k = classes.indexOf(pos)
  if (k < 0) throw new Error(`posLabel ${JSON.stringify(pos)} is not one of the classes ${JSON.stringify(classes)}`)
  if (row.length !== classes.length)
    throw new Error(
      `a probability row has ${row.length} columns but there are ${classes.length} classes; pass 'classes'`,
    )
  return row[k] as number
}

export interface RegressionMetricsResult {
  task: 'regression'
  n: number
  missingLabels: number
  missingPredictions: number
  /** null when n = 0. */
  rmse: number | null
  mae: number | null
  mse: number | null
  /** null when n < 2 (scikit-learn: "not well-defined with less than two samples"). */
  r2: number | null
  /** scikit-learn's mean_absolute_percentage_error: mean |y − ŷ| / max(ε, |y|), ε = 2.22e-16 (a fraction, not %). */
  mape: number | null
}

/** RMSE, MAE, MSE, R² and MAPE (scikit-learn's); missing labels or predictions skipped and counted. */
export function regressionMetrics(
  labels: readonly (number | null | undefined)[],
  predictions: readonly (number | null | undefined)[],
): RegressionMetricsResult {
  if (!Array.isArray(labels) || !Array.isArray(predictions))
    throw new TypeError('labels and predictions must be arrays')
  if (labels.length !== predictions.length)
    throw new Error(`labels has ${labels.length} entries but predictions has ${predictions.length}`)
  const y: number[] = []
  const yHat: number[] = []
  let missingLabels = 0
  let missingPredictions = 0
  for (let i = 0; i < labels.length; i++) {
    const t: unknown = labels[i]
    const p: unknown = predictions[i]
    if (isMissing(t)) missingLabels++
    else if (isMissing(p)) missingPredictions++
    else {
      if (typeof t !== 'number' || !Number.isFinite(t))
        throw new Error(`labels[${i}] is ${JSON.stringify(t) ?? String(t)}; regression labels must be finite numbers`)
      if (typeof p !== 'number' || !Number.isFinite(p))
        throw new Error(
          `predictions[${i}] is ${JSON.stringify(p) ?? String(p)}; regression predictions must be finite numbers`,
        )
      y.push(t)
      yHat.push(p)
    }
  }
  const out: RegressionMetricsResult = {
    task: 'regression',
    n: y.length,
    missingLabels,
    missingPredictions,
    rmse: null,
    mae: null,
    mse: null,
    r2: null,
    mape: null,
  }
  if (y.length === 0) return out
  out.mse = meanSquaredError(y, yHat)
  out.rmse = Math.sqrt(out.mse)
  out.mae = meanAbsoluteError(y, yHat)
  out.r2 = y.length < 2 ? null : r2Score(y, yHat)
  let ape = 0
  for (let i = 0; i < y.length; i++)
    ape += Math.abs((y[i] as number) - (yHat[i] as number)) / Math.max(Number.EPSILON, Math.abs(y[i] as number))
  out.mape = finiteOrNull(ape / y.length)
  return out
}
