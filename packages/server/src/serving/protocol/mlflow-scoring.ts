/**
 * MLflow's scoring protocol (`mlflow/pyfunc/scoring_server`): `POST /invocations` with JSON in one
 * of four shapes (`dataframe_split`, `dataframe_records`, `instances`, `inputs`, plus optional
 * `params`) or CSV with a header; the answer is `{"predictions": [...]}`. Content types and their
 * errors follow MLflow's server: only `application/json` and `text/csv`, only `charset=utf-8`,
 * anything else 415; a body without exactly one of the four keys is 400 BAD_REQUEST.
 *
 * `keel predict` reads its input files with the same parsers (`parseScoringCsv`, `parseScoringJson`,
 * which also take bare rows or named columns there).
 *
 * Numbers must be finite. JSON has no NaN or Infinity, but `JSON.parse` turns a number beyond a
 * double's range (`1e400`) into Infinity, and CSV cells such as `inf` or `1e400` read as infinities
 * (as pandas reads them): each is a 400 naming its row and column. A missing value is null in JSON
 * and an empty cell or `NaN` in CSV; the signature decides whether the column may miss it.
 */
import { KeelError } from '@keel/contracts'
import type { ModelInput } from '@keel/sdk'
import { parse as parseCsv } from 'csv-parse/sync'
import { isInfinite, isMissing, positionOf } from './input-values.js'
import { parseJsonBody } from './json-body.js'
import { badRequest, unsupportedMediaType } from './protocol-error.js'

export interface ScoringRequest {
  readonly input: ModelInput
  readonly rows: number
  /** MLflow's inference `params`; keel reads `predict_method` (`predict` or `predict_proba`). */
  readonly params?: Readonly<Record<string, unknown>>
}

const INPUT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const

