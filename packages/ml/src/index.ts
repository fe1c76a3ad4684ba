// @keel/ml: tabular estimators behind one small interface (fit, predict, predictProba, save, load),
// scikit-learn-compatible metrics, seeded splits and the Iris data. Built on the ml.js family.

export type { Classifier, Estimator, EstimatorState, EstimatorType, Label, Matrix, Regressor } from './types.js'

export {
  createEstimator,
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  ESTIMATOR_TYPES,
  isEstimatorType,
  LinearRegression,
  loadEstimator,
  LogisticRegression,
  RandomForestClassifier,
  RandomForestRegressor,
} from './estimators/index.js'
export type {
  DecisionTreeClassifierParams,
  DecisionTreeRegressorParams,
  LinearRegressionParams,
  LogisticRegressionParams,
  MaxFeatures,
  RandomForestClassifierParams,
  RandomForestRegressorParams,
  TreeParams,
} from './estimators/index.js'
export { compareLabels, uniqueLabels } from './estimators/labels.js'

export {
  accuracy,
  confusionMatrix,
  f1,
  logLoss,
  precision,
  precisionRecallF1,
  recall,
} from './metrics/classification.js'
export type { Average, AverageOptions, ConfusionMatrixOptions, LogLossOptions } from './metrics/classification.js'
export { rocAuc } from './metrics/roc-auc.js'
export type { RocAucOptions } from './metrics/roc-auc.js'
export { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from './metrics/regression.js'
export { classificationMetrics, regressionMetrics } from './metrics/summary.js'
export type { ClassificationMetrics, ClassificationMetricsOptions, RegressionMetrics } from './metrics/summary.js'

export { trainTestSplit } from './split.js'
export type { TrainTestSplit, TrainTestSplitOptions } from './split.js'
export { createRng } from './rng.js'
export { loadIris } from './datasets/iris.js'
export type { IrisDataset } from './datasets/iris.js'
