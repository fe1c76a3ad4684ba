// Model performance per window: realized metrics from posted labels, and NannyML's CBPE
// (confidence-based performance estimation) from predicted probabilities when labels are not there.
export { classificationMetrics, regressionMetrics } from './metrics.js'
export type {
  Average,
  ClassificationMetricsOptions,
  ClassificationMetricsResult,
  Probabilities,
  RegressionMetricsResult,
} from './metrics.js'
export type { MaybeLabel, MetricLabel } from './labels.js'
export { fitIsotonic, predictIsotonic } from './isotonic.js'
export type { IsotonicFit } from './isotonic.js'
export { expectedCalibrationError, needsCalibration } from './calibration.js'
export type { CalibrationDecision } from './calibration.js'
export { CBPE_METRICS, estimateRocAuc, expectedConfusion } from './cbpe-estimate.js'
export type { CbpeMetric, ExpectedConfusion } from './cbpe-estimate.js'
export { SAMPLING_ERROR_RANGE } from './sampling-error.js'
export type { SamplingErrorComponents } from './sampling-error.js'
export { estimateCbpe, fitCbpe } from './cbpe.js'
export type { CbpeData, CbpeMetricResult, CbpeModel, CbpeOptions, CbpeThreshold, CbpeWindowResult } from './cbpe.js'
export { predictionRows, toCbpeData, windowPerformance, windowsByCount, windowsByTime } from './windows.js'
export type {
  LoggedPredictionLike,
  PerformanceRow,
  PredictionRows,
  Window,
  WindowPerformance,
  WindowPerformanceOptions,
} from './windows.js'
