/** A class label: a number or a string (one kind per target, like scikit-learn). */
export type Label = number | string

/** A dense feature matrix: one row per sample, one number per feature. */
export type Matrix = readonly (readonly number[])[]

/** The estimators keel can fit, save and load. */
export type EstimatorType =
  | 'RandomForestClassifier'
  | 'RandomForestRegressor'
  | 'DecisionTreeClassifier'
  | 'DecisionTreeRegressor'
  | 'LogisticRegression'
  | 'LinearRegression'

/**
 * JSON-serialisable saved form of a fitted estimator.
 * `JSON.stringify(est.toJSON())` then `loadEstimator(JSON.parse(...))` round-trips to identical
 * predictions (and probabilities).
 */
export interface EstimatorState {
  readonly format: 'keel-estimator'
  readonly formatVersion: 1
  readonly type: EstimatorType
  readonly params: Readonly<Record<string, unknown>>
  readonly nFeatures: number
  /** Classifiers only: the classes, sorted ascending (the columns of predictProba). */
  readonly classes?: readonly Label[]
  /** The underlying library's model (plain JSON), plus any preprocessing keel applies. */
  readonly model: unknown
}

interface EstimatorBase {
  readonly type: EstimatorType
  /** The hyper-parameters the estimator was created with (defaults filled in). */
  readonly params: Readonly<Record<string, unknown>>
  /** Number of features seen in fit. Reading it before fit throws an Error. */
  readonly nFeatures: number
  /** The saved form; throws before fit. */
  toJSON(): EstimatorState
}

export interface Classifier extends EstimatorBase {
  readonly task: 'classification'
  /** Classes seen in fit, sorted ascending like numpy's `np.unique`. Throws before fit. */
  readonly classes: readonly Label[]
  fit(X: Matrix, y: readonly Label[]): this
  predict(X: Matrix): Label[]
  /** Columns in the order of `classes`; every row sums to 1. */
  predictProba(X: Matrix): number[][]
}

export interface Regressor extends EstimatorBase {
  readonly task: 'regression'
  fit(X: Matrix, y: readonly number[]): this
  predict(X: Matrix): number[]
}

export type Estimator = Classifier | Regressor
