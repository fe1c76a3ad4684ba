import LibLogisticRegression from 'ml-logistic-regression'
import { Matrix as MlMatrix } from 'ml-matrix'
import type { EstimatorState } from '../types.js'
import { checkParamNames, checkPositiveInt, ClassifierBase, plainJSON } from './base.js'
import { applyScaler, fitScaler, type Scaler } from './standardize.js'

export interface LogisticRegressionParams {
  /** Gradient steps per one-vs-rest model (default 1000). */
  numSteps?: number
  /**
   * Step size for ml-logistic-regression's gradient, which is a sum over samples. Default:
   * 4 / (nSamples * (nFeatures + 1)), a stable step on standardised features
   * (half the 2/L bound of the mean logistic loss).
   */
  learningRate?: number
  /** Standardise features (mean 0, variance 1 from the training data) before fitting (default true). */
  standardize?: boolean
  /** Add a constant feature so each model has an intercept (default true; the library has none). */
  fitIntercept?: boolean
}

const PARAMS = ['numSteps', 'learningRate', 'standardize', 'fitIntercept'] as const

interface SavedModel {
  scaler: Scaler | null
  fitIntercept: boolean
  learningRate: number
  library: unknown
}

/**
 * Logistic regression from ml-logistic-regression: one unregularised binary model per class
 * (one-vs-rest, batch gradient ascent), also for two classes. keel standardises the features and
 * adds an intercept column first. predictProba is each class's one-vs-rest sigmoid probability,
 * normalised to sum to 1 (scikit-learn's OvR rule); predict is its argmax. Not identical to
 * scikit-learn's LogisticRegression, which is L2-regularised (C=1) and multinomial.
 */
export class LogisticRegression extends ClassifierBase {
  readonly type = 'LogisticRegression' as const
  readonly params: Readonly<LogisticRegressionParams>
  private lib: LibLogisticRegression | undefined
  private saved: SavedModel | undefined

  constructor(params: LogisticRegressionParams = {}) {
    super()
    checkParamNames(this.type, { ...params }, PARAMS)
    checkPositiveInt(this.type, 'numSteps', params.numSteps)
    if (
      params.learningRate !== undefined &&
      !(typeof params.learningRate === 'number' && params.learningRate > 0 && Number.isFinite(params.learningRate))
    ) {
      throw new Error(
        `${this.type}: learningRate must be a positive number, got ${JSON.stringify(params.learningRate)}`,
      )
    }
    for (const name of ['standardize', 'fitIntercept'] as const) {
      if (params[name] !== undefined && typeof params[name] !== 'boolean')
        throw new Error(`${this.type}: ${name} must be a boolean`)
    }
    this.params = { ...params }
  }

  private design(X: number[][], saved: Pick<SavedModel, 'scaler' | 'fitIntercept'>): MlMatrix {
    const scaled = saved.scaler ? applyScaler(saved.scaler, X) : X
    return new MlMatrix(saved.fitIntercept ? scaled.map((r) => [...r, 1]) : scaled)
  }

  protected fitEncoded(X: number[][], y: number[], nClasses: number): void {
    if (nClasses < 2) throw new Error(`${this.type}: y has a single class; at least two are needed`)
    const scaler = this.params.standardize === false ? null : fitScaler(X)
    const fitIntercept = this.params.fitIntercept !== false
    const width = (X[0] as number[]).length + (fitIntercept ? 1 : 0)
    const learningRate = this.params.learningRate ?? 4 / (X.length * width)
    const lib = new LibLogisticRegression({ numSteps: this.params.numSteps ?? 1000, learningRate })
    lib.train(this.design(X, { scaler, fitIntercept }), MlMatrix.columnVector(y))
    this.saved = { scaler, fitIntercept, learningRate, library: plainJSON(lib.toJSON()) }
    this.lib = lib
  }

  protected probaEncoded(X: number[][]): number[][] {
    const lib = this.lib as LibLogisticRegression
    const design = this.design(X, this.saved as SavedModel)
    // The library trains class c against target 0 for "is c", so testScores is P(not c).
    const perClass = lib.classifiers.map((m) => m.testScores(design).map((s) => 1 - s))
    return X.map((_, i) => {
      const p = perClass.map((col) => col[i] as number)
      const sum = p.reduce((a, b) => a + b, 0)
      return sum > 0 ? p.map((v) => v / sum) : p.map(() => 1 / p.length)
    })
  }

  protected modelJSON(): unknown {
    return this.saved
  }

  static fromState(state: EstimatorState): LogisticRegression {
    const est = new LogisticRegression(state.params as LogisticRegressionParams)
    const saved = plainJSON<SavedModel>(state.model)
    if (saved === null || typeof saved !== 'object' || typeof saved.fitIntercept !== 'boolean') {
      throw new Error("model must be an object with 'scaler', 'fitIntercept' and 'library'")
    }
    est.lib = LibLogisticRegression.load(saved.library)
    est.saved = saved
    est.restoreBase(state)
    if (est.lib.classifiers.length !== est.classes.length) {
      throw new Error(`model has ${est.lib.classifiers.length} one-vs-rest models for ${est.classes.length} classes`)
    }
    return est
  }
}
