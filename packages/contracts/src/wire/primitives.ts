/**
 * Zod building blocks for MLflow's proto-JSON wire format: int64 as numbers (or numeric strings),
 * doubles that may be "NaN"/"Infinity"/"-Infinity", booleans that arrive as strings in query
 * strings, and enums by name (or by proto number).
 */
import { z } from 'zod'

const INT64 = /^-?\d{1,19}$/
/**
 * The string form as the OpenAPI document promises it: at most 15 digits, so always within
 * ±(2^53 − 1). The validator takes up to 19 and refuses what is beyond exact; the document stays
 * on the side every value of which is accepted.
 */
const SAFE_INT64_STRING = '^-?[0-9]{1,15}$'

/**
 * An int64 field: a JSON integer, or a string of digits (proto-JSON allows both). Values beyond
 * 2^53 - 1 are refused, never rounded: a JavaScript number cannot hold them exactly (z.number().int()
 * already refuses such a JSON number; the string form is checked here).
 */
export const int64 = z
  .union([z.number().int(), z.string().regex(INT64).meta({ pattern: SAFE_INT64_STRING }).transform(Number)], {
    error: 'expected an integer',
  })
  .pipe(
    z
      .number()
      .refine(Number.isSafeInteger, { error: `integers beyond ±${Number.MAX_SAFE_INTEGER} cannot be kept exact` }),
  )

/** A non-negative int64 (timestamps in epoch milliseconds, steps may be negative in MLflow). */
export const timestampMs = int64.pipe(z.number().nonnegative({ error: 'expected a non-negative integer' }))

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity }

/** A double: a JSON number, "NaN", "Infinity", "-Infinity", or a numeric string. */
export const double = z.union(
  [
    z.number(),
    z
      .string()
      .meta({ pattern: '^(?:NaN|-?Infinity|-?[0-9]{1,15}(?:\\.[0-9]{1,15})?)$' })
      .transform((s, ctx) => {
        const special = NON_FINITE[s]
        if (special !== undefined) return special
        const n = s.trim() === '' ? Number.NaN : Number(s)
        if (Number.isNaN(n)) {
          ctx.issues.push({ code: 'custom', message: 'expected a number', input: s })
          return z.NEVER
        }
        return n
      }),
  ],
  { error: 'expected a number' },
)

/** The wire form of a double: NaN and infinities as MLflow writes them. */
export type WireDouble = number | 'NaN' | 'Infinity' | '-Infinity'

export function toWireDouble(value: number): WireDouble {
  if (Number.isFinite(value)) return value
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? 'Infinity' : '-Infinity'
}

/** A boolean: JSON true/false, or "true"/"false" in any case (query strings carry "True"). */
export const bool = z.union([
  z.boolean(),
  z
    .string()
    .toLowerCase()
    // The document names the spellings clients send; the validator takes any case.
    .meta({ enum: ['true', 'false', 'True', 'False'] })
    .pipe(z.enum(['true', 'false']))
    .transform((s) => s === 'true'),
])

/** An enum given by name, or by its proto number (proto-JSON accepts both). */
export function protoEnum<const T extends readonly [string, ...string[]]>(names: T, firstNumber = 1) {
  return z.union([
    z.enum(names),
    z
      .number()
      .int()
      .meta({ minimum: firstNumber, maximum: firstNumber + names.length - 1 })
      .transform((n, ctx) => {
        const name = names[n - firstNumber]
        if (name === undefined) {
          ctx.issues.push({ code: 'custom', message: `expected one of ${names.join(', ')}`, input: n })
          return z.NEVER
        }
        return name as T[number]
      }),
  ])
}

/** A string field; proto-JSON clients never send other types here, so a number is an error. */
export const str = z.string()

export const keyValue = z.object({ key: str, value: str })
export const keyValueList = z.array(keyValue)
