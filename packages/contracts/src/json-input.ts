/**
 * JSON that arrives from the network, read the same way by every keel HTTP edge (the tracking
 * server and the model server): bytes decoded as strict UTF-8, and a parsed value refused when it
 * is nested deeper than a bound or holds a string (a value or a key) that is not well-formed
 * Unicode, such as a lone surrogate sent as `"\ud800"`. JSON.parse copes with any depth, but what
 * walks the value afterwards (validation, JSON.stringify, stores) recurses and runs out of stack.
 * Pure functions: no HTTP, no Node APIs beyond the standard TextDecoder.
 */
import { KeelError } from './errors.js'

/**
 * The deepest nesting accepted (the outer object is level 1). MLflow's payloads stay under 8
 * (log-inputs: body, datasets, dataset input, dataset, and its schema is a JSON *string*); the
 * model server's tensors add one level per dimension.
 */
export const MAX_JSON_DEPTH = 64

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes `bytes` as UTF-8, refusing (INVALID_PARAMETER_VALUE) any invalid sequence. */
export function decodeUtf8(bytes: Uint8Array, what = 'The request body'): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw KeelError.invalid(`${what} is not valid UTF-8`)
  }
}

/** True unless `s` holds a lone surrogate (it could not be written as UTF-8). */
/** A field's path in a request as MLflow's messages name it: `metrics[0].timestamp`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('')
}

export function isWellFormedString(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed()
}

/**
 * Why a parsed JSON value must be refused, naming where (`tags[0].value`), or undefined when it
 * is fine. Recursion is bounded by `maxDepth`, so this never overflows the stack itself.
 */
export function jsonValueProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const found = find(value, maxDepth)
  if (found === undefined) return undefined
  const where = found.path.length === 0 ? '(body)' : shorten(fieldPath(found.path))
  if (found.kind === 'depth')
    return `Invalid value for parameter '${where}': JSON nested more than ${maxDepth} levels deep is not accepted`
  const what = found.kind === 'key' ? `a key of '${where}'` : `the value of parameter '${where}'`
  return `Invalid string in ${what}: it is not well-formed Unicode (a lone surrogate such as \\ud800 cannot be stored)`
}

/** JSON.parse plus `jsonValueProblem`: throws INVALID_PARAMETER_VALUE naming the problem. */
export function parseJsonInput(text: string, maxDepth = MAX_JSON_DEPTH, what = 'request body'): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw KeelError.invalid(`Malformed JSON in ${what}: ${(err as Error).message}`)
  }
  const problem = jsonValueProblem(parsed, maxDepth)
  if (problem !== undefined) throw KeelError.invalid(problem)
  return parsed
}

interface Found {
  readonly kind: 'depth' | 'string' | 'key'
  readonly path: (string | number)[]
}

function find(value: unknown, levelsLeft: number): Found | undefined {
  if (typeof value === 'string') return isWellFormedString(value) ? undefined : { kind: 'string', path: [] }
  if (typeof value !== 'object' || value === null) return undefined
  if (levelsLeft === 0) return { kind: 'depth', path: [] }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = find(value[i], levelsLeft - 1)
      if (found) {
        found.path.unshift(i)
        return found
      }
    }
    return undefined
  }
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!isWellFormedString(key)) return { kind: 'key', path: [] }
    const found = find(record[key], levelsLeft - 1)
    if (found) {
      found.path.unshift(key)
      return found
    }
  }
  return undefined
}

function shorten(path: string): string {
  return path.length > 120 ? `${path.slice(0, 120)}…` : path
}
