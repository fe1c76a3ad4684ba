/**
 * The Open Inference Protocol v2 (KServe v2) REST codec: typed tensors in, typed tensors out, and
 * model metadata built from the model's signature.
 *
 * Inputs map onto the model's schema in one of two ways:
 * - one input per column (or per tensor of a multi-tensor schema), named as in the signature, each
 *   of shape `[n]` or `[n, 1]` (MLServer's pandas codec);
 * - a single 2-D tensor `[n, k]` whose `k` values per row are the schema's columns in order (`[n]`
 *   too when the schema has one column), or a single-tensor model's tensor (`[n, ...inner]`, the
 *   inner dimensions as in the signature).
 * A shape that is none of these is refused, and so is a datatype of another kind than the field it
 * feeds (a float column takes FP* and integer datatypes, an integer column integer datatypes, a
 * boolean BOOL, a string or binary BYTES). Each tensor's data is checked against its own shape and
 * datatype first (`tensors.ts`).
 * Outputs are `predict` (labels or values) and, for classifiers with probabilities,
 * `predict_proba` (`[n, classes]`), as MLServer's scikit-learn runtime names them.
 */
import type { Label } from '@keel/ml'
import type { ModelInput, Schema, TensorSpec } from '@keel/sdk'
import { parseJsonBody } from './json-body.js'
import { badRequest, invalidInput } from './protocol-error.js'
import { type Datatype, type TensorIn, isFloatType, isIntegerType, readTensor, shapeText } from './tensors.js'

export const OUTPUT_PREDICT = 'predict'
export const OUTPUT_PROBA = 'predict_proba'

export interface MetadataTensor {
  readonly name: string
  readonly datatype: Datatype
  readonly shape: readonly number[]
}

export interface InferRequest {
  readonly id?: string
  readonly input: ModelInput
  readonly rows: number
  /** The outputs asked for (absent: all default outputs, i.e. `predict`). */
  readonly outputs?: readonly string[]
  readonly parameters?: Readonly<Record<string, unknown>>
}

/** What the codec needs to know of a model. */
export interface ModelShape {
  readonly inputSchema: Schema
  readonly task?: 'classification' | 'regression'
  readonly classes?: readonly Label[]
  readonly hasProba: boolean
  /**
   * A python_function model's output signature when it names several columns (its answer is a
   * DataFrame): the outputs are those columns.
   */
  readonly outputColumns?: Schema
}

const fieldName = (field: { name?: string }, i: number): string => field.name ?? String(i)

/** The MLflow column type or numpy dtype as an OIP datatype. */
export function datatypeOf(type: string): Datatype {
  switch (type) {
    case 'double':
    case 'float64':
      return 'FP64'
    case 'float':
    case 'float32':
      return 'FP32'
    case 'float16':
      return 'FP16'
    case 'long':
    case 'int64':
      return 'INT64'
    case 'integer':
    case 'int32':
      return 'INT32'
    case 'int16':
      return 'INT16'
    case 'int8':
      return 'INT8'
    case 'uint8':
      return 'UINT8'
    case 'uint16':
      return 'UINT16'
    case 'uint32':
      return 'UINT32'
    case 'uint64':
      return 'UINT64'
    case 'boolean':
    case 'bool':
      return 'BOOL'
    default:
      return 'BYTES'
  }
}

