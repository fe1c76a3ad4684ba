/**
 * Turns an HTTP request into the plain object an endpoint's schema validates: the query string for
 * GET (repeated keys become arrays where the schema has an array), the JSON body otherwise, plus
 * path parameters. Validation failures become MLflow's messages.
 */
import { KeelError, decodeUtf8, fieldPath, parseJsonInput } from '@keel/contracts'
import type { z } from 'zod'

/** Field names whose schema is an array (through optional/default wrappers). */
export function arrayFields(schema: z.ZodType): ReadonlySet<string> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape
  const out = new Set<string>()
  if (!shape) return out
  for (const [name, field] of Object.entries(shape)) if (unwrapped(field)?.type === 'array') out.add(name)
  return out
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
  const field = fieldPath(issue.path) || '(body)'
  const value = issue.path.reduce<unknown>(
    (v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey],
    input,
  )
  // MLflow reads a JSON null as a field not sent: a required field set to null is missing (a null
  // item of a list is a value of the wrong type).
  const last = issue.path.at(-1)
  const isField = typeof last === 'string'
  if (value === undefined || (value === null && isField && !isOptionalAt(schema, issue.path))) {
    throw KeelError.invalid(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
    )
  }
  // A value of the wrong type is worded as MLflow words it, then what keel's schema says of the
  // field, if it says more than zod's default; any other rule says what it asks for.
  const options = issue.code === 'invalid_value' ? issue.values.map(String) : []
  const said =
    options.length > 0
      ? `It must be one of ${options.join(', ')}.`
      : issue.message.startsWith('Invalid input')
        ? ''
        : sentence(issue.message)
  const typeOnly = /^Expected an? [\w -]+\.$/.test(said)
  const reason =
    issue.code === 'invalid_type' || said === '' || typeOnly || options.length > 0
      ? ` Hint: Value was of type '${typeName(value)}'.${said && !typeOnly ? ` ${said}` : ''}`
      : said
  throw KeelError.invalid(
    `Invalid value ${truncate(pythonJson(value))} for parameter '${field}' supplied: ${reason} See the API docs for more information about request parameters.`,
  )
}

type ZodDef = { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> }
const defOf = (schema: z.ZodType | undefined): ZodDef | undefined =>
  (schema as unknown as { _zod?: { def: ZodDef } } | undefined)?._zod?.def

/** The schema under optional/default/nullable wrappers. */
function unwrapped(schema: z.ZodType | undefined): ZodDef | undefined {
  let def = defOf(schema)
  while (def && (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
    def = defOf(def.innerType)
  }
  return def
}

/** Whether the schema lets the field at `path` be left out (optional or defaulted). */
function isOptionalAt(schema: z.ZodType, path: readonly PropertyKey[]): boolean {
  let current: z.ZodType | undefined = schema
  for (const key of path) {
    const def = unwrapped(current)
    current = typeof key === 'number' ? def?.element : def?.shape?.[String(key)]
    if (current === undefined) return false
  }
  const type = defOf(current)?.type
  return type === 'optional' || type === 'default'
}

/**
 * The value as MLflow's message shows it (Python's `json.dumps(value, sort_keys=True,
 * separators=(",", ":"))`): strings quoted with non-ASCII escaped, keys sorted, no spaces.
 */
function pythonJson(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
  }
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${pythonJson(k)}:${pythonJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? String(value)
}

/** The message as a sentence: capitalised, ending with a period. */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}

/** Python's type name of a JSON value. */
function typeName(value: unknown): string {
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  return 'dict'
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s
}
