import type { CartTreeNode } from 'ml-cart'
import {
  RandomForestClassifier as MlForestClassifier,
  RandomForestRegression as MlForestRegression,
} from 'ml-random-forest'
import type { EstimatorState, EstimatorType } from '../types.js'
import { checkParamNames, checkPositiveInt, ClassifierBase, plainJSON, RegressorBase } from './base.js'
import { cartOptions, checkTreeParams } from './cart.js'
import { type CompiledForest, compileForest } from './compiled-forest.js'
import type { TreeParams } from './tree-params.js'

/** Features each tree sees: a count (integer >= 1), a fraction in (0, 1), or a rule. */
export type MaxFeatures = number | 'sqrt' | 'log2' | 'all'

interface ForestParams extends TreeParams {
  /** Number of trees (default 50, ml-random-forest's default). */
  nEstimators?: number
  /** Seed of the bootstrap and feature sampling; a 32-bit integer (default 42). */
  seed?: number
  /**
   * Features drawn for each tree (ml-random-forest samples features once per tree, not per split
   * as scikit-learn does). 'sqrt' = max(1, floor(sqrt(d))), 'log2' = max(1, floor(log2(d))),
   * a fraction f in (0, 1) = max(1, floor(f * d)), an integer k >= 1 = k features, 'all' = d.
   * Default: 'sqrt' for the classifier, 'all' for the regressor (scikit-learn's defaults).
   */
  maxFeatures?: MaxFeatures
  /** Draw each tree's features with replacement (default false). */
  replacement?: boolean
  /** Bootstrap the training rows for each tree (default true). */
  useSampleBagging?: boolean
}

export interface RandomForestClassifierParams extends ForestParams {}
export interface RandomForestRegressorParams extends Omit<ForestParams, 'gainThreshold'> {
  /** How tree predictions are combined (default 'mean'). */
  selectionMethod?: 'mean' | 'median'
}

const COMMON = [
  'nEstimators',
  'seed',
  'maxFeatures',
  'replacement',
  'useSampleBagging',
  'maxDepth',
  'minNumSamples',
] as const

/** What keel reads from a trained ml-random-forest (public fields of its saved form). */
interface ForestInternals {
  indexes: number[][]
  estimators: { root: CartTreeNode }[]
}

function checkForestParams(type: EstimatorType, p: ForestParams): void {
  checkTreeParams(type, p)
  checkPositiveInt(type, 'nEstimators', p.nEstimators)
  if (p.seed !== undefined && (!Number.isInteger(p.seed) || Math.abs(p.seed) > 0xffffffff)) {
    throw new Error(`${type}: seed must be a 32-bit integer, got ${JSON.stringify(p.seed)}`)
  }
  const mf = p.maxFeatures
  if (mf !== undefined && mf !== 'sqrt' && mf !== 'log2' && mf !== 'all') {
    if (typeof mf !== 'number' || !(mf > 0) || (mf >= 1 && !Number.isInteger(mf))) {
      throw new Error(
        `${type}: maxFeatures must be 'sqrt', 'log2', 'all', an integer >= 1 or a fraction in (0, 1), got ${JSON.stringify(mf)}`,
      )
    }
  }
  for (const name of ['replacement', 'useSampleBagging'] as const) {
    if (p[name] !== undefined && typeof p[name] !== 'boolean') throw new Error(`${type}: ${name} must be a boolean`)
  }
}

/** The number of features per tree for `d` features. */
export function resolveMaxFeatures(type: EstimatorType, mf: MaxFeatures, d: number): number {
  let k: number
  if (mf === 'all') k = d
  else if (mf === 'sqrt') k = Math.max(1, Math.floor(Math.sqrt(d)))
  else if (mf === 'log2') k = Math.max(1, Math.floor(Math.log2(d)))
  else if (mf < 1) k = Math.max(1, Math.floor(mf * d))
  else k = mf
  if (k > d) throw new Error(`${type}: maxFeatures is ${k} but X has only ${d} features`)
  return k
}

/**
 * ml-random-forest reads maxFeatures in (0, 1] as a fraction and larger integers as counts, so 1
 * would mean "all". keel always hands it a fraction whose floor(fraction * d) is the count.
 */
function libraryMaxFeatures(k: number, d: number): number {
  return k === d ? 1.0 : (k + 0.5) / d
}

