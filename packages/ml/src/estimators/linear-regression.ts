import MultivariateLinearRegression from 'ml-regression-multivariate-linear'
import type { EstimatorState } from '../types.js'
import { checkParamNames, plainJSON, RegressorBase } from './base.js'

export interface LinearRegressionParams {
  /** Fit an intercept (default true). */
  fitIntercept?: boolean
}

interface SavedModel {
  name: 'multivariateLinearRegression'
  weights: number[][]
  inputs: number
  outputs: number
  intercept: boolean
}

/**
 * Ordinary least squares from ml-regression-multivariate-linear (normal equations solved with an
 * SVD-based inverse; the library's coefficient statistics are not computed).
 */
export class LinearRegression extends RegressorBase {
  readonly type = 'LinearRegression' as const
  readonly params: Readonly<LinearRegressionParams>
  private lib: MultivariateLinearRegression | undefined
  private saved: SavedModel | undefined

  constructor(params: LinearRegressionParams = {}) {
    super()
    checkParamNames(this.type, { ...params }, ['fitIntercept'])
    if (params.fitIntercept !== undefined && typeof params.fitIntercept !== 'boolean') {
      throw new Error(`${this.type}: fitIntercept must be a boolean`)
    }
    this.params = { ...params }
  }

  /** Fitted coefficients, one per feature (throws before fit). */
  get coefficients(): number[] {
    const saved = this.requireSaved()
    return saved.weights.slice(0, saved.inputs).map((w) => w[0] as number)
  }

  /** Fitted intercept (0 when fitIntercept is false; throws before fit). */
  get intercept(): number {
    const saved = this.requireSaved()
    return saved.intercept ? ((saved.weights[saved.inputs] as number[])[0] as number) : 0
  }

  private requireSaved(): SavedModel {
    if (this.saved === undefined) throw new Error(`${this.type} is not fitted: call fit(X, y) first`)
    return this.saved
  }

  protected fitRows(X: number[][], y: number[]): void {
    const lib = new MultivariateLinearRegression(
      X,
      y.map((v) => [v]),
      {
        intercept: this.params.fitIntercept !== false,
        statistics: false,
      },
    )
    const { name, weights, inputs, outputs, intercept } = plainJSON<SavedModel>(lib.toJSON())
    this.saved = { name, weights, inputs, outputs, intercept }
    this.lib = lib
  }

  protected predictRows(X: number[][]): number[] {
    const lib = this.lib as MultivariateLinearRegression
    return lib.predict(X).map((r) => r[0] as number)
  }

  protected modelJSON(): unknown {
    return this.saved
  }

  static fromState(state: EstimatorState): LinearRegression {
    const est = new LinearRegression(state.params as LinearRegressionParams)
    const saved = plainJSON<SavedModel>(state.model)
    if (
      saved === null ||
      typeof saved !== 'object' ||
      !Array.isArray(saved.weights) ||
      saved.inputs !== state.nFeatures
    ) {
      throw new Error(`model must hold 'weights' for ${state.nFeatures} inputs`)
    }
    est.lib = MultivariateLinearRegression.load(saved)
    est.saved = saved
    est.restoreBase(state)
    return est
  }
}
