/**
 * `saveModel`: writes a fitted `@keel/ml` estimator as a model directory in MLflow's layout:
 *
 * ```
 * MLmodel                      flavors (keel), signature, input example info, ids
 * model.json                   the estimator's saved state
 * environment.json             Node's and the packages' versions
 * input_example.json           when an input example is given (and serving_input_example.json)
 * ```
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import type { Estimator } from '@keel/ml'
import { SDK_VERSION } from '../version.js'
import { compileInputSchema } from './enforce.js'
import { ENVIRONMENT_FILE, currentEnvironment } from './environment.js'
import { KEEL_FLAVOR, KEEL_MODEL_FILE, type KeelFlavorConfig, featureSchema } from './flavors/keel.js'
import { writeInputExample } from './input-example.js'
import { type MLmodel, newMLmodel, writeMLmodel } from './mlmodel.js'
import {
  type ModelSignature,
  type Row,
  type Schema,
  inferOutputSchema,
  inferSchema,
  isTensorSchema,
} from './signature.js'

export interface SaveModelOptions {
  /** The name of each feature, in the order of the training matrix's columns: the signature's input columns (double). */
  readonly featureNames?: readonly string[]
  /**
   * The signature; default: the feature names as double columns, else a schema inferred from an
   * input example of object rows, else a float64 tensor `[-1, nFeatures]`. Outputs default to the
   * labels' type (long or string) for a classifier, double for a regressor.
   */
  readonly signature?: ModelSignature
  /** A few rows (objects keyed by feature name, or arrays in feature order); checked against the signature. */
  readonly inputExample?: readonly Row[]
  /** Free-form metadata (`metadata:` in MLmodel). */
  readonly metadata?: Readonly<Record<string, unknown>>
  /** Recorded in MLmodel when the model is logged to a run / as a logged model. */
  readonly runId?: string
  readonly modelId?: string
  readonly artifactPath?: string
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? await sizeOf(path) : (await stat(path)).size
  }
  return total
}

/** Creates `dir`, refusing a non-empty one (as MLflow's `save_model` refuses an existing path). */
async function prepareDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  if ((await readdir(dir)).length > 0)
    throw KeelError.alreadyExists(`Cannot save a model to '${dir}': the folder is not empty`)
}

function defaultInputs(estimator: Estimator, options: SaveModelOptions): Schema {
  if (options.featureNames !== undefined) return featureSchema(estimator.nFeatures, options.featureNames)
  const example = options.inputExample
  if (example !== undefined && example.length > 0 && example.every((r) => !Array.isArray(r)))
    return inferSchema(example, 'input example')
  return featureSchema(estimator.nFeatures)
}

/**
 * Saves a fitted estimator to `dir` (created; must be empty) with the `keel` flavor, and returns
 * the `MLmodel` written. Load it back with `loadModel(dir)`.
 */
export async function saveModel(estimator: Estimator, dir: string, options: SaveModelOptions = {}): Promise<MLmodel> {
  let state: unknown
  try {
    state = estimator.toJSON()
  } catch (error) {
    throw KeelError.invalid(`Cannot save the ${estimator.type}: ${(error as Error).message} (fit it first)`)
  }
  const { featureNames } = options
  if (featureNames !== undefined) {
    if (featureNames.length !== estimator.nFeatures) {
      throw KeelError.invalid(
        `featureNames has ${featureNames.length} names but the estimator was fitted on ${estimator.nFeatures} features`,
      )
    }
    if (new Set(featureNames).size !== featureNames.length) throw KeelError.invalid('featureNames has a name twice')
  }
  const signature: ModelSignature = options.signature ?? {
    inputs: defaultInputs(estimator, options),
    outputs: inferOutputSchema(estimator.task === 'classification' ? estimator.classes : [0.5]),
  }
  const input = compileInputSchema(signature.inputs)
  if (input.width !== estimator.nFeatures) {
    throw KeelError.invalid(
      `The signature has ${input.width} input values per row but the estimator was fitted on ${estimator.nFeatures} features`,
    )
  }
  if (options.inputExample !== undefined) input.convert(options.inputExample) // fails early, naming the column

  await prepareDir(dir)
  await writeFile(join(dir, KEEL_MODEL_FILE), JSON.stringify(state))
  const environment = currentEnvironment()
  await writeFile(join(dir, ENVIRONMENT_FILE), `${JSON.stringify(environment, null, 2)}\n`)
  const columns = isTensorSchema(signature.inputs) ? undefined : input.fields.map((f) => f.name)
  const exampleInfo =
    options.inputExample === undefined ? undefined : await writeInputExample(dir, options.inputExample, columns)

  const names = featureNames ?? (columns !== undefined && columns.length === estimator.nFeatures ? columns : undefined)
  const flavor: KeelFlavorConfig = {
    data: KEEL_MODEL_FILE,
    env: ENVIRONMENT_FILE,
    estimator_type: estimator.type,
    task: estimator.task,
    ...(estimator.task === 'classification' && { classes: [...estimator.classes] }),
    ...(names !== undefined && { feature_names: [...names] }),
    keel_version: SDK_VERSION,
    ...(environment.packages['@keel/ml'] !== undefined && { keel_ml_version: environment.packages['@keel/ml'] }),
  }
  const mlmodel = newMLmodel({
    ...(options.artifactPath !== undefined && { artifactPath: options.artifactPath }),
    flavors: { [KEEL_FLAVOR]: flavor },
    ...(options.modelId !== undefined && { modelId: options.modelId }),
    ...(options.runId !== undefined && { runId: options.runId }),
    signature,
    ...(exampleInfo !== undefined && { savedInputExampleInfo: exampleInfo }),
    modelSizeBytes: await sizeOf(dir),
    ...(options.metadata !== undefined && { metadata: options.metadata }),
  })
  const written = options.modelId === undefined ? mlmodel : { ...mlmodel, modelUuid: options.modelId }
  await writeMLmodel(dir, written)
  return written
}
