/**
 * The prediction log (camelCase entities), shared by the server's `predictions` domain and the SDK:
 * what a model server logs for each request it served, the ground-truth labels posted later by
 * request id, and the per-deployment summary. The wire shapes are in `wire/prediction-*.ts`.
 */

/** How the request reached the model server: Open Inference Protocol (v2) or MLflow scoring. */
export const PREDICTION_PROTOCOLS = ['v2', 'mlflow'] as const
export type PredictionProtocol = (typeof PREDICTION_PROTOCOLS)[number]

/** One prediction: a class or a regression value. */
export type PredictionValue = number | string
/** A ground-truth label. */
export type LabelValue = number | string | boolean
/** One input row as the model server received it: column name to a JSON value. */
export type PredictionRow = Readonly<Record<string, unknown>>

/** One served request of one variant, as the model server logs it. */
export interface PredictionRecord {
  /** The request's id (1..128 characters); labels join on it. */
  readonly requestId: string
  /** The serving deployment's name. */
  readonly deployment: string
  readonly modelName: string
  readonly modelVersion?: string | undefined
  readonly modelUri: string
  /** Which model answered, e.g. `champion` or `challenger`. */
  readonly variant: string
  /** A shadow variant's answer was computed and logged, not returned to the caller. */
  readonly shadow: boolean
  readonly timestampMs: number
  readonly latencyMs: number
  readonly protocol: PredictionProtocol
  /** The input rows. */
  readonly inputs: readonly PredictionRow[]
  /** One prediction per row (empty when the request failed). */
  readonly outputs: readonly PredictionValue[]
  /** Class probabilities, one array per row, when the model gives them. */
  readonly probabilities?: readonly (readonly number[])[] | undefined
  readonly statusCode: number
  readonly error?: string | undefined
}

/** A logged prediction as read back: the record with its label, when one was posted. */
export interface LoggedPrediction extends PredictionRecord {
  readonly label?: LabelValue | undefined
  readonly labelTimestampMs?: number | undefined
}

/** A ground-truth label for a request id (every variant of that request). */
export interface PredictionLabel {
  readonly requestId: string
  readonly label: LabelValue
  /** When the truth was known; the server's clock when absent. */
  readonly timestampMs?: number | undefined
}

export type PredictionOrder = 'asc' | 'desc'

/** What `predictions/search` filters on. Times are epoch ms: `startTime <= timestamp < endTime`. */
export interface PredictionSearchFilter {
  readonly deployment?: string | undefined
  readonly modelName?: string | undefined
  readonly modelVersion?: string | undefined
  readonly variant?: string | undefined
  readonly shadow?: boolean | undefined
  readonly startTime?: number | undefined
  readonly endTime?: number | undefined
  readonly maxResults?: number | undefined
  readonly pageToken?: string | undefined
  /** By timestamp, then by arrival: `asc` (default) or `desc`. */
  readonly order?: PredictionOrder | undefined
}

/** What the log holds for one deployment. */
export interface PredictionDeploymentSummary {
  readonly deployment: string
  /** Records logged (a retried record counts once). */
  readonly records: number
  /** Records the model server reported it dropped (its queue was full), in total. */
  readonly dropped: number
  readonly firstTimestampMs?: number | undefined
  readonly lastTimestampMs?: number | undefined
  readonly variants: readonly string[]
  readonly modelVersions: readonly string[]
}
