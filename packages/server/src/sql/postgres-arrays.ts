/**
 * PostgreSQL array literals for parameters bound as arrays (`ops.arrayParams`), built here rather
 * than by the driver: node-postgres turns every element into a quoted string through two regular
 * expressions, ~16% of keel's CPU on a log-batch of 1,000 points. Numbers are written bare (JS
 * writes ±Infinity as float8 reads them); text is quoted, with `\` and `"` escaped, so that any
 * string (braces, commas, the word NULL) stays one element; null is NULL.
 */

export function numberArrayLiteral(values: readonly number[]): string {
  return `{${values.join(',')}}`
}

const NEEDS_ESCAPE = /[\\"]/
const ESCAPED = /[\\"]/g

export function textArrayLiteral(values: readonly (string | null)[]): string {
  let out = '{'
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ','
    const v = values[i] as string | null
    if (v === null) out += 'NULL'
    else out += NEEDS_ESCAPE.test(v) ? `"${v.replace(ESCAPED, '\\$&')}"` : `"${v}"`
  }
  return `${out}}`
}
