/**
 * The `MLmodel` file at the root of a model directory, in MLflow's format: YAML with the flavors
 * (how each runtime loads the model), the signature (JSON strings), the input example's location,
 * ids and creation time. Parsing is tolerant (unknown keys are kept and written back); what keel
 * uses is validated, with errors that say which key is wrong.
 */
import { randomUUID } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import { parse, stringify } from 'yaml'
import { type ModelSignature, signatureFromDict, signatureToDict } from './signature.js'

export const MLMODEL_FILE = 'MLmodel'

/** One flavor's configuration, e.g. `{ data: 'model.onnx', onnx_version: '1.17.0' }`. */
export type FlavorConfig = Readonly<Record<string, unknown>>

/** Where the input example is stored (`saved_input_example_info`), as MLflow writes it. */
export interface InputExampleInfo {
  /** The example's file, e.g. `input_example.json`. */
  readonly artifact_path: string
  /** `dataframe` (with `pandas_orient: split`) or `ndarray` (with `format: tf-serving`). */
  readonly type: string
  readonly pandas_orient?: string
  readonly format?: string
  /** The same example as a scoring-server request body, e.g. `serving_input_example.json`. */
  readonly serving_input_path?: string
  readonly [key: string]: unknown
}

/** The parsed `MLmodel` (camelCase for the fields keel knows; everything else in `extra`). */
export interface MLmodel {
  /** Where the model was logged (MLflow 3: the logged model's artifact location). */
  readonly artifactPath?: string
  readonly flavors: Readonly<Record<string, FlavorConfig>>
  readonly modelUuid?: string
  /** The logged model's id (`m-…`), when the model was logged with MLflow 3 / keel. */
  readonly modelId?: string
  readonly runId?: string
  /** UTC, as MLflow writes it: `2026-01-31 12:34:56.789012`. */
  readonly utcTimeCreated?: string
  readonly mlflowVersion?: string
  readonly signature?: ModelSignature
  readonly savedInputExampleInfo?: InputExampleInfo
  readonly modelSizeBytes?: number
  /** User metadata (`metadata:` in MLmodel). */
  readonly metadata?: Readonly<Record<string, unknown>>
  /** Keys keel does not interpret (e.g. `prompts`, `is_signature_from_type_hint`), written back as read. */
  readonly extra?: Readonly<Record<string, unknown>>
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The current time as MLflow writes `utc_time_created`. */
export function utcTimeCreated(date = new Date()): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`
}

/** A new model UUID (32 hex digits, as Python's `uuid4().hex`). */
export const newModelUuid = (): string => randomUUID().replaceAll('-', '')

function optionalString(raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key]
  if (value === undefined || value === null) return undefined
  if (value instanceof Date) return utcTimeCreated(value)
  if (typeof value !== 'string' && typeof value !== 'number')
    throw KeelError.invalid(`MLmodel: '${key}' must be a string`)
  return String(value)
}

const KNOWN = new Set([
  'artifact_path',
  'flavors',
  'model_uuid',
  'model_id',
  'run_id',
  'utc_time_created',
  'mlflow_version',
  'signature',
  'saved_input_example_info',
  'model_size_bytes',
  'metadata',
])

/** Parses the text of an `MLmodel` file. `source` names it in errors. */
export function parseMLmodel(text: string, source = MLMODEL_FILE): MLmodel {
  let raw: unknown
  try {
    raw = parse(text)
  } catch (error) {
    throw KeelError.invalid(`${source} is not valid YAML: ${(error as Error).message}`)
  }
  if (!isRecord(raw)) throw KeelError.invalid(`${source} must be a YAML mapping`)
  const flavors = raw.flavors
  if (!isRecord(flavors) || Object.keys(flavors).length === 0)
    throw KeelError.invalid(`${source} has no 'flavors': it does not describe a model`)
  for (const [name, config] of Object.entries(flavors)) {
    if (!isRecord(config)) throw KeelError.invalid(`${source}: flavor '${name}' must be a mapping`)
  }
  let signature: ModelSignature | undefined
  try {
    signature = signatureFromDict(raw.signature)
  } catch (error) {
    throw KeelError.invalid(`${source}: invalid signature: ${(error as Error).message}`)
  }
  const info = raw.saved_input_example_info
  if (info !== undefined && info !== null && !(isRecord(info) && typeof info.artifact_path === 'string')) {
    throw KeelError.invalid(`${source}: 'saved_input_example_info' must be a mapping with an 'artifact_path'`)
  }
  const size = raw.model_size_bytes
  if (size !== undefined && size !== null && typeof size !== 'number')
    throw KeelError.invalid(`${source}: 'model_size_bytes' must be a number`)
  const metadata = raw.metadata
  if (metadata !== undefined && metadata !== null && !isRecord(metadata))
    throw KeelError.invalid(`${source}: 'metadata' must be a mapping`)
  const extra = Object.fromEntries(Object.entries(raw).filter(([key]) => !KNOWN.has(key)))
  const fields = {
    artifactPath: optionalString(raw, 'artifact_path'),
    flavors: flavors as Record<string, FlavorConfig>,
    modelUuid: optionalString(raw, 'model_uuid'),
    modelId: optionalString(raw, 'model_id'),
    runId: optionalString(raw, 'run_id'),
    utcTimeCreated: optionalString(raw, 'utc_time_created'),
    mlflowVersion: optionalString(raw, 'mlflow_version'),
    signature,
    savedInputExampleInfo: isRecord(info) ? (info as InputExampleInfo) : undefined,
    modelSizeBytes: typeof size === 'number' ? size : undefined,
    metadata: isRecord(metadata) ? metadata : undefined,
    extra: Object.keys(extra).length > 0 ? extra : undefined,
  }
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as MLmodel
}

/** The snake_case dictionary MLflow's `Model.to_dict()` gives. */
export function mlmodelToDict(model: MLmodel): Record<string, unknown> {
  const dict: Record<string, unknown> = {
    ...model.extra,
    artifact_path: model.artifactPath,
    flavors: model.flavors,
    model_uuid: model.modelUuid,
    model_id: model.modelId,
    run_id: model.runId,
    utc_time_created: model.utcTimeCreated,
    mlflow_version: model.mlflowVersion,
    signature: model.signature === undefined ? undefined : signatureToDict(model.signature),
    saved_input_example_info: model.savedInputExampleInfo,
    model_size_bytes: model.modelSizeBytes,
    metadata: model.metadata,
  }
  return Object.fromEntries(Object.entries(dict).filter(([, v]) => v !== undefined))
}

/**
 * The YAML text of an `MLmodel`: keys sorted and strings quoted as PyYAML's `safe_dump` does (YAML
 * 1.1 rules, so that a timestamp-like string stays a string for MLflow's reader).
 */
export function serializeMLmodel(model: MLmodel): string {
  return stringify(mlmodelToDict(model), { sortMapEntries: true, singleQuote: true, version: '1.1', indentSeq: false })
}

/** Reads `<dir>/MLmodel`; a missing file is RESOURCE_DOES_NOT_EXIST. */
export async function readMLmodel(dir: string): Promise<MLmodel> {
  const path = join(dir, MLMODEL_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw KeelError.notFound(`No ${MLMODEL_FILE} file in '${dir}': it is not a model directory`)
    throw error
  }
  return parseMLmodel(text, path)
}

export async function writeMLmodel(dir: string, model: MLmodel): Promise<void> {
  await writeFile(join(dir, MLMODEL_FILE), serializeMLmodel(model))
}

/** A fresh `MLmodel` for a model being saved: new uuid, created now. */
export function newMLmodel(fields: Omit<MLmodel, 'modelUuid' | 'utcTimeCreated'>): MLmodel {
  return { modelUuid: newModelUuid(), utcTimeCreated: utcTimeCreated(), ...fields }
}
