/**
 * The prediction log's tables as Kysely sees them (added to the store's `Database` with
 * `withTables`), and conversions between rows and entities. JSON columns hold text.
 */
import type { LabelValue, PredictionProtocol, PredictionRecord } from '@keel/contracts'
import type { ColumnType, Generated, Kysely } from 'kysely'
import type { StoredPrediction } from '../../predictions/prediction-log-store.js'

type Int64 = ColumnType<number, number | bigint, number | bigint>

export interface PredictionsTable {
  seq: Generated<number>
  deployment: string
  request_id: string
  variant: string
  shadow: number
  model_name: string
  model_version: string | null
  model_uri: string
  timestamp_ms: Int64
  latency_ms: number
  protocol: string
  inputs: string
  outputs: string
  probabilities: string | null
  status_code: number
  error: string | null
}

export interface PredictionLabelsTable {
  request_id: string
  label: string
  timestamp_ms: Int64
}

export interface PredictionDeploymentsTable {
  deployment: string
  records: Int64
  dropped: Int64
  first_timestamp_ms: Int64 | null
  last_timestamp_ms: Int64 | null
}

export interface PredictionDeploymentValuesTable {
  deployment: string
  kind: 'variant' | 'model_version'
  value: string
}

export type PredictionTables = {
  predictions: PredictionsTable
  prediction_labels: PredictionLabelsTable
  prediction_deployments: PredictionDeploymentsTable
  prediction_deployment_values: PredictionDeploymentValuesTable
}

export type PredictionDb = Kysely<PredictionTables>

/** The columns an insert writes, in the order `pushPredictionRow` gives their values. */
export const INSERT_COLUMNS = [
  'deployment',
  'request_id',
  'variant',
  'shadow',
  'model_name',
  'model_version',
  'model_uri',
  'timestamp_ms',
  'latency_ms',
  'protocol',
  'inputs',
  'outputs',
  'probabilities',
  'status_code',
  'error',
] as const satisfies readonly (keyof PredictionsTable)[]

/** Appends a record's column values to a multi-row insert's parameters (no row object in between). */
export function pushPredictionRow(params: unknown[], r: PredictionRecord): void {
  params.push(
    r.deployment,
    r.requestId,
    r.variant,
    r.shadow ? 1 : 0,
    r.modelName,
    r.modelVersion ?? null,
    r.modelUri,
    r.timestampMs,
    r.latencyMs,
    r.protocol,
    JSON.stringify(r.inputs),
    JSON.stringify(r.outputs),
    r.probabilities === undefined ? null : JSON.stringify(r.probabilities),
    r.statusCode,
    r.error ?? null,
  )
}

/** The columns a search selects: the record and its label. */
export const PREDICTION_COLUMNS = [
  'p.seq',
  'p.deployment',
  'p.request_id',
  'p.variant',
  'p.shadow',
  'p.model_name',
  'p.model_version',
  'p.model_uri',
  'p.timestamp_ms',
  'p.latency_ms',
  'p.protocol',
  'p.inputs',
  'p.outputs',
  'p.probabilities',
  'p.status_code',
  'p.error',
  'l.label',
  'l.timestamp_ms as label_timestamp_ms',
] as const

export interface PredictionSelection extends Omit<PredictionsTable, 'seq' | 'timestamp_ms'> {
  seq: number
  timestamp_ms: number
  label: string | null
  label_timestamp_ms: number | null
}

export function predictionFromRow(row: PredictionSelection): StoredPrediction {
  return {
    seq: Number(row.seq),
    requestId: row.request_id,
    deployment: row.deployment,
    modelName: row.model_name,
    ...(row.model_version !== null && { modelVersion: row.model_version }),
    modelUri: row.model_uri,
    variant: row.variant,
    shadow: row.shadow === 1,
    timestampMs: Number(row.timestamp_ms),
    latencyMs: row.latency_ms,
    protocol: row.protocol as PredictionProtocol,
    inputs: JSON.parse(row.inputs) as StoredPrediction['inputs'],
    outputs: JSON.parse(row.outputs) as StoredPrediction['outputs'],
    ...(row.probabilities !== null && { probabilities: JSON.parse(row.probabilities) as number[][] }),
    statusCode: row.status_code,
    ...(row.error !== null && { error: row.error }),
    ...(row.label !== null && { label: JSON.parse(row.label) as LabelValue }),
    ...(row.label_timestamp_ms !== null && { labelTimestampMs: Number(row.label_timestamp_ms) }),
  }
}
