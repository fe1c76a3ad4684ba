/**
 * The prediction log's rules: what a record must hold (lengths, one output per input row, sizes),
 * batch limits, time windows and the keyset its page tokens carry (limits and tokens: paging/).
 * Errors name the field, as the request validator does (`records.3.inputs`).
 */
import {
  KeelError,
  LIMITS,
  type LoggedPrediction,
  type Page,
  type PredictionDeploymentSummary,
  type PredictionLabel,
  type PredictionOrder,
  type PredictionRecord,
  type PredictionSearchFilter,
} from '@keel/contracts'
import { validateMaxResults } from '../paging/max-results.js'
import { invalidPageToken, isCount, keysetPage, pageTokenCodec } from '../paging/page-token.js'
import { jsonByteBound } from './json-size.js'
import type { PredictionCursor, PredictionLogStore, StoredPrediction } from './prediction-log-store.js'

const invalid = (field: string, problem: string) =>
  KeelError.invalid(`Invalid value for parameter '${field}': ${problem}`)

function text(value: string | undefined, field: string, max: number, required = true): void {
  if (value === undefined) return
  if (required && value.length === 0) throw invalid(field, 'it must not be empty')
  if (value.length > max) throw invalid(field, `it is ${value.length} characters long; the limit is ${max}`)
}

function jsonBytes(value: unknown, field: string): void {
  if (jsonByteBound(value) <= LIMITS.predictionFieldBytes) return
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '')
  if (bytes > LIMITS.predictionFieldBytes) {
    throw invalid(field, `it is ${bytes} bytes of JSON; the limit is ${LIMITS.predictionFieldBytes} per record`)
  }
}

function validateRecord(r: PredictionRecord, at: string): void {
  text(r.requestId, `${at}.request_id`, LIMITS.predictionIdLength)
  text(r.deployment, `${at}.deployment`, LIMITS.predictionNameLength)
  text(r.modelName, `${at}.model_name`, LIMITS.predictionNameLength)
  text(r.modelVersion, `${at}.model_version`, LIMITS.predictionNameLength)
  text(r.modelUri, `${at}.model_uri`, LIMITS.predictionTextLength)
  text(r.variant, `${at}.variant`, LIMITS.predictionNameLength)
  text(r.error, `${at}.error`, LIMITS.predictionTextLength, false)
  if (!Number.isSafeInteger(r.timestampMs) || r.timestampMs < 0)
    throw invalid(`${at}.timestamp_ms`, 'expected epoch milliseconds')
  if (!Number.isFinite(r.latencyMs) || r.latencyMs < 0)
    throw invalid(`${at}.latency_ms`, 'expected a non-negative number')
  if (!Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) {
    throw invalid(`${at}.status_code`, `${r.statusCode} is not an HTTP status`)
  }
  jsonBytes(r.inputs, `${at}.inputs`)
  jsonBytes(r.outputs, `${at}.outputs`)
  const failed = r.statusCode < 200 || r.statusCode > 299
  if (r.outputs.length !== r.inputs.length && !(failed && r.outputs.length === 0)) {
    throw invalid(
      `${at}.outputs`,
      `${r.outputs.length} outputs for ${r.inputs.length} input rows; expected one per row`,
    )
  }
  r.outputs.forEach((o, i) => {
    if (typeof o === 'number' && !Number.isFinite(o))
      throw invalid(`${at}.outputs[${i}]`, 'expected a finite number or a string')
  })
  if (r.probabilities !== undefined) {
    jsonBytes(r.probabilities, `${at}.probabilities`)
    if (r.probabilities.length !== r.outputs.length) {
      throw invalid(
        `${at}.probabilities`,
        `${r.probabilities.length} rows of probabilities for ${r.outputs.length} outputs; expected one per output`,
      )
    }
    r.probabilities.forEach((row, i) => {
      if (row.some((p) => !Number.isFinite(p))) throw invalid(`${at}.probabilities[${i}]`, 'expected finite numbers')
    })
  }
}

/** The deployment a batch's dropped count belongs to. */
function droppedDeployment(records: readonly PredictionRecord[], deployment: string | undefined): string {
  if (deployment !== undefined) {
    text(deployment, 'deployment', LIMITS.predictionNameLength)
    return deployment
  }
  const named = new Set(records.map((r) => r.deployment))
  if (named.size === 1) return [...named][0]!
  throw invalid(
    'dropped',
    named.size === 0
      ? "a dropped count without records needs 'deployment' to say whose it is"
      : "the records name several deployments; give 'deployment' to say whose dropped count it is",
  )
}