function forestOptions(
  p: ForestParams,
  defaultMaxFeatures: MaxFeatures,
  type: EstimatorType,
  d: number,
  classifier: boolean,
) {
  const k = resolveMaxFeatures(type, p.maxFeatures ?? defaultMaxFeatures, d)
  return {
    nEstimators: p.nEstimators ?? 50,
    seed: p.seed ?? 42,
    maxFeatures: libraryMaxFeatures(k, d),
    replacement: p.replacement ?? false,
    useSampleBagging: p.useSampleBagging ?? true,
    noOOB: true,
    treeOptions: cartOptions(p, classifier),
  }
}

/**
 * Random forest classifier over ml-random-forest (bootstrap rows, a random feature subset per
 * tree, ml-cart Gini trees). predictProba is the mean over trees of each tree's leaf class
 * distribution, as in scikit-learn; predict is its argmax (sklearn's rule; ml-random-forest's own
 * predict is a majority vote, which can differ on close calls).
 */
export class RandomForestClassifier extends ClassifierBase {
  readonly type = 'RandomForestClassifier' as const
  readonly params: Readonly<RandomForestClassifierParams>
  private forest: ForestInternals | undefined
  private compiled: CompiledForest | undefined
  private saved: unknown

  constructor(params: RandomForestClassifierParams = {}) {
    super()
    checkParamNames(this.type, { ...params }, [...COMMON, 'gainThreshold'])
    checkForestParams(this.type, params)
    this.params = { ...params }
  }

  protected fitEncoded(X: number[][], y: number[]): void {
    const d = (X[0] as number[]).length
    const forest = new MlForestClassifier(forestOptions(this.params, 'sqrt', this.type, d, true))
    forest.train(X, y)
    this.saved = plainJSON(forest.toJSON())
    this.forest = forest as unknown as ForestInternals
    this.compiled = undefined
  }

  protected probaEncoded(X: number[][]): number[][] {
    const k = this.classes.length
    const forest = this.forest as ForestInternals
    this.compiled ??= compileForest(forest.estimators, forest.indexes, k)
    const flat = this.compiled.predictProba(X)
    return X.map((_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)))
  }

  protected modelJSON(): unknown {
    return this.saved
  }

  static fromState(state: EstimatorState): RandomForestClassifier {
    const est = new RandomForestClassifier(state.params as RandomForestClassifierParams)
    est.forest = MlForestClassifier.load(plainJSON(state.model)) as unknown as ForestInternals
    est.saved = plainJSON(state.model)
    est.restoreBase(state)
    return est
  }
}

/** Random forest regressor over ml-random-forest; predict is the mean (or median) of the trees. */
export class RandomForestRegressor extends RegressorBase {
  readonly type = 'RandomForestRegressor' as const
  readonly params: Readonly<RandomForestRegressorParams>
  private forest: MlForestRegression | undefined
  private saved: unknown

  constructor(params: RandomForestRegressorParams = {}) {
    super()
    checkParamNames(this.type, { ...params }, [...COMMON, 'selectionMethod'])
    checkForestParams(this.type, params)
    if (
      params.selectionMethod !== undefined &&
      params.selectionMethod !== 'mean' &&
      params.selectionMethod !== 'median'
    ) {
      throw new Error(
        `${this.type}: selectionMethod must be 'mean' or 'median', got ${JSON.stringify(params.selectionMethod)}`,
      )
    }
    this.params = { ...params }
  }

  protected fitRows(X: number[][], y: number[]): void {
    const d = (X[0] as number[]).length
    const forest = new MlForestRegression({
      ...forestOptions(this.params, 'all', this.type, d, false),
      selectionMethod: this.params.selectionMethod ?? 'mean',
    })
    forest.train(X, y)
    this.saved = plainJSON(forest.toJSON())
    this.forest = forest
  }

  protected predictRows(X: number[][]): number[] {
    return (this.forest as MlForestRegression).predict(X)
  }

  protected modelJSON(): unknown {
    return this.saved
  }

  static fromState(state: EstimatorState): RandomForestRegressor {
    const est = new RandomForestRegressor(state.params as RandomForestRegressorParams)
    est.forest = MlForestRegression.load(plainJSON(state.model))
    est.saved = plainJSON(state.model)
    est.restoreBase(state)
    return est
  }
}
