/**
 * keel's native flavor: an estimator of `@keel/ml` saved as JSON (`model.json`, its `toJSON()`),
 * loaded with `loadEstimator` and run in-process.
 *
 * ```yaml
 * flavors:
 *   keel:
 *     data: model.json
 *     estimator_type: RandomForestClassifier
 *     task: classification
 *     classes: [0, 1, 2]
 *     feature_names: [sepal length (cm), …]
 *     keel_version: 0.1.0
 *     keel_ml_version: 0.1.0
 *     env: environment.json
 * ```
 */
import { readFile } from 'node:fs/promises'
import { KeelError } from '@keel/contracts'
import { type Estimator, type Label, loadEstimator } from '@keel/ml'
import { compileInputSchema, toMatrix } from '../enforce.js'
import type { FlavorConfig, MLmodel } from '../mlmodel.js'
import type { ColumnSpec, Schema } from '../signature.js'
import { type Flavor, type FlavorModel, modelFile } from './flavor.js'

export const KEEL_FLAVOR = 'keel'
export const KEEL_MODEL_FILE = 'model.json'

/** The `keel` flavor's configuration in `MLmodel`. */
export interface KeelFlavorConfig {
  readonly data: string
  readonly estimator_type: string
  readonly task: 'classification' | 'regression'
  readonly classes?: readonly Label[]
  readonly feature_names?: readonly string[]
  readonly keel_version: string
  readonly keel_ml_version?: string
  /** The environment file (see `environment.ts`). */
  readonly env?: string
  readonly [key: string]: unknown
}

/** The input schema of an estimator without a signature: its feature names as double columns, else a float64 tensor. */
export function featureSchema(nFeatures: number, featureNames?: readonly string[]): Schema {
  if (featureNames === undefined) return [{ type: 'tensor', dtype: 'float64', shape: [-1, nFeatures] }]
  return featureNames.map((name): ColumnSpec => ({ type: 'double', name, required: true }))
}

async function readEstimator(path: string): Promise<Estimator> {
  let state: unknown
  try {
    state = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw KeelError.notFound(`The keel model file '${path}' is missing`)
    throw KeelError.invalid(`The keel model file '${path}' is not valid JSON: ${(error as Error).message}`)
  }
  try {
    return loadEstimator(state)
  } catch (error) {
    throw KeelError.invalid(`The keel model file '${path}' cannot be loaded: ${(error as Error).message}`)
  }
}

export const keelFlavor: Flavor = {
  name: 'keel',
  async load(dir: string, mlmodel: MLmodel, config: FlavorConfig): Promise<FlavorModel> {
    const estimator = await readEstimator(modelFile(dir, config, KEEL_FLAVOR))
    const names = config.feature_names
    const featureNames =
      Array.isArray(names) && names.every((n) => typeof n === 'string') ? (names as string[]) : undefined
    const input = compileInputSchema(mlmodel.signature?.inputs ?? featureSchema(estimator.nFeatures, featureNames))
    if (input.width !== estimator.nFeatures) {
      throw KeelError.invalid(
        `The model's signature has ${input.width} input values per row but its estimator takes ${estimator.nFeatures} features`,
      )
    }
    const text = input.fields.find((f) => f.kind !== 'number')
    if (text !== undefined)
      throw KeelError.invalid(`The model's input '${text.name}' is ${text.dtype}: keel's estimators take numbers only`)
    if (estimator.task === 'classification') {
      const classifier = estimator
      return {
        input,
        task: 'classification',
        classes: classifier.classes,
        predict: (batch) => classifier.predict(toMatrix(batch)),
        predictProba: (batch) => classifier.predictProba(toMatrix(batch)),
      }
    }
    const regressor = estimator
    return { input, task: 'regression', predict: (batch) => regressor.predict(toMatrix(batch)) }
  },
}
