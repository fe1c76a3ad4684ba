/**
 * Signature enforcement: a schema is compiled once into a converter that checks a batch of rows in
 * one tight loop and returns its columns (numbers in `Float64Array`s). A missing required column, a
 * value of the wrong type, or a column the schema does not have is a `KeelError`
 * (INVALID_PARAMETER_VALUE) naming the column and the row.
 *
 * Input forms (`ModelInput`):
 * - rows as objects keyed by column (or tensor) name: `[{ "sepal length (cm)": 5.1, … }]`;
 * - rows as arrays of values in the schema's column order: `[[5.1, 3.5, 1.4, 0.2]]` (for a schema
 *   with a single tensor, the array is that tensor's value);
 * - columns: `{ "sepal length (cm)": [5.1, 4.9], … }` (every column the same length).
 *
 * Types follow MLflow: integers are accepted for float/double columns; long and integer columns
 * take integral numbers (or bigints) only; boolean takes booleans; string takes strings; binary
 * takes strings (base64) or `Uint8Array`s; datetime takes `Date`s or date strings (stored as epoch
 * ms). A missing value of an optional column becomes NaN (numbers) or null (others).
 */
import { KeelError } from '@keel/contracts'
import { type Row, type Schema, type SchemaField, isTensorSpec } from './signature.js'

/** What `predict` takes: rows (objects or arrays) or columns. */
export type ModelInput = readonly Row[] | Readonly<Record<string, readonly unknown[]>>

/** One input field of a batch: `width` values per row, row-major. */
export type FeatureColumn =
  | {
      readonly name: string
      readonly kind: 'number'
      readonly dtype: string
      readonly width: number
      readonly values: Float64Array
    }
  | {
      readonly name: string
      readonly kind: 'object'
      readonly dtype: string
      readonly width: number
      readonly values: unknown[]
    }

export interface FeatureBatch {
  readonly length: number
  /** In the schema's order. */
  readonly columns: readonly FeatureColumn[]
}

/** A field of the compiled schema. */
export interface InputField {
  /** The column or tensor name (`"0"`, `"1"`, … for an unnamed schema). */
  readonly name: string
  readonly kind: 'number' | 'object'
  /** The MLflow column type or the tensor's numpy dtype. */
  readonly dtype: string
  /** Values per row: 1 for a column, the product of the inner dimensions for a tensor. */
  readonly width: number
  readonly required: boolean
}

export interface InputConverter {
  readonly schema: Schema
  readonly fields: readonly InputField[]
  /** Sum of the fields' widths: the length of a row of features. */
  readonly width: number
  /** Checks and converts a batch; throws a `KeelError` naming the first offending column and row. */
  convert(input: ModelInput): FeatureBatch
}

type NumberReader = (value: unknown, row: number) => number
type ObjectReader = (value: unknown, row: number) => unknown

const INT32 = 2 ** 31
const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-INT32, INT32 - 1],
  integer: [-INT32, INT32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 2 * INT32 - 1],
  uint64: [0, Number.MAX_SAFE_INTEGER],
}
const FLOATS = new Set(['float', 'double', 'float16', 'float32', 'float64'])
const STRINGS = new Set(['string', 'str', 'object'])

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (value instanceof Date) return 'a Date'
  if (typeof value === 'object') return value === null ? 'null' : 'an object'
  return `${typeof value} ${String(value)}`
}

const fieldError = (row: number, name: string, message: string): KeelError =>
  KeelError.invalid(`Row ${row}: column '${name}' ${message}`)

const missing = (row: number, name: string): KeelError =>
  fieldError(row, name, 'is required by the model signature but missing')

/** The reader of one numeric value of a field: checks its type, returns it as a number. */
function numberReader(name: string, dtype: string, required: boolean): NumberReader | undefined {
  const wrong = (value: unknown, row: number, what: string): number => {
    if (value === undefined || value === null) {
      if (required) throw missing(row, name)
      return Number.NaN
    }
    throw fieldError(row, name, `must be ${what} (${dtype}), got ${describe(value)}`)
  }
  if (FLOATS.has(dtype)) {
    return (v, row) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : wrong(v, row, 'a number'))
  }
  const range = INT_RANGES[dtype]
  if (range !== undefined) {
    const [min, max] = range
    const what = min === 0 ? 'a non-negative integer' : 'an integer'
    return (v, row) => {
      const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number.NaN
      return Number.isInteger(n) && n >= min && n <= max ? n : wrong(v, row, `${what} in [${min}, ${max}]`)
    }
  }
  if (dtype === 'boolean' || dtype === 'bool')
    return (v, row) => (v === true ? 1 : v === false ? 0 : wrong(v, row, 'a boolean'))
  if (dtype === 'datetime') {
    return (v, row) => {
      const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN
      return Number.isNaN(t) ? wrong(v, row, 'a Date or a date string') : t
    }
  }
  return undefined
}

