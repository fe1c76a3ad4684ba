import { uniqueLabels } from '../estimators/labels.js'
import type { Label } from '../types.js'
import { accuracy, logLoss, precisionRecallF1 } from './classification.js'
import { meanAbsoluteError, meanSquaredError, r2Score } from './regression.js'
import { rocAuc } from './roc-auc.js'

export interface ClassificationMetrics {
  accuracy: number
  precision_macro: number
  recall_macro: number
  f1_macro: number
  precision_weighted: number
  recall_weighted: number
  f1_weighted: number
  /** Only with probabilities: ROC AUC (binary, or one-vs-rest macro). NaN when undefined. */
  roc_auc?: number
  /** Only with probabilities. */
  log_loss?: number
}

export interface ClassificationMetricsOptions {
  /** The classes of the probability columns (e.g. `classifier.classes`). Default: sorted labels of yTrue and yPred. */
  classes?: readonly Label[]
}

/**
 * The usual classification metrics at once, keyed like scikit-learn's scorer names (ready to log).
 * With `proba` (one column per class, in `classes` order) adds roc_auc and log_loss.
 */
export function classificationMetrics(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  proba?: readonly (readonly number[])[],
  opts: ClassificationMetricsOptions = {},
): ClassificationMetrics {
  const macro = precisionRecallF1(yTrue, yPred, { average: 'macro' })
  const weighted = precisionRecallF1(yTrue, yPred, { average: 'weighted' })
  const out: ClassificationMetrics = {
    accuracy: accuracy(yTrue, yPred),
    precision_macro: macro.precision,
    recall_macro: macro.recall,
    f1_macro: macro.f1,
    precision_weighted: weighted.precision,
    recall_weighted: weighted.recall,
    f1_weighted: weighted.f1,
  }
  if (proba) {
    const classes = opts.classes ?? uniqueLabels(yTrue, yPred)
    out.roc_auc = rocAuc(yTrue, proba, { classes })
    out.log_loss = logLoss(yTrue, proba, { classes })
  }
  return out
}

export interface RegressionMetrics {
  rmse: number
  mae: number
  r2: number
  mse: number
}

/** RMSE, MAE, R² and MSE at once. */
export function regressionMetrics(yTrue: readonly number[], yPred: readonly number[]): RegressionMetrics {
  const mse = meanSquaredError(yTrue, yPred)
  return { rmse: Math.sqrt(mse), mae: meanAbsoluteError(yTrue, yPred), r2: r2Score(yTrue, yPred), mse }
}
