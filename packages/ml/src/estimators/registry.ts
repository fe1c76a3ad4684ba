import type { Estimator, EstimatorState, EstimatorType } from '../types.js'
import { STATE_FORMAT, STATE_FORMAT_VERSION } from './base.js'
import { DecisionTreeClassifier, DecisionTreeRegressor } from './decision-tree.js'
import { LinearRegression } from './linear-regression.js'
import { LogisticRegression } from './logistic-regression.js'
import { RandomForestClassifier, RandomForestRegressor } from './random-forest.js'

interface Entry {
  create(params: Record<string, unknown>): Estimator
  load(state: EstimatorState): Estimator
}

const REGISTRY: Readonly<Record<EstimatorType, Entry>> = {
  RandomForestClassifier: {
    create: (p) => new RandomForestClassifier(p),
    load: (s) => RandomForestClassifier.fromState(s),
  },
  RandomForestRegressor: {
    create: (p) => new RandomForestRegressor(p),
    load: (s) => RandomForestRegressor.fromState(s),
  },
  DecisionTreeClassifier: {
    create: (p) => new DecisionTreeClassifier(p),
    load: (s) => DecisionTreeClassifier.fromState(s),
  },
  DecisionTreeRegressor: {
    create: (p) => new DecisionTreeRegressor(p),
    load: (s) => DecisionTreeRegressor.fromState(s),
  },
  LogisticRegression: { create: (p) => new LogisticRegression(p), load: (s) => LogisticRegression.fromState(s) },
  LinearRegression: { create: (p) => new LinearRegression(p), load: (s) => LinearRegression.fromState(s) },
}

/** Every estimator type, in a stable order. */
export const ESTIMATOR_TYPES: readonly EstimatorType[] = Object.keys(REGISTRY) as EstimatorType[]

export function isEstimatorType(value: unknown): value is EstimatorType {
  return typeof value === 'string' && Object.hasOwn(REGISTRY, value)
}

/** A new, unfitted estimator of the given type. Unknown types and parameters throw. */
export function createEstimator(type: EstimatorType, params: Record<string, unknown> = {}): Estimator {
  if (!isEstimatorType(type)) {
    throw new Error(`unknown estimator type ${JSON.stringify(type)}; expected one of ${ESTIMATOR_TYPES.join(', ')}`)
  }
  return REGISTRY[type].create(params)
}

/**
 * A fitted estimator from its saved form (`toJSON()`, possibly through JSON text). Validates the
 * envelope (format, formatVersion, type, params, nFeatures, classes) and the model, and throws an
 * Error naming what is wrong.
 */
export function loadEstimator(state: unknown): Estimator {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new Error(
      `cannot load estimator: expected an object, got ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}`,
    )
  }
  const s = state as Record<string, unknown>
  if (s.format !== STATE_FORMAT) {
    throw new Error(`cannot load estimator: 'format' must be '${STATE_FORMAT}', got ${JSON.stringify(s.format)}`)
  }
  if (s.formatVersion !== STATE_FORMAT_VERSION) {
    throw new Error(
      `cannot load estimator: unsupported formatVersion ${JSON.stringify(s.formatVersion)} (this version reads ${STATE_FORMAT_VERSION})`,
    )
  }
  if (!isEstimatorType(s.type)) {
    throw new Error(
      `cannot load estimator: unknown type ${JSON.stringify(s.type)}; expected one of ${ESTIMATOR_TYPES.join(', ')}`,
    )
  }
  const type = s.type
  if (s.params === null || typeof s.params !== 'object' || Array.isArray(s.params)) {
    throw new Error(`cannot load ${type}: 'params' must be an object`)
  }
  if (typeof s.nFeatures !== 'number' || !Number.isInteger(s.nFeatures) || s.nFeatures < 1) {
    throw new Error(`cannot load ${type}: 'nFeatures' must be a positive integer, got ${JSON.stringify(s.nFeatures)}`)
  }
  if (s.model === null || typeof s.model !== 'object') {
    throw new Error(`cannot load ${type}: 'model' must be an object`)
  }
  const est = (() => {
    try {
      return REGISTRY[type].load(s as unknown as EstimatorState)
    } catch (err) {
      throw new Error(`cannot load ${type}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
  })()
  return est
}
