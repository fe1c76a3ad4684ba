import type { Classifier, EstimatorState, EstimatorType, Label, Matrix, Regressor } from '../types.js'
import { checkLabels, checkLength, checkMatrix, checkPredictMatrix, checkTargets } from '../validate.js'
import { argmax, LabelEncoder } from './labels.js'

/** The envelope every saved estimator shares. */
export const STATE_FORMAT = 'keel-estimator'
export const STATE_FORMAT_VERSION = 1

function notFitted(type: EstimatorType, what: string): Error {
  return new Error(`${type} is not fitted: call fit(X, y) before ${what}`)
}

/** Deep copy through JSON: what a saved model looks like after JSON.stringify/JSON.parse. */
export function plainJSON<T = unknown>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** Rejects parameters the estimator does not know (catches typos such as `nEstimator`). */
export function checkParamNames(type: EstimatorType, params: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw new Error(`${type}: unknown parameter '${key}' (known: ${known.join(', ')})`)
  }
}

export function checkPositiveInt(type: EstimatorType, name: string, v: unknown, allowUndefined = true): void {
  if (v === undefined && allowUndefined) return
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`${type}: ${name} must be a positive integer, got ${JSON.stringify(v)}`)
  }
}

/** Shared plumbing of every classifier: validation, label encoding, fitted state and saving. */
export abstract class ClassifierBase implements Classifier {
  abstract readonly type: EstimatorType
  readonly task = 'classification' as const
  abstract readonly params: Readonly<Record<string, unknown>>
  protected encoder: LabelEncoder | undefined
  protected fittedFeatures: number | undefined

  /** Number of features seen in fit; throws before fit. */
  get nFeatures(): number {
    if (this.fittedFeatures === undefined) throw notFitted(this.type, 'reading nFeatures')
    return this.fittedFeatures
  }

  /** Classes seen in fit, sorted ascending; throws before fit. */
  get classes(): readonly Label[] {
    if (this.encoder === undefined) throw notFitted(this.type, 'reading classes')
    return this.encoder.classes
  }

  fit(X: Matrix, y: readonly Label[]): this {
    const width = checkMatrix(X)
    checkLength(X.length, y)
    checkLabels(y)
    const encoder = LabelEncoder.fit(y)
    this.fitEncoded(
      X.map((r) => [...r]),
      encoder.encode(y),
      encoder.classes.length,
    )
    this.encoder = encoder
    this.fittedFeatures = width
    return this
  }

  /** The class with the highest probability (ties: the first in `classes`). */
  predict(X: Matrix): Label[] {
    return this.requireEncoder('predict').decode(this.predictProba(X).map(argmax))
  }

  predictProba(X: Matrix): number[][] {
    const encoder = this.requireEncoder('predictProba')
    checkPredictMatrix(X, this.nFeatures)
    const k = encoder.classes.length
    return this.probaEncoded(X.map((r) => [...r])).map((row) => {
      if (row.length !== k)
        throw new Error(`${this.type}: internal error, ${row.length} probabilities for ${k} classes`)
      return row
    })
  }

  toJSON(): EstimatorState {
    const encoder = this.requireEncoder('toJSON')
    return {
      format: STATE_FORMAT,
      formatVersion: STATE_FORMAT_VERSION,
      type: this.type,
      params: { ...this.params },
      nFeatures: this.nFeatures,
      classes: [...encoder.classes],
      model: this.modelJSON(),
    }
  }

  /** Restores the fitted state from a validated saved form. */
  protected restoreBase(state: EstimatorState): void {
    if (!Array.isArray(state.classes) || state.classes.length === 0) {
      throw new Error(`${this.type} state: 'classes' must be a non-empty array`)
    }
    checkLabels(state.classes, 'classes')
    this.encoder = new LabelEncoder([...state.classes])
    this.fittedFeatures = state.nFeatures
  }

  private requireEncoder(what: string): LabelEncoder {
    if (this.encoder === undefined) throw notFitted(this.type, what)
    return this.encoder
  }

  /** Trains on rows with labels encoded 0..k-1. */
  protected abstract fitEncoded(X: number[][], y: number[], nClasses: number): void
  /** Probabilities per row, columns 0..k-1; rows sum to 1. X is validated. */
  protected abstract probaEncoded(X: number[][]): number[][]
  /** The plain-JSON model. */
  protected abstract modelJSON(): unknown
}

/** Shared plumbing of every regressor. */
export abstract class RegressorBase implements Regressor {
  abstract readonly type: EstimatorType
  readonly task = 'regression' as const
  abstract readonly params: Readonly<Record<string, unknown>>
  protected fittedFeatures: number | undefined

  /** Number of features seen in fit; throws before fit. */
  get nFeatures(): number {
    if (this.fittedFeatures === undefined) throw notFitted(this.type, 'reading nFeatures')
    return this.fittedFeatures
  }

  fit(X: Matrix, y: readonly number[]): this {
    const width = checkMatrix(X)
    checkLength(X.length, y)
    checkTargets(y)
    this.fitRows(
      X.map((r) => [...r]),
      [...y],
    )
    this.fittedFeatures = width
    return this
  }

  predict(X: Matrix): number[] {
    if (this.fittedFeatures === undefined) throw notFitted(this.type, 'predict')
    checkPredictMatrix(X, this.fittedFeatures)
    return this.predictRows(X.map((r) => [...r]))
  }

  toJSON(): EstimatorState {
    if (this.fittedFeatures === undefined) throw notFitted(this.type, 'toJSON')
    return {
      format: STATE_FORMAT,
      formatVersion: STATE_FORMAT_VERSION,
      type: this.type,
      params: { ...this.params },
      nFeatures: this.fittedFeatures,
      model: this.modelJSON(),
    }
  }

  protected restoreBase(state: EstimatorState): void {
    this.fittedFeatures = state.nFeatures
  }

  protected abstract fitRows(X: number[][], y: number[]): void
  protected abstract predictRows(X: number[][]): number[]
  protected abstract modelJSON(): unknown
}
