/**
 * MLflow's model signature: the named, typed inputs a model takes and the outputs it returns, as
 * stored (JSON strings) in `MLmodel`. Column-based schemas (`[{"type": "double", "name": "x",
 * "required": true}]`) describe tables; tensor-based ones (`[{"type": "tensor", "tensor-spec":
 * {"dtype": "float32", "shape": [-1, 4]}, "name": "X"}]`) describe arrays. A schema is one or the
 * other, never both.
 */
import { KeelError } from '@keel/contracts'
import { pythonJsonDumps } from './python-json.js'

/** MLflow's scalar column types (`mlflow.types.DataType`). */
export const COLUMN_TYPES = ['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime'] as const
export type ColumnType = (typeof COLUMN_TYPES)[number]
/** MLflow's composite column types: read and written back, but keel cannot enforce them. */
export type CompositeColumnType = 'array' | 'object' | 'map' | 'any'

/** A column of a column-based schema. */
export interface ColumnSpec {
  readonly type: ColumnType | CompositeColumnType
  /** Absent in an unnamed schema (e.g. the output of a classifier). */
  readonly name?: string
  /** A required column must be present and non-null in every row (MLflow's default: true). */
  readonly required: boolean
  /** The composite type's description (`items`, `properties`, `values`), kept as read. */
  readonly details?: Readonly<Record<string, unknown>>
}

/** A tensor of a tensor-based schema: numpy dtype name and shape (-1 for a variable dimension). */
export interface TensorSpec {
  readonly type: 'tensor'
  readonly name?: string
  /** numpy's name: float32, float64, int32, int64, uint8, bool, str, object, … */
  readonly dtype: string
  /** The first dimension is the batch (usually -1). */
  readonly shape: readonly number[]
}

export type SchemaField = ColumnSpec | TensorSpec
/** A column-based or a tensor-based schema. */
export type Schema = readonly ColumnSpec[] | readonly TensorSpec[]

/** An inference parameter (`ParamSpec`), kept as MLflow's JSON object. */
export type ParamSpec = Readonly<Record<string, unknown>>

export interface ModelSignature {
  readonly inputs: Schema
  readonly outputs?: Schema
  readonly params?: readonly ParamSpec[]
}

/** The form of a signature inside `MLmodel`: each part a JSON string, or null. */
export interface SignatureDict {
  readonly inputs: string | null
  readonly outputs: string | null
  readonly params: string | null
}

export const isTensorSpec = (field: SchemaField): field is TensorSpec => field.type === 'tensor'
export const isTensorSchema = (schema: Schema): schema is readonly TensorSpec[] =>
  schema.length > 0 && isTensorSpec(schema[0]!)

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const COMPOSITE = new Set<string>(['array', 'object', 'map', 'any'])

function parseField(raw: unknown, where: string): SchemaField {
  if (!isRecord(raw) || typeof raw.type !== 'string')
    throw KeelError.invalid(`${where}: expected an object with a 'type', got ${JSON.stringify(raw)}`)
  const { type, name, required, ...details } = raw
  if (name !== undefined && name !== null && typeof name !== 'string')
    throw KeelError.invalid(`${where}: 'name' must be a string`)
  const named = typeof name === 'string' ? { name } : {}
  if (type === 'tensor') {
    const spec = raw['tensor-spec']
    if (
      !isRecord(spec) ||
      typeof spec.dtype !== 'string' ||
      !Array.isArray(spec.shape) ||
      !spec.shape.every(Number.isInteger)
    ) {
      throw KeelError.invalid(`${where}: a tensor needs "tensor-spec": {"dtype": string, "shape": [integers]}`)
    }
    return { type: 'tensor', ...named, dtype: spec.dtype, shape: spec.shape as number[] }
  }
  if (!(COLUMN_TYPES as readonly string[]).includes(type) && !COMPOSITE.has(type)) {
    throw KeelError.invalid(
      `${where}: unknown column type '${type}' (MLflow's types: ${[...COLUMN_TYPES, ...COMPOSITE].join(', ')}, tensor)`,
    )
  }
  return {
    type: type as ColumnSpec['type'],
    ...named,
    required: required !== false,
    ...(Object.keys(details).length > 0 && { details }),
  }
}

/** Parses a schema from MLflow's JSON (a string as in `MLmodel`, or the parsed array). */
export function parseSchema(json: string | unknown, what = 'schema'): Schema {
  let raw = json
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json)
    } catch (error) {
      throw KeelError.invalid(`The ${what} is not valid JSON: ${(error as Error).message}`)
    }
  }
  if (!Array.isArray(raw)) throw KeelError.invalid(`The ${what} must be a JSON array of columns or tensors`)
  const fields = raw.map((f, i) => parseField(f, `${what}[${i}]`))
  const tensors = fields.filter(isTensorSpec).length
  if (tensors !== 0 && tensors !== fields.length) throw KeelError.invalid(`The ${what} mixes columns and tensors`)
  const named = fields.filter((f) => f.name !== undefined).length
  if (named !== 0 && named !== fields.length) throw KeelError.invalid(`The ${what} mixes named and unnamed fields`)
  const names = new Set<string>()
  for (const f of fields) {
    if (f.name === undefined) continue
    if (names.has(f.name)) throw KeelError.invalid(`The ${what} has the field '${f.name}' twice`)
    names.add(f.name)
  }
  return fields as Schema
}

/** A schema as MLflow's JSON objects, in MLflow's key order. */
export function schemaToJSON(schema: Schema): Record<string, unknown>[] {
  return schema.map((f: SchemaField) =>
    isTensorSpec(f)
      ? {
          ...(f.name !== undefined && { name: f.name }),
          type: 'tensor',
          'tensor-spec': { dtype: f.dtype, shape: [...f.shape] },
        }
      : { type: f.type, ...f.details, ...(f.name !== undefined && { name: f.name }), required: f.required },
  )
}

