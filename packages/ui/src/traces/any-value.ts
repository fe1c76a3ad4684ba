/**
 * OpenTelemetry attribute values (AnyValue, in proto-JSON as the trace API sends them) as plain
 * JSON for display: a kvlist is an object, an array an array, an int64 a number when it fits a
 * double exactly (its decimal string otherwise). MLflow writes its own attributes (`mlflow.*`:
 * the span's type, inputs and outputs) JSON-encoded into string values, or, from newer clients,
 * as the structured value itself: `mlflowValue` reads both.
 */

/** An AnyValue in proto-JSON (snake_case, as the server answers) or in OTLP/JSON (camelCase). */
export type AnyValueJson = Readonly<Record<string, unknown>>

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The field `snake` (or its camelCase spelling) of a proto-JSON message. */
function field(message: Readonly<Record<string, unknown>>, snake: string): unknown {
  if (snake in message) return message[snake]
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
  return message[camel]
}

function int64(value: unknown): number | string {
  if (typeof value === 'number') return value
  const text = String(value)
  const n = Number(text)
  return /^-?\d+$/.test(text) && Number.isSafeInteger(n) ? n : text
}

function double(value: unknown): number | string {
  if (typeof value === 'number') return value
  const n = Number(value)
  // 'NaN', 'Infinity' and '-Infinity' have no JSON number: they stay words.
  return Number.isFinite(n) ? n : String(value)
}

/** An AnyValue as plain JSON; an empty or unknown one is null. */
export function decodeAnyValue(value: unknown): unknown {
  if (!isRecord(value)) return null
  const s = field(value, 'string_value')
  if (s !== undefined) return String(s)
  const b = field(value, 'bool_value')
  if (b !== undefined) return b === true || b === 'true'
  const i = field(value, 'int_value')
  if (i !== undefined) return int64(i)
  const d = field(value, 'double_value')
  if (d !== undefined) return double(d)
  const bytes = field(value, 'bytes_value')
  if (bytes !== undefined) return String(bytes)
  const array = field(value, 'array_value')
  if (array !== undefined) {
    const values = isRecord(array) ? field(array, 'values') : undefined
    return Array.isArray(values) ? values.map(decodeAnyValue) : []
  }
  const kvlist = field(value, 'kvlist_value')
  if (kvlist !== undefined) {
    const values = isRecord(kvlist) ? field(kvlist, 'values') : undefined
    return decodeAttributes(Array.isArray(values) ? values : [])
  }
  return null
}

/** A list of `{key, value}` (attributes, a kvlist's values) as an object; a repeated key keeps its last value. */
export function decodeAttributes(list: readonly unknown[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const item of list ?? []) {
    if (!isRecord(item) || typeof item.key !== 'string') continue
    out[item.key] = decodeAnyValue(item.value)
  }
  return out
}

/**
 * The value of an attribute MLflow wrote: a string holding JSON is that JSON (`"\"LLM\""` is
 * `LLM`, `'{"q": "hi"}'` the object); a string that is not JSON, and any structured value, as it is.
 */
export function mlflowValue(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const text = value.trim()
  if (text === '') return value
  try {
    return JSON.parse(text) as unknown
  } catch {
    return value
  }
}

/** A value to show as text: a string as it is, anything else as indented JSON. */
export function prettyJson(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  return JSON.stringify(value, null, 2) ?? String(value)
}

/** A value on one line (a table cell): strings as they are, the rest as compact JSON. */
export function compactJson(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  return JSON.stringify(value) ?? String(value)
}
