/**
 * The typed tensors of the Open Inference Protocol v2 as they arrive: name, shape, datatype and
 * data, checked against each other before the model's signature is consulted.
 *
 * The spec lets data be given "in their natural multi-dimensional representation, or as a
 * flattened one-dimensional representation", in row-major order. So data is either flat (no
 * element is an array, exactly as many elements as the shape holds) or nested exactly as the shape
 * (each level an array of that dimension's length, values at the last level); anything else
 * (ragged rows, a wrong length, partial nesting) is refused, naming where it goes wrong.
 *
 * Each value must fit its datatype: booleans for BOOL, strings for BYTES, integers within range
 * for the integer types, and finite numbers within range for FP16/FP32/FP64. JSON has no NaN or
 * Infinity (a request holding them is not JSON), and a number too large for a double, such as
 * `1e400`, is parsed to Infinity: that is refused as not a finite number.
 */
import { badRequest, invalidInput } from './protocol-error.js'

export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const
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

/** The largest finite value of each floating-point datatype. */
const FLOAT_MAX: Partial<Record<Datatype, number>> = {
  FP16: 65504,
  FP32: 3.4028234663852886e38,
  FP64: Number.MAX_VALUE,
}

/** More dimensions than any model takes: refused before the shape is multiplied out. */
const MAX_RANK = 32

export const isIntegerType = (datatype: Datatype): boolean => INT_BOUNDS[datatype] !== undefined
export const isFloatType = (datatype: Datatype): boolean => FLOAT_MAX[datatype] !== undefined

export interface TensorIn {
  readonly name: string
  readonly shape: readonly number[]
  readonly datatype: Datatype
  /** The values, flat and row-major. */
  readonly data: readonly unknown[]
}

export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`

function shown(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text
}

/** The check of one value: throws a 400 naming the input and the value's position. */
function valueChecker(datatype: Datatype, name: string): (value: unknown, where: () => string) => void {
  const bounds = INT_BOUNDS[datatype]
  const max = FLOAT_MAX[datatype]
  const wrongType = (what: string, value: unknown, where: () => string): never => {
    throw invalidInput(`Input '${name}' is ${datatype}, so its data must be ${what}; ${where()} is ${shown(value)}`)
  }
  const notFinite = (where: () => string): never => {
    throw invalidInput(
      `Input '${name}': ${where()} is not a finite number (a JSON number beyond ±1.7976931348623157e308, such as 1e400, does not fit a double)`,
    )
  }
  if (datatype === 'BOOL') return (v, where) => void (typeof v === 'boolean' || wrongType('booleans', v, where))
  if (datatype === 'BYTES') return (v, where) => void (typeof v === 'string' || wrongType('strings', v, where))
  if (bounds !== undefined) {
    const [lo, hi] = bounds
    return (v, where) => {
      if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) return
      if (typeof v === 'number' && !Number.isFinite(v)) notFinite(where)
      wrongType(`integers in [${lo}, ${hi}]`, v, where)
    }
  }
  const limit = max!
  return (v, where) => {
    if (typeof v !== 'number') return wrongType('numbers', v, where)
    if (v <= limit && v >= -limit) return
    if (!Number.isFinite(v)) notFinite(where)
    throw invalidInput(`Input '${name}': ${where()} is ${v}, out of the range of ${datatype} (±${limit})`)
  }
}

/** The data as flat row-major values, after checking its layout against the shape and each value. */
function readData(
  data: readonly unknown[],
  shape: readonly number[],
  datatype: Datatype,
  name: string,
): readonly unknown[] {
  const check = valueChecker(datatype, name)
  const total = shape.reduce((a, b) => a * b, 1)
  const layout = `give data flat (${total} values) or nested as shape ${shapeText(shape)}`
  if (data.length === 0 || !Array.isArray(data[0])) {
    if (data.length !== total)
      throw invalidInput(
        `Input '${name}': shape ${shapeText(shape)} holds ${total} values, but data has ${data.length}`,
      )
    for (let i = 0; i < data.length; i++) {
      const value = data[i]
      if (Array.isArray(value))
        throw invalidInput(`Input '${name}': data[${i}] is an array, but data[0] is not: ${layout}`)
      check(value, () => `data[${i}]`)
    }
    return data
  }
  if (shape.length < 2)
    throw invalidInput(
      `Input '${name}': data[0] is an array, but shape ${shapeText(shape)} has ${shape.length} dimension${shape.length === 1 ? '' : 's'}: ${layout}`,
    )
  const out = new Array<unknown>(total)
  let k = 0
  const at: number[] = []
  const path = (): string => `data${at.map((i) => `[${i}]`).join('')}`
  const last = shape.length - 1
  const visit = (level: number, values: readonly unknown[]): void => {
    if (values.length !== shape[level]) {
      throw invalidInput(
        `Input '${name}': ${path()} has ${values.length} values, but shape ${shapeText(shape)} needs ${shape[level]}${level === 0 ? '' : ' at this level'}`,
      )
    }
    at.push(0)
    for (let i = 0; i < values.length; i++) {
      at[level] = i
      const value = values[i]
      if (level === last) {
        if (Array.isArray(value))
          throw invalidInput(
            `Input '${name}': ${path()} is an array, but shape ${shapeText(shape)} has ${shape.length} dimensions: ${layout}`,
          )
        check(value, path)
        out[k++] = value
      } else {
        if (!Array.isArray(value))
          throw invalidInput(`Input '${name}': ${path()} is not an array, but data[0] is: ${layout}`)
        visit(level + 1, value)
      }
    }
    at.pop()
  }
  visit(0, data)
  return out
}

/** Reads `inputs[index]` of a request: a 400 naming the input when anything does not fit. */
export function readTensor(raw: unknown, index: number): TensorIn {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw badRequest(`inputs[${index}] must be an object {name, shape, datatype, data}`)
  const t = raw as Record<string, unknown>
  if (typeof t.name !== 'string' || t.name === '') throw badRequest(`inputs[${index}].name must be a non-empty string`)
  const name = t.name
  if (
    !Array.isArray(t.shape) ||
    t.shape.length > MAX_RANK ||
    !t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
  ) {
    throw badRequest(`Input '${name}': shape must be an array of non-negative integers (at most ${MAX_RANK})`)
  }
  if (typeof t.datatype !== 'string' || !(DATATYPES as readonly string[]).includes(t.datatype)) {
    throw badRequest(`Input '${name}': datatype must be one of ${DATATYPES.join(', ')}; got ${shown(t.datatype)}`)
  }
  if (!Array.isArray(t.data)) throw badRequest(`Input '${name}': data must be an array`)
  const datatype = t.datatype as Datatype
  const shape = t.shape as number[]
  return { name, shape, datatype, data: readData(t.data, shape, datatype, name) }
}
