/**
 * Finding a value in a parsed model input (rows as arrays or objects, or columns) and naming where
 * it is as a caller reads it: `row 3, column 'age'`, `row 0, value 2`, with the index path inside
 * a cell that holds an array or an object (`row 0, column 'image' [4][7]`). The input has passed
 * the JSON depth bound, so the walk's recursion is bounded too.
 */
import type { ModelInput } from '@keel/sdk'

export const isInfinite = (value: unknown): boolean => value === Infinity || value === -Infinity
/** A value that stands for a missing one: null, or NaN (CSV's `NaN`, or what a signature makes of null). */
export const isMissing = (value: unknown): boolean => value === null || Number.isNaN(value)

/** The path to the first value inside `value` passing `test`: '' for `value` itself, undefined when none. */
function pathTo(value: unknown, test: (v: unknown) => boolean): string | undefined {
  if (test(value)) return ''
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = pathTo(value[i], test)
      if (at !== undefined) return `[${i}]${at}`
    }
    return undefined
  }
  for (const [key, v] of Object.entries(value)) {
    const at = pathTo(v, test)
    if (at !== undefined) return `[${JSON.stringify(key)}]${at}`
  }
  return undefined
}

const named = (where: string, at: string): string => (at === '' ? where : `${where} ${at}`)

/** Where the first value passing `test` is in the input, or undefined. */
export function positionOf(input: ModelInput, test: (v: unknown) => boolean): string | undefined {
  if (!Array.isArray(input)) {
    for (const [name, values] of Object.entries(input as Readonly<Record<string, readonly unknown[]>>)) {
      for (let r = 0; r < values.length; r++) {
        const at = pathTo(values[r], test)
        if (at !== undefined) return named(`row ${r}, column '${name}'`, at)
      }
    }
    return undefined
  }
  for (let r = 0; r < input.length; r++) {
    const row: unknown = input[r]
    if (Array.isArray(row)) {
      for (let j = 0; j < row.length; j++) {
        const at = pathTo(row[j], test)
        if (at !== undefined) return named(`row ${r}, value ${j}`, at)
      }
    } else if (typeof row === 'object' && row !== null) {
      for (const [name, value] of Object.entries(row)) {
        const at = pathTo(value, test)
        if (at !== undefined) return named(`row ${r}, column '${name}'`, at)
      }
    } else {
      const at = pathTo(row, test)
      if (at !== undefined) return named(`row ${r}`, at)
    }
  }
  return undefined
}
