/**
 * The Open Inference Protocol v2 (KServe v2) REST codec: typed tensors in, typed tensors out, and
 * model metadata built from the model's signature.
 *
 * Inputs map onto the model's schema in one of two ways:
 * - one input per column (or per tensor of a multi-tensor schema), named as in the signature, each
 *   of shape `[n]` or `[n, 1]` (MLServer's pandas codec);
 * - a single 2-D tensor `[n, k]` whose `k` values per row are the schema's columns in order, or a
 *   single-tensor model's tensor (`[n, ...inner]`).
 * Outputs are `predict` (labels or values) and, for classifiers with probabilities,
 * `predict_proba` (`[n, classes]`), as MLServer's scikit-learn runtime names them.
 */
import type { Label } from '@keel/ml'
import type { ModelInput, Schema, TensorSpec } from '@keel/sdk'
import { badRequest, invalidInput } from './protocol-error.js'

export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const
export type Datatype = (typeof DATATYPES)[number]

const INT_BOUNDS: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
}

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
}

const fieldName = (field: { name?: string }, i: number): string => field.name ?? String(i)

/** The MLflow column type or numpy dtype as an OIP datatype. */
export function datatypeOf(type: string): Datatype {
  switch (type) {
    case 'double': case 'float64': return 'FP64'
    case 'float': case 'float32': return 'FP32'
    case 'float16': return 'FP16'
    case 'long': case 'int64': return 'INT64'
    case 'integer': case 'int32': return 'INT32'
    case 'int16': return 'INT16'
    case 'int8': return 'INT8'
    case 'uint8': return 'UINT8'
    case 'uint16': return 'UINT16'
    case 'uint32': return 'UINT32'
    case 'uint64': return 'UINT64'
    case 'boolean': case 'bool': return 'BOOL'
    default: return 'BYTES'
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
      ? { name: fieldName(field, i), datatype: datatypeOf((field as TensorSpec).dtype), shape: (field as TensorSpec).shape }
      : { name: fieldName(field, i), datatype: datatypeOf(field.type), shape: [-1] },
  )
}

export function outputMetadata(model: ModelShape): MetadataTensor[] {
  const out: MetadataTensor[] = [{ name: OUTPUT_PREDICT, datatype: predictDatatype(model), shape: [-1] }]
  if (model.hasProba) out.push({ name: OUTPUT_PROBA, datatype: 'FP64', shape: [-1, model.classes?.length ?? -1] })
  return out
}

interface TensorIn {
  readonly name: string
  readonly shape: readonly number[]
  readonly datatype: Datatype
  readonly data: unknown[]
}

/** Flattens nested data row-major, checking each leaf against the datatype. */
function flatten(data: unknown, datatype: Datatype, name: string): unknown[] {
  const out: unknown[] = []
  const bounds = INT_BOUNDS[datatype]
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v)
      return
    }
    const ok =
      datatype === 'BOOL' ? typeof value === 'boolean'
      : datatype === 'BYTES' ? typeof value === 'string'
      : bounds !== undefined ? typeof value === 'number' && Number.isInteger(value) && value >= bounds[0] && value <= bounds[1]
      : typeof value === 'number'
    if (!ok) {
      const what = datatype === 'BOOL' ? 'booleans' : datatype === 'BYTES' ? 'strings' : bounds !== undefined ? `integers in [${bounds[0]}, ${bounds[1]}]` : 'numbers'
      throw invalidInput(`Input '${name}' is ${datatype}, so its data must be ${what}; got ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`)
    }
    out.push(value)
  }
  visit(data)
  return out
}

