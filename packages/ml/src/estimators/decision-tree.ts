import { DecisionTreeClassifier as CartClassifier, DecisionTreeRegression as CartRegression } from 'ml-cart'
import type { EstimatorState } from '../types.js'
import { checkParamNames, ClassifierBase, plainJSON, RegressorBase } from './base.js'
import { cartOptions, checkTreeParams, leafDistribution } from './cart.js'
import type { TreeParams } from './tree-params.js'

export type DecisionTreeClassifierParams = TreeParams
export type DecisionTreeRegressorParams = Omit<TreeParams, 'gainThreshold'>

const CLASSIFIER_PARAMS = ['maxDepth', 'minNumSamples', 'gainThreshold'] as const
const REGRESSOR_PARAMS = ['maxDepth', 'minNumSamples'] as const

/**
 * CART classification tree (Gini) from ml-cart. predictProba is the class distribution of the
 * training samples in the leaf (as sklearn's DecisionTreeClassifier); predict is its argmax.
 */
export class DecisionTreeClassifier extends ClassifierBase {
  readonly type = 'DecisionTreeClassifier' as const
  readonly params: Readonly<DecisionTreeClassifierParams>
  private tree: CartClassifier | undefined
  private saved: unknown

  constructor(params: DecisionTreeClassifierParams = {}) {
    super()
    checkParamNames(this.type, { ...params }, CLASSIFIER_PARAMS)
    checkTreeParams(this.type, params)
    this.params = { ...params }
  }

  protected fitEncoded(X: number[][], y: number[]): void {
    const tree = new CartClassifier(cartOptions(this.params, true))
    tree.train(X, y)
    this.saved = plainJSON(tree.toJSON())
    this.tree = tree
  }

  protected probaEncoded(X: number[][]): number[][] {
    const tree = this.tree as CartClassifier
    const k = this.classes.length
    return X.map((row) => leafDistribution(tree.root, row, k))
  }

  protected modelJSON(): unknown {
    return this.saved
  }

  /** Rebuilds a fitted tree from its saved form (see loadEstimator). */
  static fromState(state: EstimatorState): DecisionTreeClassifier {
    const est = new DecisionTreeClassifier(state.params as DecisionTreeClassifierParams)
    est.tree = CartClassifier.load(plainJSON(state.model))
    est.saved = plainJSON(state.model)
    est.restoreBase(state)
    return est
  }
}

/** CART regression tree (squared error) from ml-cart; a leaf predicts the mean of its samples. */
export class DecisionTreeRegressor extends RegressorBase {
  readonly type = 'DecisionTreeRegressor' as const
  readonly params: Readonly<DecisionTreeRegressorParams>
  private tree: CartRegression | undefined
  private saved: unknown

  constructor(params: DecisionTreeRegressorParams = {}) {
    super()
    checkParamNames(this.type, { ...params }, REGRESSOR_PARAMS)
    checkTreeParams(this.type, params)
    this.params = { ...params }
  }

  protected fitRows(X: number[][], y: number[]): void {
    const tree = new CartRegression(cartOptions(this.params, false))
    tree.train(X, y)
    this.saved = plainJSON(tree.toJSON())
    this.tree = tree
  }

  protected predictRows(X: number[][]): number[] {
    return (this.tree as CartRegression).predict(X)
  }

  protected modelJSON(): unknown {
    return this.saved
  }

  static fromState(state: EstimatorState): DecisionTreeRegressor {
    const est = new DecisionTreeRegressor(state.params as DecisionTreeRegressorParams)
    est.tree = CartRegression.load(plainJSON(state.model))
    est.saved = plainJSON(state.model)
    est.restoreBase(state)
    return est
  }
}