function objectReader(name: string, dtype: string, required: boolean): ObjectReader | undefined {
  const check = STRINGS.has(dtype)
    ? (v: unknown) => typeof v === 'string'
    : dtype === 'binary' || dtype === 'bytes'
      ? (v: unknown) => typeof v === 'string' || v instanceof Uint8Array
      : undefined
  if (check === undefined) return undefined
  return (v, row) => {
    if (check(v)) return v
    if (v === undefined || v === null) {
      if (required) throw missing(row, name)
      return null
    }
    throw fieldError(
      row,
      name,
      `must be a ${dtype === 'binary' || dtype === 'bytes' ? 'string or Uint8Array' : 'string'} (${dtype}), got ${describe(v)}`,
    )
  }
}

/** Where one field reads its value from a row and writes it into the batch. */
interface CompiledField extends InputField {
  /** Writes row `row`'s value into `out` at `row * width`. */
  write(value: unknown, row: number, out: Float64Array | unknown[]): void
}

function compileField(field: SchemaField, index: number): CompiledField {
  const name = field.name ?? String(index)
  if (isTensorSpec(field)) {
    const inner = field.shape.slice(1)
    if (inner.some((d) => d < 0)) {
      throw new KeelError(
        'NOT_IMPLEMENTED',
        `Tensor '${name}' has a variable inner dimension (shape [${field.shape.join(', ')}]): keel takes fixed-size rows only`,
      )
    }
    const width = inner.reduce((a, b) => a * b, 1)
    const num = numberReader(name, field.dtype, true)
    const obj = num === undefined ? objectReader(name, field.dtype, true) : undefined
    if (num === undefined && obj === undefined)
      throw new KeelError('NOT_IMPLEMENTED', `Tensor '${name}' has dtype '${field.dtype}', which keel cannot feed`)
    const read: (v: unknown, row: number) => unknown = num ?? obj!
    return {
      name,
      kind: num !== undefined ? 'number' : 'object',
      dtype: field.dtype,
      width,
      required: true,
      write(value, row, out) {
        const base = row * width
        if (width === 1 && !Array.isArray(value)) {
          out[base] = read(value, row) as never
          return
        }
        if (!Array.isArray(value)) {
          if (value === undefined || value === null) throw missing(row, name)
          throw fieldError(
            row,
            name,
            `must be an array of ${width} values (shape [${field.shape.join(', ')}]), got ${describe(value)}`,
          )
        }
        const flat: readonly unknown[] = inner.length > 1 && Array.isArray(value[0]) ? value.flat(inner.length) : value
        if (flat.length !== width)
          throw fieldError(
            row,
            name,
            `must hold ${width} values (shape [${field.shape.join(', ')}]), got ${flat.length}`,
          )
        for (let j = 0; j < width; j++) out[base + j] = read(flat[j], row) as never
      },
    }
  }
  if (field.type === 'array' || field.type === 'object' || field.type === 'map' || field.type === 'any') {
    throw new KeelError(
      'NOT_IMPLEMENTED',
      `Column '${name}' has type '${field.type}', which keel cannot enforce or feed to a model`,
    )
  }
  const num = numberReader(name, field.type, field.required)
  if (num !== undefined) {
    return {
      name,
      kind: 'number',
      dtype: field.type,
      width: 1,
      required: field.required,
      write: (value, row, out) => {
        ;(out as Float64Array)[row] = num(value, row)
      },
    }
  }
  const obj = objectReader(name, field.type, field.required)!
  return {
    name,
    kind: 'object',
    dtype: field.type,
    width: 1,
    required: field.required,
    write: (value, row, out) => {
      ;(out as unknown[])[row] = obj(value, row)
    },
  }
}