/** Prediction pages: a keyset on (timestamp, arrival) in the search's order. */
const predictionToken = pageTokenCodec(
  (p): p is { readonly t: number; readonly s: number; readonly o: PredictionOrder } =>
    isCount(p.t) && isCount(p.s) && (p.o === 'asc' || p.o === 'desc'),
)

function decodeCursor(token: string, order: PredictionOrder): PredictionCursor {
  const { t, s, o } = predictionToken.decode(token)
  if (o !== order) throw invalidPageToken(token, `It continues a search in '${o}' order, not '${order}'.`)
  return { timestampMs: t, seq: s }
}

function entity(p: StoredPrediction): LoggedPrediction {
  const { seq: _, ...rest } = p
  return rest
}

export class PredictionLogService {
  constructor(
    private readonly store: PredictionLogStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs a batch; `dropped` records were dropped by the model server since its previous call. */
  async logBatch(records: readonly PredictionRecord[], dropped = 0, deployment?: string): Promise<void> {
    if (records.length > LIMITS.predictionRecordsPerBatch) {
      throw invalid(
        'records',
        `${records.length} records in one call; the limit is ${LIMITS.predictionRecordsPerBatch}`,
      )
    }
    if (!Number.isSafeInteger(dropped) || dropped < 0) throw invalid('dropped', 'expected a non-negative integer')
    for (const [i, r] of records.entries()) validateRecord(r, `records[${i}]`)
    const count = dropped > 0 ? { deployment: droppedDeployment(records, deployment), count: dropped } : undefined
    if (records.length === 0 && count === undefined) return
    await this.store.logBatch(records, count)
  }

  async search(filter: PredictionSearchFilter): Promise<Page<LoggedPrediction>> {
    const { maxResults, pageToken, order = 'asc', ...where } = filter
    const { startTime, endTime } = where
    const limit = validateMaxResults(
      maxResults,
      LIMITS.searchPredictionsDefaultMaxResults,
      LIMITS.searchPredictionsMaxResults,
    )
    for (const [field, value] of [
      ['start_time', startTime],
      ['end_time', endTime],
    ] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0))
        throw invalid(field, 'expected epoch milliseconds')
    }
    if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
      throw invalid('end_time', `${endTime} is before start_time ${startTime}`)
    }
    const after = pageToken ? decodeCursor(pageToken, order) : undefined
    const page = await this.store.search({ ...where, ...(after && { after }), order, limit })
    return keysetPage(page, predictionToken, (last) => ({ t: last.timestampMs, s: last.seq, o: order }), entity)
  }

  async get(requestId: string): Promise<LoggedPrediction[]> {
    text(requestId, 'request_id', LIMITS.predictionIdLength)
    const found = await this.store.get(requestId)
    if (found.length === 0) throw KeelError.notFound(`No prediction was logged for request_id '${requestId}'`)
    return found.map(entity)
  }

  async postLabels(labels: readonly PredictionLabel[]): Promise<void> {
    if (labels.length > LIMITS.predictionLabelsPerCall) {
      throw invalid('labels', `${labels.length} labels in one call; the limit is ${LIMITS.predictionLabelsPerCall}`)
    }
    const now = this.now()
    const stored = labels.map((l, i) => {
      text(l.requestId, `labels[${i}].request_id`, LIMITS.predictionIdLength)
      if (typeof l.label === 'string') text(l.label, `labels[${i}].label`, LIMITS.predictionTextLength, false)
      if (typeof l.label === 'number' && !Number.isFinite(l.label))
        throw invalid(`labels[${i}].label`, 'expected a finite number')
      const timestampMs = l.timestampMs ?? now
      if (!Number.isSafeInteger(timestampMs) || timestampMs < 0)
        throw invalid(`labels[${i}].timestamp_ms`, 'expected epoch milliseconds')
      return { requestId: l.requestId, label: l.label, timestampMs }
    })
    if (stored.length > 0) await this.store.upsertLabels(stored)
  }

  deployments(): Promise<PredictionDeploymentSummary[]> {
    return this.store.deployments()
  }
}