/** The signature as `MLmodel` stores it (JSON strings written as Python's `json.dumps` does). */
export function signatureToDict(signature: ModelSignature): SignatureDict {
  return {
    inputs: pythonJsonDumps(schemaToJSON(signature.inputs)),
    outputs: signature.outputs === undefined ? null : pythonJsonDumps(schemaToJSON(signature.outputs)),
    params: signature.params === undefined ? null : pythonJsonDumps(signature.params),
  }
}

/** Reads `MLmodel`'s `signature` entry; undefined when it has no inputs. */
export function signatureFromDict(raw: unknown): ModelSignature | undefined {
  if (raw === undefined || raw === null) return undefined
  if (!isRecord(raw)) throw KeelError.invalid(`MLmodel's 'signature' must be a mapping`)
  if (raw.inputs === undefined || raw.inputs === null) return undefined
  const outputs =
    raw.outputs === undefined || raw.outputs === null ? undefined : parseSchema(raw.outputs, 'signature outputs')
  let params: ParamSpec[] | undefined
  if (raw.params !== undefined && raw.params !== null) {
    const parsed: unknown = typeof raw.params === 'string' ? JSON.parse(raw.params) : raw.params
    if (!Array.isArray(parsed) || !parsed.every(isRecord))
      throw KeelError.invalid(`The signature params must be a JSON array of objects`)
    params = parsed
  }
  return {
    inputs: parseSchema(raw.inputs, 'signature inputs'),
    ...(outputs !== undefined && { outputs }),
    ...(params !== undefined && { params }),
  }
}

// ---- inference ----

/** A row: an object keyed by column name, or an array of values in column order. */
export type Row = Readonly<Record<string, unknown>> | readonly unknown[]

function typeOfValue(value: unknown): ColumnType | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double'
  if (typeof value === 'bigint') return 'long'
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'string') return 'string'
  if (value instanceof Date) return 'datetime'
  if (value instanceof Uint8Array) return 'binary'
  return undefined
}

/** The common type of a column's values: long widens to double; anything else must agree. */
function unify(a: ColumnType | undefined, b: ColumnType, column: string): ColumnType {
  if (a === undefined || a === b) return b
  if ((a === 'long' && b === 'double') || (a === 'double' && b === 'long')) return 'double'
  throw KeelError.invalid(`Cannot infer a type for column '${column}': it holds both ${a} and ${b} values`)
}

/**
 * Infers a column-based schema from object rows (type per column: integral numbers give `long`,
 * other numbers `double`; a column absent or null in some row is optional), or a tensor schema
 * `float64 [-1, k]` from rows that are arrays of k numbers (as MLflow does for a numpy matrix).
 */
export function inferSchema(rows: readonly Row[], what = 'input'): Schema {
  if (rows.length === 0) throw KeelError.invalid(`Cannot infer a schema from an empty ${what}`)
  if (rows.every((r) => Array.isArray(r))) {
    const k = (rows[0] as readonly unknown[]).length
    rows.forEach((row, i) => {
      const values = row as readonly unknown[]
      if (values.length !== k || !values.every((v) => typeof v === 'number')) {
        throw KeelError.invalid(`Cannot infer a tensor schema: ${what} row ${i} is not an array of ${k} numbers`)
      }
    })
    return [{ type: 'tensor', dtype: 'float64', shape: [-1, k] }]
  }
  const types = new Map<string, ColumnType | undefined>()
  const seen = new Map<string, number>()
  rows.forEach((row, i) => {
    if (Array.isArray(row) || typeof row !== 'object' || row === null) {
      throw KeelError.invalid(
        `Cannot infer a schema: ${what} row ${i} is not an object (rows are all objects or all arrays)`,
      )
    }
    for (const [name, value] of Object.entries(row)) {
      if (!types.has(name)) types.set(name, undefined)
      if (value === null || value === undefined) continue
      const type = typeOfValue(value)
      if (type === undefined)
        throw KeelError.invalid(`Cannot infer a type for column '${name}' from ${what} row ${i}: ${String(value)}`)
      types.set(name, unify(types.get(name), type, name))
      seen.set(name, (seen.get(name) ?? 0) + 1)
    }
  })
  return [...types].map(([name, type]): ColumnSpec => {
    if (type === undefined) throw KeelError.invalid(`Cannot infer a type for column '${name}': it has no values`)
    return { type, name, required: seen.get(name) === rows.length }
  })
}

/** The output schema of predictions: one unnamed column (labels or values), or a float64 tensor for rows of numbers. */
export function inferOutputSchema(predictions: readonly unknown[]): Schema {
  if (predictions.length > 0 && predictions.every((p) => Array.isArray(p)))
    return inferSchema(predictions as readonly Row[], 'output')
  let type: ColumnType | undefined
  predictions.forEach((value, i) => {
    const t = typeOfValue(value)
    if (t === undefined) throw KeelError.invalid(`Cannot infer an output type from prediction ${i}: ${String(value)}`)
    type = unify(type, t, 'output')
  })
  return [{ type: type ?? 'double', required: true }]
}

/**
 * Infers a signature from example rows (see `inferSchema`) and, optionally, the model's
 * predictions for them, like `mlflow.models.infer_signature`.
 */
export function inferSignature(rows: readonly Row[], predictions?: readonly unknown[]): ModelSignature {
  return { inputs: inferSchema(rows), ...(predictions !== undefined && { outputs: inferOutputSchema(predictions) }) }
}
