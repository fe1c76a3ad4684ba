/** What a flavor is to keel: something that loads a model directory into a predictor over feature batches. */
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import type { Label } from '@keel/ml'
import { normalizeArtifactPath } from '../../artifacts.js'
import type { FeatureBatch, InputConverter } from '../enforce.js'
import type { FlavorConfig, MLmodel } from '../mlmodel.js'
import type { PythonEnv, PythonEnvOptions } from '../python/environment.js'
import type { WorkerInfo, WorkerPoolOptions } from '../python/worker-pool.js'

/** The flavors keel runs: two in Node, and MLflow's python_function through Python workers. */
export type FlavorName = 'keel' | 'onnx' | 'python_function'

/** One prediction: a label or value, or (python_function models) a row of values or a record. */
export type PredictionValue =
  | Label
  | boolean
  | null
  | readonly PredictionValue[]
  | { readonly [key: string]: PredictionValue }

/** How python_function models are run: the environment, and the worker pool's bounds. */
export interface PythonModelOptions extends PythonEnvOptions, Omit<WorkerPoolOptions, 'python'> {}

/** What a prediction may be told besides its rows. */
export interface PredictOptions {
  /** MLflow's inference `params` (`PyFuncModel.predict(data, params=...)`), checked by the model's params schema. */
  readonly params?: Readonly<Record<string, unknown>>
}

/** What a flavor's loader may be told. */
export interface FlavorLoadOptions {
  readonly python?: PythonModelOptions
}

/** What a model run by Python workers shows of them. */
export interface PythonRuntime {
  /** The workers' process ids now. */
  pids(): number[]
  /** Calls made to the workers, the requests they carried, and workers started to replace others. */
  stats(): { readonly batches: number; readonly requests: number; readonly restarts: number }
  /** What the first worker reported when it loaded the model. */
  readonly info: WorkerInfo
  readonly env: PythonEnv
}

/** A loaded model, below signature enforcement: it takes checked, converted batches. */
export interface FlavorModel {
  /** The model's effective input schema (its signature's inputs, else what the flavor knows of its inputs), compiled. */
  readonly input: InputConverter
  readonly task?: 'classification' | 'regression'
  /** Classifiers whose classes are known: the columns of `predictProba`. */
  readonly classes?: readonly Label[]
  /** `options.params`: MLflow's inference params (python_function models; the others take none). */
  predict(batch: FeatureBatch, options?: PredictOptions): Promise<Label[] | number[]> | Label[] | number[]
  /** Models run by Python workers. */
  readonly python?: PythonRuntime
  /** Classifiers with probabilities only. */
  predictProba?(batch: FeatureBatch): Promise<number[][]> | number[][]
  /** Both at once, where that costs less than two calls (a python_function model: one call to a worker). */
  predictWithProba?(
    batch: FeatureBatch,
    options?: PredictOptions,
  ): Promise<{ predictions: Label[] | number[]; probabilities: number[][] }>
  /** Releases native resources (the ONNX session). */
  close?(): Promise<void>
}

export interface Flavor {
  /** The key of the flavor in `MLmodel`'s `flavors`. */
  readonly name: FlavorName
  /** Loads the model in `dir` whose `MLmodel` has this flavor with `config`. */
  load(dir: string, mlmodel: MLmodel, config: FlavorConfig, options?: FlavorLoadOptions): Promise<FlavorModel>
}

/** A string entry of a flavor's configuration, or a clear error. */
export function configString(config: FlavorConfig, flavor: string, key: string): string {
  const value = config[key]
  if (typeof value !== 'string' || value === '') {
    throw KeelError.invalid(`MLmodel: flavor '${flavor}' needs a '${key}' string, got ${JSON.stringify(value)}`)
  }
  return value
}

/** The local path of a file a flavor names (relative to the model directory; '..' refused). */
export function modelFile(dir: string, config: FlavorConfig, flavor: string, key = 'data'): string {
  const rel = normalizeArtifactPath(configString(config, flavor, key))
  if (rel === '') throw KeelError.invalid(`MLmodel: flavor '${flavor}' has an empty '${key}'`)
  return join(dir, ...rel.split('/'))
}