/** The datatype of the `predict` output: from the classes when known, else from the values. */
export function predictDatatype(model: ModelShape, values?: readonly unknown[]): Datatype {
  const sample = model.classes ?? values
  if (model.task === 'regression') return 'FP64'
  if (sample === undefined || sample.length === 0) return model.task === 'classification' ? 'INT64' : 'FP64'
  if (sample.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'INT64'
  if (sample.every((v) => typeof v === 'number')) return 'FP64'
  if (sample.every((v) => typeof v === 'boolean')) return 'BOOL'
  return 'BYTES'
}

export function inputMetadata(schema: Schema): MetadataTensor[] {
  return schema.map((field, i) =>
    field.type === 'tensor'
      ? {
          name: fieldName(field, i),
          datatype: datatypeOf((field as TensorSpec).dtype),
          shape: (field as TensorSpec).shape,
        }
      : { name: fieldName(field, i), datatype: datatypeOf(field.type), shape: [-1] },
  )
}

export function outputMetadata(model: ModelShape): MetadataTensor[] {
  if (model.outputColumns !== undefined) return inputMetadata(model.outputColumns)
  const out: MetadataTensor[] = [{ name: OUTPUT_PREDICT, datatype: predictDatatype(model), shape: [-1] }]
  if (model.hasProba) out.push({ name: OUTPUT_PROBA, datatype: 'FP64', shape: [-1, model.classes?.length ?? -1] })
  return out
}

/** Splits a flat row-major tensor into rows of `width` values (scalars when width is 1). */
function rowsOf(data: readonly unknown[], rows: number, width: number): unknown[] {
  if (width === 1) return data.slice()
  const out = new Array<unknown>(rows)
  for (let r = 0; r < rows; r++) out[r] = data.slice(r * width, r * width + width)
  return out
}

/** Parses an `/infer` body against the model's schema. Throws a 400 `ProtocolError` naming the problem. */
export function parseInferRequest(body: string, model: ModelShape): InferRequest {
  const value = parseJsonBody(body)
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('The body must be a JSON object {"inputs": [...]}')
  const o = value as Record<string, unknown>
  if (o.id !== undefined && typeof o.id !== 'string') throw badRequest("'id' must be a string")
  if (
    o.parameters !== undefined &&
    (typeof o.parameters !== 'object' || o.parameters === null || Array.isArray(o.parameters))
  ) {
    throw badRequest("'parameters' must be an object")
  }
  if (!Array.isArray(o.inputs) || o.inputs.length === 0)
    throw badRequest("'inputs' must be a non-empty array of tensors")
  const tensors = o.inputs.map(readTensor)
  const outputs = readRequestedOutputs(o.outputs, model)
  const { input, rows } = toModelInput(tensors, model.inputSchema)
  return {
    ...(o.id !== undefined && { id: o.id as string }),
    input,
    rows,
    ...(outputs !== undefined && { outputs }),
    ...(o.parameters !== undefined && { parameters: o.parameters as Record<string, unknown> }),
  }
}

function readRequestedOutputs(raw: unknown, model: ModelShape): string[] | undefined {
  if (raw === undefined) return undefined
  if (!Array.isArray(raw)) throw badRequest("'outputs' must be an array of {name}")
  const known = outputMetadata(model).map((o) => o.name)
  return raw.map((o: unknown, i) => {
    const name = typeof o === 'object' && o !== null ? (o as { name?: unknown }).name : undefined
    if (typeof name !== 'string') throw badRequest(`outputs[${i}].name must be a string`)
    if (!known.includes(name))
      throw invalidInput(`Unknown output '${name}': the model has ${known.map((k) => `'${k}'`).join(', ')}`)
    return name
  })
}

type Field = Schema[number]

const isTensorField = (field: Field): field is TensorSpec => field.type === 'tensor'
const fieldType = (field: Field): string => (isTensorField(field) ? field.dtype : field.type)

/** Whether a tensor of `datatype` may feed a field of the signature: same kind, as MLflow converts. */
function accepts(field: Field, datatype: Datatype): boolean {
  const wanted = datatypeOf(fieldType(field))
  if (isFloatType(wanted)) return isFloatType(datatype) || isIntegerType(datatype)
  if (isIntegerType(wanted)) return isIntegerType(datatype)
  return datatype === wanted
}

function checkDatatype(t: TensorIn, field: Field, i: number): void {
  if (accepts(field, t.datatype)) return
  const what = isTensorField(field) ? 'tensor' : 'column'
  throw invalidInput(
    `Input '${t.name}' is ${t.datatype}, but the signature's ${what} '${fieldName(field, i)}' is ${fieldType(field)}: send ${datatypeOf(fieldType(field))}`,
  )
}

/** The shape a field's own tensor must have, as text, or undefined when `shape` fits. */
function fieldShapeProblem(field: Field, shape: readonly number[]): string | undefined {
  if (!isTensorField(field))
    return shape.length === 1 || (shape.length === 2 && shape[1] === 1) ? undefined : '[rows] or [rows, 1]'
  const inner = field.shape.slice(1)
  const fits = shape.length === field.shape.length && inner.every((d, j) => d < 0 || d === shape[j + 1])
  return fits
    ? undefined
    : `[rows${inner.map((d) => `, ${d < 0 ? '?' : d}`).join('')}] (the signature's ${shapeText(field.shape)})`
}

/**
 * A model without a signature (a python_function model logged without one) takes what it is sent,
 * as MLServer's MLflow runtime passes it on: a single tensor of rows (`[n, k]`) as rows of values,
 * tensors of one value per row (`[n]` or `[n, 1]`) as columns named as the tensors.
 */
function unschematized(tensors: readonly TensorIn[]): { input: ModelInput; rows: number } {
  if (tensors.length === 1 && tensors[0]!.shape.length > 1) {
    const t = tensors[0]!
    return wholeRows(
      t,
      t.shape.slice(1).reduce((a, b) => a * b, 1),
    )
  }
  const columns: Record<string, unknown[]> = {}
  let rows = -1
  for (const t of tensors) {
    if (Object.hasOwn(columns, t.name)) throw badRequest(`Input '${t.name}' is given twice`)
    if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1)))
      throw invalidInput(
        `Input '${t.name}' must have shape [rows] or [rows, 1] (one column), got ${shapeText(t.shape)}`,
      )
    const n = t.shape[0]!
    if (rows >= 0 && n !== rows)
      throw invalidInput(`Inputs differ in batch size: '${t.name}' has ${n} rows, others ${rows}`)
    rows = n
    columns[t.name] = t.data.slice()
  }
  if (rows === 0) throw invalidInput('The request has no rows')
  return { input: columns, rows }
}