/** Compiles a schema (column- or tensor-based) into a converter; see the module's doc for the input forms. */
export function compileInputSchema(schema: Schema): InputConverter {
  if (schema.length === 0) throw KeelError.invalid('The input schema has no fields')
  const fields = (schema as readonly SchemaField[]).map(compileField)
  const names = fields.map((f) => f.name)
  const known = new Set(names)
  const k = fields.length
  const width = fields.reduce((sum, f) => sum + f.width, 0)
  const singleTensor = k === 1 && isTensorSpec(schema[0]!)
  const list = names.map((n) => `'${n}'`).join(', ')

  const unexpected = (row: number, key: string): KeelError =>
    KeelError.invalid(`Row ${row}: column '${key}' is not in the model signature (its columns: ${list})`)

  const allocate = (n: number): (Float64Array | unknown[])[] =>
    fields.map((f) => (f.kind === 'number' ? new Float64Array(n * f.width) : new Array<unknown>(n * f.width)))

  const batch = (n: number, out: (Float64Array | unknown[])[]): FeatureBatch => ({
    length: n,
    columns: fields.map(
      (f, j) => ({ name: f.name, kind: f.kind, dtype: f.dtype, width: f.width, values: out[j] }) as FeatureColumn,
    ),
  })

  function convertRows(rows: readonly Row[]): FeatureBatch {
    const n = rows.length
    const out = allocate(n)
    for (let i = 0; i < n; i++) {
      const row = rows[i]
      if (Array.isArray(row)) {
        if (singleTensor) {
          fields[0]!.write(row, i, out[0]!)
          continue
        }
        if (row.length > k) {
          throw KeelError.invalid(
            `Row ${i}: has ${row.length} values but the model signature has ${k} columns (${list})`,
          )
        }
        for (let j = 0; j < k; j++) fields[j]!.write(row[j], i, out[j]!)
      } else if (typeof row === 'object' && row !== null) {
        const record = row as Readonly<Record<string, unknown>>
        let present = 0
        for (let j = 0; j < k; j++) {
          const value = record[names[j]!]
          if (value !== undefined) present++
          fields[j]!.write(value, i, out[j]!)
        }
        let keys = 0
        for (const _key in record) keys++
        if (keys !== present) {
          for (const key in record) if (!known.has(key)) throw unexpected(i, key)
        }
      } else {
        throw KeelError.invalid(
          `Row ${i}: must be an object keyed by column name or an array of values, got ${describe(row)}`,
        )
      }
    }
    return batch(n, out)
  }

  function convertColumns(columns: Readonly<Record<string, readonly unknown[]>>): FeatureBatch {
    for (const key of Object.keys(columns)) if (!known.has(key)) throw unexpected(0, key)
    let n: number | undefined
    for (const f of fields) {
      const values = columns[f.name]
      if (values === undefined) continue
      if (!Array.isArray(values))
        throw KeelError.invalid(`Column '${f.name}' must be an array of values (one per row), got ${describe(values)}`)
      if (n !== undefined && values.length !== n)
        throw KeelError.invalid(`Column '${f.name}' has ${values.length} values, other columns ${n}`)
      n = values.length
    }
    if (n === undefined) throw KeelError.invalid(`The input has none of the model signature's columns (${list})`)
    const out = allocate(n)
    for (let j = 0; j < k; j++) {
      const f = fields[j]!
      const values = columns[f.name]
      if (values === undefined && f.required) throw missing(0, f.name)
      for (let i = 0; i < n; i++) f.write(values?.[i], i, out[j]!)
    }
    return batch(n, out)
  }

  return {
    schema,
    fields: fields.map(({ write: _write, ...field }) => field),
    width,
    convert(input) {
      if (Array.isArray(input)) return convertRows(input as readonly Row[])
      if (typeof input === 'object' && input !== null)
        return convertColumns(input as Readonly<Record<string, readonly unknown[]>>)
      throw KeelError.invalid(`A model input must be an array of rows or an object of columns, got ${describe(input)}`)
    },
  }
}

/** The batch as rows of numbers (fields concatenated in schema order), for estimators taking a matrix. */
export function toMatrix(batch: FeatureBatch): number[][] {
  const { length: n, columns } = batch
  const rows: number[][] = new Array<number[]>(n)
  const numeric = columns.map((c) => {
    if (c.kind !== 'number')
      throw KeelError.invalid(`Column '${c.name}' (${c.dtype}) is not numeric: this model takes numbers only`)
    return c.values
  })
  const width = columns.reduce((sum, c) => sum + c.width, 0)
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(width)
    let p = 0
    for (let j = 0; j < columns.length; j++) {
      const w = columns[j]!.width
      const values = numeric[j]!
      for (let t = 0, base = i * w; t < w; t++) row[p++] = values[base + t]!
    }
    rows[i] = row
  }
  return rows
}
