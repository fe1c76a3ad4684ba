/**
 * Turns an HTTP request into the plain object an endpoint's schema validates: the query string for
 * GET (repeated keys become arrays where the schema has an array), the JSON body otherwise, plus
 * path parameters. Validation failures become MLflow's messages.
 */
import { KeelError, decodeUtf8, parseJsonInput } from '@keel/contracts'
import type { z } from 'zod'

/** Field names whose schema is an array (through optional/default wrappers). */
export function arrayFields(schema: z.ZodType): ReadonlySet<string> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape
  const out = new Set<string>()
  if (!shape) return out
  for (const [name, field] of Object.entries(shape)) if (unwrap(field) === 'array') out.add(name)
  return out
}

function unwrap(schema: z.ZodType): string {
  let def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def
  while ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
    def = (def.innerType as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def
  }
  return def.type
}

export function queryToObject(
  params: Iterable<readonly [string, string]>,
  arrays: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of params) {
    const list = arrays.has(key) ? (out[key] as string[] | undefined) : undefined
    if (list) list.push(value)
    else out[key] = arrays.has(key) ? [value] : value
  }
  return out
}

/**
 * The pairs of a raw query string (`a=1&b=x%20y`, without `?`), decoded as URLSearchParams does
 * (`+` is a space, a `%` not followed by two hex digits stays as it is) except that percent-encoded
 * bytes must be valid UTF-8: URLSearchParams would turn them into U+FFFD and store that.
 */
export function parseQueryString(query: string): [string, string][] {
  const pairs: [string, string][] = []
  for (const part of query.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    const value = eq < 0 ? '' : part.slice(eq + 1)
    pairs.push([decodeQueryComponent(key), decodeQueryComponent(value)])
  }
  return pairs
}

const PERCENT_RUN = /(?:%[0-9a-fA-F]{2})+/g

function decodeQueryComponent(raw: string): string {
  const text = raw.replaceAll('+', ' ')
  if (!text.includes('%')) return text
  return text.replace(PERCENT_RUN, (run) => {
    const bytes = new Uint8Array(run.length / 3)
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16)
    return decodeUtf8(bytes, 'A percent-encoded part of the query string')
  })
}

/** The JSON object of a request body (bytes as sent): strict UTF-8, bounded depth, no lone surrogates. */
export function parseJsonBody(body: Uint8Array | string): Record<string, unknown> {
  const text = typeof body === 'string' ? body : decodeUtf8(body)
  if (text.trim() === '') return {}
  const parsed = parseJsonInput(text)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw KeelError.invalid('The request body must be a JSON object')
  }
  return parsed as Record<string, unknown>
}

/** Validates `input` against `schema`, reporting the first problem as MLflow words it. */
export function validateRequest<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path.map(String).join('.') || '(body)'
  const value = issue.path.reduce<unknown>(
    (v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey],
    input,
  )
  if (value === undefined) {
    throw KeelError.invalid(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
    )
  }
  const shown = typeof value === 'string' ? value : JSON.stringify(value)
  throw KeelError.invalid(
    `Invalid value ${truncate(shown)} for parameter '${field}' supplied. Hint: Value was of type '${typeName(value)}' (${issue.message}). See the API docs for more information about request parameters.`,
  )
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  return 'dict'
}

function truncate(s: string | undefined): string {
  if (s === undefined) return 'undefined'
  return s.length > 200 ? `${s.slice(0, 200)}…` : s
}