/** Maps the tensors onto the model's signature (see the module's doc), checking shapes and datatypes. */
function toModelInput(tensors: readonly TensorIn[], schema: Schema): { input: ModelInput; rows: number } {
  if (schema.length === 0) return unschematized(tensors)
  const names = schema.map(fieldName)
  const byName = tensors.every((t) => names.includes(t.name))
  if (
    byName &&
    !(tensors.length === 1 && schema.length > 1 && tensors[0]!.shape.length === 2 && tensors[0]!.shape[1]! > 1)
  ) {
    // One tensor per field, each a batch of that field's values.
    const seen = new Set<string>()
    const columns: Record<string, unknown[]> = {}
    let rows = -1
    for (const t of tensors) {
      if (seen.has(t.name)) throw badRequest(`Input '${t.name}' is given twice`)
      seen.add(t.name)
      const i = names.indexOf(t.name)
      const field = schema[i]!
      const problem = fieldShapeProblem(field, t.shape)
      if (problem !== undefined)
        throw invalidInput(`Input '${t.name}' must have shape ${problem}, got ${shapeText(t.shape)}`)
      checkDatatype(t, field, i)
      const n = t.shape[0]!
      if (rows >= 0 && n !== rows)
        throw invalidInput(`Inputs differ in batch size: '${t.name}' has ${n} rows, others ${rows}`)
      rows = n
      columns[t.name] = rowsOf(
        t.data,
        n,
        t.shape.slice(1).reduce((a, b) => a * b, 1),
      )
    }
    if (rows === 0) throw invalidInput('The request has no rows')
    return { input: columns, rows }
  }
  if (tensors.length !== 1) {
    const unknown = tensors.filter((t) => !names.includes(t.name)).map((t) => `'${t.name}'`)
    throw invalidInput(
      `Unknown input ${unknown.join(', ')}: the model takes ${names.map((n) => `'${n}'`).join(', ')} (one tensor each), or a single [rows, ${schema.length}] tensor`,
    )
  }
  // A single tensor holding whole rows: the single-tensor model's tensor, or every column in order.
  const t = tensors[0]!
  const first = schema[0]!
  if (schema.length === 1 && isTensorField(first)) {
    const problem = fieldShapeProblem(first, t.shape)
    if (problem !== undefined)
      throw invalidInput(`Input '${t.name}' must have shape ${problem}, got ${shapeText(t.shape)}`)
    checkDatatype(t, first, 0)
    return wholeRows(
      t,
      t.shape.slice(1).reduce((a, b) => a * b, 1),
    )
  }
  const k = schema.length
  if (!((t.shape.length === 2 && t.shape[1] === k) || (k === 1 && t.shape.length === 1))) {
    throw invalidInput(
      `Input '${t.name}' must have shape [rows, ${k}] (${k} value${k === 1 ? '' : 's'} per row: ${names.join(', ')}), got ${shapeText(t.shape)}`,
    )
  }
  schema.forEach((field, i) => {
    checkDatatype(t, field, i)
  })
  return wholeRows(t, k)
}