function readTensor(raw: unknown, index: number): TensorIn {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest(`inputs[${index}] must be an object {name, shape, datatype, data}`)
  const t = raw as Record<string, unknown>
  if (typeof t.name !== 'string' || t.name === '') throw badRequest(`inputs[${index}].name must be a non-empty string`)
  const name = t.name
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw badRequest(`Input '${name}': shape must be an array of non-negative integers`)
  }
  if (typeof t.datatype !== 'string' || !(DATATYPES as readonly string[]).includes(t.datatype)) {
    throw badRequest(`Input '${name}': datatype must be one of ${DATATYPES.join(', ')}; got ${JSON.stringify(t.datatype)}`)
  }
  if (!Array.isArray(t.data)) throw badRequest(`Input '${name}': data must be an array`)
  const datatype = t.datatype as Datatype
  const shape = t.shape as number[]
  const data = flatten(t.data, datatype, name)
  const expected = shape.reduce((a, b) => a * b, 1)
  if (data.length !== expected) throw invalidInput(`Input '${name}': shape [${shape.join(', ')}] holds ${expected} values, but data has ${data.length}`)
  return { name, shape, datatype, data }
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
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch (error) {
    throw badRequest(`The body is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('The body must be a JSON object {"inputs": [...]}')
  const o = value as Record<string, unknown>
  if (o.id !== undefined && typeof o.id !== 'string') throw badRequest("'id' must be a string")
  if (o.parameters !== undefined && (typeof o.parameters !== 'object' || o.parameters === null || Array.isArray(o.parameters))) {
    throw badRequest("'parameters' must be an object")
  }
  if (!Array.isArray(o.inputs) || o.inputs.length === 0) throw badRequest("'inputs' must be a non-empty array of tensors")
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
    if (!known.includes(name)) throw invalidInput(`Unknown output '${name}': the model has ${known.map((k) => `'${k}'`).join(', ')}`)
    return name
  })
}

function toModelInput(tensors: readonly TensorIn[], schema: Schema): { input: ModelInput; rows: number } {
  const names = schema.map(fieldName)
  const byName = tensors.every((t) => names.includes(t.name))
  if (byName && !(tensors.length === 1 && schema.length > 1 && tensors[0]!.shape.length === 2 && tensors[0]!.shape[1]! > 1)) {
    // One tensor per field, each a batch of that field's values.
    const seen = new Set<string>()
    const columns: Record<string, unknown[]> = {}
    let rows = -1
    for (const t of tensors) {
      if (seen.has(t.name)) throw badRequest(`Input '${t.name}' is given twice`)
      seen.add(t.name)
      const n = t.shape[0] ?? 1
      const width = t.shape.length <= 1 ? 1 : t.shape.slice(1).reduce((a, b) => a * b, 1)
      if (rows >= 0 && n !== rows) throw invalidInput(`Inputs differ in batch size: '${t.name}' has ${n} rows, others ${rows}`)
      rows = n
      columns[t.name] = rowsOf(t.data, n, width)
    }
    if (rows === 0) throw invalidInput('The request has no rows')
    return { input: columns, rows }
  }
  if (tensors.length !== 1) {
    const unknown = tensors.filter((t) => !names.includes(t.name)).map((t) => `'${t.name}'`)
    throw invalidInput(`Unknown input ${unknown.join(', ')}: the model takes ${names.map((n) => `'${n}'`).join(', ')} (one tensor each), or a single [rows, ${schema.length}] tensor`)
  }
  // A single tensor holding whole rows.
  const t = tensors[0]!
  const first = schema[0]
  const singleTensor = schema.length === 1 && first?.type === 'tensor'
  const width = singleTensor ? (first as TensorSpec).shape.slice(1).reduce((a, b) => a * b, 1) : schema.length
  const rows = t.shape.length <= 1 ? (width === 1 ? (t.shape[0] ?? 1) : 1) : t.shape[0]!
  if (rows * width !== t.data.length) {
    throw invalidInput(`Input '${t.name}': expected [rows, ${width}] (${width} value${width === 1 ? '' : 's'} per row: ${names.join(', ')}), got shape [${t.shape.join(', ')}]`)
  }
  if (rows === 0) throw invalidInput('The request has no rows')
  if (singleTensor) return { input: rowsOf(t.data, rows, width) as unknown[][], rows }
  const out = new Array<unknown[]>(rows)
  for (let r = 0; r < rows; r++) out[r] = t.data.slice(r * width, r * width + width)
  return { input: out, rows }
}

export interface InferResult {
  readonly predictions: readonly unknown[]
  readonly probabilities?: readonly (readonly number[])[]
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
  if (want(OUTPUT_PREDICT)) {
    outputs.push(`{"name":"${OUTPUT_PREDICT}","shape":[${n}],"datatype":"${predictDatatype(model, result.predictions)}","data":${JSON.stringify(result.predictions)}}`)
  }
  if (want(OUTPUT_PROBA) && result.probabilities !== undefined) {
    const k = result.probabilities[0]?.length ?? 0
    outputs.push(`{"name":"${OUTPUT_PROBA}","shape":[${n},${k}],"datatype":"FP64","data":${JSON.stringify(result.probabilities.flat())}}`)
  }
  const version = modelVersion === undefined ? '' : `"model_version":${JSON.stringify(modelVersion)},`
  return `{"model_name":${JSON.stringify(modelName)},${version}"id":${JSON.stringify(id)},"outputs":[${outputs.join(',')}]}`
}
