/** Converters between the prediction log's entities and its wire JSON, both directions. */
import type { z } from 'zod'
import type {
  LoggedPrediction,
  PredictionDeploymentSummary,
  PredictionLabel,
  PredictionRecord,
  PredictionValue,
} from '../predictions.js'
import type {
  loggedPredictionWire,
  predictionDeploymentWire,
  predictionLabelWire,
  predictionRecordWire,
} from './prediction-entities.js'
import { defined } from './util.js'

type Out<S extends z.ZodType> = z.output<S>

/**
 * The wire form of a record. Hot path (a search answers up to 10,000 records): no copies of the
 * rows and no `delete` (which slows every later read of the object); optional fields are added
 * only when present.
 */
export function predictionRecordToWire(r: PredictionRecord) {
  return {
    request_id: r.requestId,
    deployment: r.deployment,
    model_name: r.modelName,
    ...(r.modelVersion !== undefined && { model_version: r.modelVersion }),
    model_uri: r.modelUri,
    variant: r.variant,
    shadow: r.shadow,
    timestamp_ms: r.timestampMs,
    latency_ms: r.latencyMs,
    protocol: r.protocol,
    inputs: r.inputs as Record<string, unknown>[],
    outputs: r.outputs as PredictionValue[],
    ...(r.probabilities !== undefined && { probabilities: r.probabilities as number[][] }),
    status_code: r.statusCode,
    ...(r.error !== undefined && { error: r.error }),
  }
}

export function predictionRecordFromWire(w: Out<typeof predictionRecordWire>): PredictionRecord {
  return {
    requestId: w.request_id,
    deployment: w.deployment,
    modelName: w.model_name,
    ...(w.model_version !== undefined && { modelVersion: w.model_version }),
    modelUri: w.model_uri,
    variant: w.variant,
    shadow: w.shadow ?? false,
    timestampMs: w.timestamp_ms,
    latencyMs: w.latency_ms,
    protocol: w.protocol,
    inputs: w.inputs,
    outputs: w.outputs,
    ...(w.probabilities !== undefined && { probabilities: w.probabilities }),
    statusCode: w.status_code,
    ...(w.error !== undefined && { error: w.error }),
  }
}

export function loggedPredictionToWire(p: LoggedPrediction) {
  const wire = predictionRecordToWire(p)
  return p.label === undefined
    ? wire
    : { ...wire, label: p.label, ...(p.labelTimestampMs !== undefined && { label_timestamp_ms: p.labelTimestampMs }) }
}

export function loggedPredictionFromWire(w: Out<typeof loggedPredictionWire>): LoggedPrediction {
  const record = predictionRecordFromWire(w)
  return w.label === undefined
    ? record
    : {
        ...record,
        label: w.label,
        ...(w.label_timestamp_ms !== undefined && { labelTimestampMs: w.label_timestamp_ms }),
      }
}

export function predictionLabelToWire(l: PredictionLabel) {
  return defined({ request_id: l.requestId, label: l.label, timestamp_ms: l.timestampMs })
}

export function predictionLabelFromWire(w: Out<typeof predictionLabelWire>): PredictionLabel {
  return defined({ requestId: w.request_id, label: w.label, timestampMs: w.timestamp_ms })
}

export function predictionDeploymentToWire(d: PredictionDeploymentSummary) {
  return defined({
    deployment: d.deployment,
    records: d.records,
    dropped: d.dropped,
    first_timestamp_ms: d.firstTimestampMs,
    last_timestamp_ms: d.lastTimestampMs,
    variants: [...d.variants],
    model_versions: [...d.modelVersions],
  })
}

export function predictionDeploymentFromWire(w: Out<typeof predictionDeploymentWire>): PredictionDeploymentSummary {
  return defined({
    deployment: w.deployment,
    records: w.records,
    dropped: w.dropped,
    firstTimestampMs: w.first_timestamp_ms,
    lastTimestampMs: w.last_timestamp_ms,
    variants: w.variants,
    modelVersions: w.model_versions,
  })
}
