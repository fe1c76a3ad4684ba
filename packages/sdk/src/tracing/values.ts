/**
 * What a span records, made safe to send: any JavaScript value becomes a JSON value at the moment
 * it is recorded (as MLflow serialises a span attribute when it is set), and a JSON value becomes
 * an OpenTelemetry AnyValue (OTLP/JSON) the way MLflow's Python client encodes attributes:
 * strings, integers, doubles, booleans, arrays and key-value lists, `null` as an empty value.
 */

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/** OTLP/JSON's AnyValue (camelCase, int64 as a decimal string). */
export type OtlpAnyValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: string }
  | { readonly doubleValue: number }
  | { readonly arrayValue: { readonly values: readonly OtlpAnyValue[] } }
  | { readonly kvlistValue: { readonly values: readonly OtlpKeyValue[] } }
  | Readonly<Record<string, never>>

export interface OtlpKeyValue {
  readonly key: string
  readonly value: OtlpAnyValue
}

/**
 * A deep copy of `value` as JSON: what `JSON.stringify` keeps (a `toJSON` is called, `undefined`,
 * functions and symbols are left out of objects and are `null` in arrays, non-finite numbers are
 * `null`), plus what it cannot take: a bigint as a number when exact, else its digits; a Map as
 * an object; a Set as an array; an Error as `Name: message`; a cycle as `[Circular]`.
 * Returns undefined for a value JSON has no place for (undefined, a function).
 */
export function toJsonValue(value: unknown): JsonValue | undefined {
  try {
    return convert(value, new Set())
  } catch {
    // A getter or a toJSON that throws: record what the value looks like rather than fail the span.
    return describe(value)
  }
}

function describe(value: unknown): string {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

function convert(value: unknown, ancestors: Set<object>): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
  }
  if (value === null) return null
  const object = value as object
  if (ancestors.has(object)) return '[Circular]'
  ancestors.add(object)
  try {
    return convertObject(object, ancestors)
  } finally {
    ancestors.delete(object)
  }
}

function convertObject(object: object, ancestors: Set<object>): JsonValue | undefined {
  const toJSON = (object as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return convert(toJSON.call(object), ancestors)
  if (object instanceof Error) return `${object.name}: ${object.message}`
  if (Array.isArray(object) || ArrayBuffer.isView(object) || object instanceof Set) {
    const items = object instanceof Set ? [...object] : Array.from(object as ArrayLike<unknown>)
    return items.map((item) => convert(item, ancestors) ?? null)
  }
  const entries = object instanceof Map ? [...object].map(([k, v]) => [String(k), v] as const) : Object.entries(object)
  const out: Record<string, JsonValue> = {}
  for (const [key, item] of entries) {
    const converted = convert(item, ancestors)
    if (converted !== undefined) out[key] = converted
  }
  return out
}

/** A JSON value as an OTLP AnyValue: integers as intValue, other numbers as doubleValue. */
export function toAnyValue(value: JsonValue): OtlpAnyValue {
  if (value === null) return {}
  switch (typeof value) {
    case 'string':
      return { stringValue: value }
    case 'boolean':
      return { boolValue: value }
    case 'number':
      return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value }
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toAnyValue) } }
  return {
    kvlistValue: {
      values: Object.entries(value as { readonly [key: string]: JsonValue }).map(([key, item]) => ({
        key,
        value: toAnyValue(item),
      })),
    },
  }
}

/** JSON text of a recorded value (for trace metadata and previews). */
export function jsonText(value: JsonValue | undefined): string {
  return value === undefined ? '' : JSON.stringify(value)
}

/** `text`, cut to `max` characters with `...` at the end when longer (MLflow's truncation). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`
}
