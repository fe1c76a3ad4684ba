/**
 * `PredictionLogClient`: keel's prediction log, for model servers (log what was served), label
 * feeds (post the ground truth later, by request id) and monitoring (read windows back by time).
 * camelCase entities in and out; the wire stays inside.
 */
import {
  LIMITS,
  type LoggedPrediction,
  type Page,
  type PredictionDeploymentSummary,
  type PredictionLabel,
  type PredictionRecord,
  type PredictionSearchFilter,
  keelPredictionsApi as api,
  loggedPredictionFromWire,
  predictionDeploymentFromWire,
  predictionLabelToWire,
  predictionRecordToWire,
} from '@keel/contracts'
import { HttpClient, type HttpOptions } from './http.js'

export interface LogPredictionsOptions {
  /** Whose `dropped` count it is; needed only when the records name several deployments, or none. */
  readonly deployment?: string
}

/** Room in a log-batch body for records once the envelope (`{"records":[...],"dropped":n}`) is in. */
const BODY_BUDGET = LIMITS.predictionBatchBytes - 4096

/**
 * Splits wire records, in order, into log-batch calls of at most 1,000 records and a body under
 * the server's cap. A record too large for any call travels alone (the server then refuses it).
 */
export function splitPredictionBatch<T extends object>(
  records: readonly T[],
  maxRecords: number = LIMITS.predictionRecordsPerBatch,
  maxBytes = BODY_BUDGET,
): T[][] {
  const chunks: T[][] = []
  let chunk: T[] = []
  let bytes = 0
  for (const record of records) {
    const size = Buffer.byteLength(JSON.stringify(record)) + 1
    if (chunk.length > 0 && (chunk.length >= maxRecords || bytes + size > maxBytes)) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(record)
    bytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

export class PredictionLogClient {
  readonly http: HttpClient

  constructor(options: HttpOptions | HttpClient = {}) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options)
  }

  /**
   * Logs served requests, in calls of at most 1,000 records and 32 MiB. `dropped`: how many records were
   * dropped since the previous call (sent with the first call). Logging a record again is a no-op,
   * so a failed call can be retried as a whole.
   */
  async logBatch(
    records: readonly PredictionRecord[],
    dropped = 0,
    options: LogPredictionsOptions = {},
  ): Promise<void> {
    if (records.length === 0 && dropped === 0) return
    const chunks = splitPredictionBatch(records.map(predictionRecordToWire))
    for (const [i, chunk] of (chunks.length > 0 ? chunks : [[]]).entries()) {
      await this.http.call(api.logPredictions, {
        records: chunk,
        ...(i === 0 && dropped > 0 && { dropped }),
        ...(i === 0 && options.deployment !== undefined && { deployment: options.deployment }),
      })
    }
  }

  /** One page of logged predictions with their labels, by timestamp (`startTime <= t < endTime`). */
  async search(filter: PredictionSearchFilter = {}): Promise<Page<LoggedPrediction>> {
    const res = await this.http.call(api.searchPredictions, {
      deployment: filter.deployment,
      model_name: filter.modelName,
      model_version: filter.modelVersion,
      variant: filter.variant,
      shadow: filter.shadow,
      start_time: filter.startTime,
      end_time: filter.endTime,
      max_results: filter.maxResults,
      page_token: filter.pageToken,
      order: filter.order,
    })
    const items = res.records.map(loggedPredictionFromWire)
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items }
  }

  /** Every prediction the filter matches, page after page (`maxResults` is the page size). */
  async *searchAll(
    filter: Omit<PredictionSearchFilter, 'pageToken'> = {},
  ): AsyncGenerator<LoggedPrediction, void, undefined> {
    let pageToken: string | undefined
    do {
      const page = await this.search({ ...filter, ...(pageToken !== undefined && { pageToken }) })
      yield* page.items
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
  }

  /** Every variant logged for the request id (shadows included); RESOURCE_DOES_NOT_EXIST if none. */
  async get(requestId: string): Promise<LoggedPrediction[]> {
    return (await this.http.call(api.getPrediction, { request_id: requestId })).records.map(loggedPredictionFromWire)
  }

  /** Upserts ground-truth labels by request id (a later post replaces), in calls of at most 1,000. */
  async postLabels(labels: readonly PredictionLabel[]): Promise<void> {
    const size = LIMITS.predictionLabelsPerCall
    for (let i = 0; i < labels.length; i += size) {
      await this.http.call(api.postLabels, { labels: labels.slice(i, i + size).map(predictionLabelToWire) })
    }
  }

  /** What the log holds per deployment: records, dropped, time span, variants, model versions. */
  async deployments(): Promise<PredictionDeploymentSummary[]> {
    return (await this.http.call(api.listPredictionDeployments, {})).deployments.map(predictionDeploymentFromWire)
  }
}