/** A tensor's data as rows of `width` values each. */
function wholeRows(t: TensorIn, width: number): { input: ModelInput; rows: number } {
  const rows = t.shape[0]!
  if (rows === 0) throw invalidInput('The request has no rows')
  const out = new Array<unknown[]>(rows)
  for (let r = 0; r < rows; r++) out[r] = t.data.slice(r * width, r * width + width)
  return { input: out, rows }
}

export interface InferResult {
  readonly predictions: readonly unknown[]
  readonly probabilities?: readonly (readonly number[])[]
}

const tensorJson = (name: string, shape: readonly number[], datatype: Datatype, data: readonly unknown[]): string =>
  `{"name":${JSON.stringify(name)},"shape":[${shape.join(',')}],"datatype":"${datatype}","data":${JSON.stringify(data)}}`

/** A shape that says nothing of the outputs: their datatype is read from their values. */
const UNKNOWN_SHAPE: ModelShape = { inputSchema: [], hasProba: false }

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The `predict` output: one value per row (`[n]`); rows of values (a python_function model's 2-D
 * array) as one `[n, k]` tensor; records (its DataFrame) as one `[n]` output per column, named as
 * the column, as MLServer's pandas codec answers.
 */
function predictOutputs(model: ModelShape, predictions: readonly unknown[]): string[] {
  const n = predictions.length
  if (n > 0 && predictions.every(Array.isArray)) {
    const rows = predictions as readonly (readonly unknown[])[]
    const k = rows[0]!.length
    if (rows.every((r) => r.length === k)) {
      const flat = rows.flat()
      return [tensorJson(OUTPUT_PREDICT, [n, k], predictDatatype(UNKNOWN_SHAPE, flat), flat)]
    }
  }
  if (n > 0 && predictions.every(isRecord)) {
    const names = Object.keys(predictions[0] as Record<string, unknown>)
    return names.map((name) => {
      const column = predictions.map((r) => (r as Record<string, unknown>)[name] ?? null)
      return tensorJson(name, [n], predictDatatype(UNKNOWN_SHAPE, column), column)
    })
  }
  return [tensorJson(OUTPUT_PREDICT, [n], predictDatatype(model, predictions), predictions)]
}

/** The `/infer` answer as JSON text. */
export function inferResponse(
  model: ModelShape,
  modelName: string,
  modelVersion: string | undefined,
  id: string,
  result: InferResult,
  requested: readonly string[] | undefined,
): string {
  const outputs: string[] = []
  const want = (name: string): boolean => (requested === undefined ? name === OUTPUT_PREDICT : requested.includes(name))
  const n = result.predictions.length
  if (want(OUTPUT_PREDICT)) outputs.push(...predictOutputs(model, result.predictions))
  if (want(OUTPUT_PROBA) && result.probabilities !== undefined) {
    const k = result.probabilities[0]?.length ?? 0
    outputs.push(
      `{"name":"${OUTPUT_PROBA}","shape":[${n},${k}],"datatype":"FP64","data":${JSON.stringify(result.probabilities.flat())}}`,
    )
  }
  const version = modelVersion === undefined ? '' : `"model_version":${JSON.stringify(modelVersion)},`
  return `{"model_name":${JSON.stringify(modelName)},${version}"id":${JSON.stringify(id)},"outputs":[${outputs.join(',')}]}`
}