/** The media type of a `Content-Type` header, after checking its parameters as MLflow does. */
export function scoringMediaType(contentType: string | undefined): 'json' | 'csv' {
  if (contentType === undefined || contentType.trim() === '') {
    throw unsupportedMediaType("Missing Content-Type: send 'application/json' or 'text/csv'")
  }
  const [type = '', ...parameters] = contentType.split(';').map((p) => p.trim())
  for (const parameter of parameters) {
    if (parameter === '') continue
    const [key = '', value = ''] = parameter.split('=').map((p) => p.trim().toLowerCase())
    if (key === 'charset' && value.replace(/"/g, '') === 'utf-8') continue
    throw unsupportedMediaType(
      `Unsupported Content-Type parameter '${parameter}': only charset=utf-8 is accepted. ` +
        "(MLflow 2.0 changed the scoring protocol: 'format=pandas-split' and similar are replaced by the keys of a JSON body.)",
    )
  }
  const mime = type.toLowerCase()
  if (mime === 'application/json') return 'json'
  if (mime === 'text/csv') return 'csv'
  throw unsupportedMediaType(`Unsupported Content-Type '${type}': send 'application/json' or 'text/csv'`)
}

/** Parses an `/invocations` body. Throws a 400/415 `ProtocolError` naming what is wrong. */
export function parseScoringRequest(body: string, contentType: string | undefined): ScoringRequest {
  return scoringMediaType(contentType) === 'csv' ? parseScoringCsv(body) : parseScoringJson(parseJsonBody(body))
}

/** CSV with a header row: the rows, checked finite. `what` names the text in errors. */
export function parseScoringCsv(text: string, what = 'The body'): ScoringRequest {
  return checkFinite(fromRows(parseCsvRows(text, what), what))
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A JSON payload, parsed: an object with exactly one of the four keys (and `params`). With `bare`
 * (`keel predict`'s files) a value with none of them is read as `inputs` reads it: rows, or named
 * columns. `what` names the value in errors.
 */
export function parseScoringJson(value: unknown, what = 'The body', bare = false): ScoringRequest {
  if (bare && !(isObject(value) && INPUT_KEYS.some((k) => k in value))) {
    return checkFinite(fromTensorFormat(value, what))
  }
  if (!isObject(value)) {
    throw badRequest(
      `${what} must be a JSON object with one of the keys ${INPUT_KEYS.map((k) => `'${k}'`).join(', ')}; got ${Array.isArray(value) ? 'an array' : typeof value}`,
    )
  }
  const o = value
  const given = INPUT_KEYS.filter((k) => k in o)
  if (given.length !== 1) {
    const unknown = Object.keys(o).filter((k) => k !== 'params')
    throw badRequest(
      `${what} must have exactly one of the keys ${INPUT_KEYS.map((k) => `'${k}'`).join(', ')}; got ${unknown.length === 0 ? 'none' : unknown.map((k) => `'${k}'`).join(', ')}`,
    )
  }
  const params = o.params
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw badRequest("'params' must be a JSON object")
  }
  const key = given[0]!
  const request =
    key === 'dataframe_split'
      ? fromSplit(o[key])
      : key === 'dataframe_records'
        ? fromRecords(o[key])
        : fromTensorFormat(o[key], `'${key}'`)
  checkFinite(request)
  return params === undefined ? request : { ...request, params: params as Record<string, unknown> }
}

/**
 * What a model's failure means for the caller. MLflow answers 400 to any failure of the model on
 * its input; keel does when the input holds a missing value (null, or NaN) and the model failed
 * without a keel error (keel's estimators take finite numbers only), naming the first missing
 * value. Any other failure is the server's (500).
 */
export function missingValueFailure(error: unknown, input: ModelInput): unknown {
  if (error instanceof KeelError) return error
  const where = positionOf(input, isMissing)
  if (where === undefined) return error
  return badRequest(
    `The model cannot predict with the missing value (null or NaN) at ${where}: ${error instanceof Error ? error.message : String(error)}`,
  )
}

/** Refuses an input holding ±Infinity (a number a double cannot hold), naming the row and column. */
function checkFinite(request: ScoringRequest): ScoringRequest {
  const where = positionOf(request.input, isInfinite)
  if (where !== undefined)
    throw badRequest(
      `The input at ${where} is not a finite number (a number beyond ±1.7976931348623157e308, such as 1e400, does not fit a double)`,
    )
  return request
}

function fromRows(rows: readonly unknown[], what: string): ScoringRequest {
  if (rows.length === 0) throw badRequest(`${what} has no rows`)
  return { input: rows as ModelInput, rows: rows.length }
}

function fromSplit(split: unknown): ScoringRequest {
  if (typeof split !== 'object' || split === null || Array.isArray(split)) {
    throw badRequest('\'dataframe_split\' must be an object {"columns": [...], "data": [[...], ...]}')
  }
  const { columns, data } = split as { columns?: unknown; data?: unknown }
  if (!Array.isArray(data)) throw badRequest("'dataframe_split.data' must be an array of rows")
  if (data.length === 0) throw badRequest("'dataframe_split.data' has no rows")
  if (columns === undefined) {
    if (!data.every(Array.isArray)) throw badRequest("'dataframe_split.data' must be an array of rows (arrays)")
    return { input: data as unknown[][], rows: data.length }
  }
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw badRequest("'dataframe_split.columns' must be an array of column names")
  }
  if (new Set(columns).size !== columns.length) throw badRequest("'dataframe_split.columns' names a column twice")
  const out: Record<string, unknown[]> = {}
  const cols = columns as string[]
  for (const c of cols) out[c] = new Array<unknown>(data.length)
  for (let r = 0; r < data.length; r++) {
    const row: unknown = data[r]
    if (!Array.isArray(row) || row.length !== cols.length) {
      throw badRequest(
        `'dataframe_split.data' row ${r} must be an array of ${cols.length} values (one per column), got ${Array.isArray(row) ? row.length : typeof row}`,
      )
    }
    for (let j = 0; j < cols.length; j++) out[cols[j]!]![r] = row[j]
  }
  return { input: out, rows: data.length }
}

function fromRecords(records: unknown): ScoringRequest {
  if (!Array.isArray(records)) throw badRequest("'dataframe_records' must be an array of objects, one per row")
  for (let r = 0; r < records.length; r++) {
    const record: unknown = records[r]
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw badRequest(
        `'dataframe_records' row ${r} must be an object keyed by column, got ${Array.isArray(record) ? 'an array' : typeof record}`,
      )
    }
  }
  return fromRows(records, "'dataframe_records'")
}

/**
 * TF-Serving's formats: `instances` (rows) and `inputs` (rows, or columns as `{name: [...]}`);
 * `what` names the value in errors (`'inputs'`).
 */
function fromTensorFormat(value: unknown, what: string): ScoringRequest {
  if (Array.isArray(value)) {
    if (value.length === 0) throw badRequest(`${what} has no rows`)
    const objects = value.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
    if (objects || value.every(Array.isArray)) return { input: value as ModelInput, rows: value.length }
    if (value.every((r) => r === null || typeof r !== 'object'))
      return { input: value.map((v) => [v]), rows: value.length }
    throw badRequest(`${what} must hold rows that are all objects, all arrays or all scalars`)
  }
  if (typeof value !== 'object' || value === null)
    throw badRequest(`${what} must be an array of rows or an object of named columns`)
  const columns = Object.entries(value as Record<string, unknown>)
  if (columns.length === 0) throw badRequest(`${what} has no columns`)
  let rows = -1
  for (const [name, values] of columns) {
    if (!Array.isArray(values)) throw badRequest(`${what} column '${name}' must be an array with one value per row`)
    if (rows >= 0 && values.length !== rows)
      throw badRequest(`${what} columns differ in length: '${name}' has ${values.length} values, others ${rows}`)
    rows = values.length
  }
  if (rows === 0) throw badRequest(`${what} has no rows`)
  return { input: value as Record<string, unknown[]>, rows }
}

/** Rows of a CSV text with a header: numbers become numbers, empty cells null, the rest strings. */
function parseCsvRows(text: string, what: string): Record<string, unknown>[] {
  try {
    return parseCsv(text, {
      columns: true,
      cast: (value, ctx) => (ctx.header ? value : castCell(value)),
      skip_empty_lines: true,
    }) as Record<string, unknown>[]
  } catch (error) {
    throw badRequest(`${what} is not CSV with a header row: ${(error as Error).message}`)
  }
}

const INFINITY = /^([+-]?)inf(inity)?$/i

/**
 * A cell as pandas.read_csv reads it: empty is missing; a number (spaces around it allowed) is a
 * number; anything else is the text exactly as sent, spaces included.
 */
function castCell(value: string): unknown {
  if (value === '') return null
  const trimmed = value.trim()
  if (trimmed === '') return value
  const n = Number(trimmed)
  if (!Number.isNaN(n) || trimmed === 'NaN') return n
  const inf = INFINITY.exec(trimmed) // 'inf', '-Infinity': infinities to pandas, refused by checkFinite
  return inf === null ? value : inf[1] === '-' ? -Infinity : Infinity
}

/** The `predictions` answer: JSON text built without an intermediate object. */
export function scoringResponse(predictions: readonly unknown[]): string {
  return `{"predictions":${JSON.stringify(predictions)}}`
}
