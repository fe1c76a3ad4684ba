/**
 * The prediction log's store contract. Stores persist and make atomic what must be: a batch is
 * written in one transaction (acknowledged = durable), a record is unique by (deployment,
 * request_id, variant) and the first write wins (a retry is a no-op), labels are upserted by
 * request id and joined at read time. Validation and limits live in the service. Every
 * implementation runs test/conformance/prediction-log-store-conformance.ts.
 */
import type {
  LabelValue,
  LoggedPrediction,
  PredictionDeploymentSummary,
  PredictionOrder,
  PredictionRecord,
  PredictionSearchFilter,
} from '@keel/contracts'

/** A logged prediction as stored: `seq` grows with arrival and breaks ties of equal timestamps. */
export interface StoredPrediction extends LoggedPrediction {
  readonly seq: number
}

/** Where a page starts: after the record at (timestampMs, seq) in the query's order. */
export interface PredictionCursor {
  readonly timestampMs: number
  readonly seq: number
}

/** A search's filter (checked: `startTime` inclusive, `endTime` exclusive), and where its page starts. */
export interface PredictionQuery extends Omit<PredictionSearchFilter, 'maxResults' | 'pageToken' | 'order'> {
  readonly order: PredictionOrder
  readonly after?: PredictionCursor
  readonly limit: number
}

export interface PredictionPage {
  readonly items: readonly StoredPrediction[]
  readonly hasMore: boolean
}

/** Records a model server dropped, for one deployment. */
export interface DroppedCount {
  readonly deployment: string
  readonly count: number
}

export interface StoredLabel {
  readonly requestId: string
  readonly label: LabelValue
  readonly timestampMs: number
}

export interface PredictionLogStore {
  /**
   * Writes the records in one transaction; records already logged (same deployment, request id and
   * variant, in the store or earlier in the batch) are skipped. `dropped` is added to its
   * deployment's total unless the batch had records and all of them were already logged (the
   * batch is a retry whose first attempt committed). Returns how many records were new.
   */
  logBatch(records: readonly PredictionRecord[], dropped?: DroppedCount): Promise<number>
  search(query: PredictionQuery): Promise<PredictionPage>
  /** Every record of the request id (all deployments and variants), by timestamp then arrival. */
  get(requestId: string): Promise<StoredPrediction[]>
  /** Upserts in one transaction; for a request id given twice the later entry wins. */
  upsertLabels(labels: readonly StoredLabel[]): Promise<void>
  /** Every deployment with records or dropped counts, by name. */
  deployments(): Promise<PredictionDeploymentSummary[]>
}
