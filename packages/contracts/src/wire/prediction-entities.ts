/**
 * The prediction log's messages in keel's snake_case JSON: a logged record, a label, a
 * deployment's summary. Types are checked here; lengths, counts and sizes by the server's service.
 */
import { z } from 'zod'
import { PREDICTION_PROTOCOLS } from '../predictions.js'
import { bool, int64, str, timestampMs } from './primitives.js'

/** A JSON value that may be absent or `null` (Python clients send `None`); both mean absent. */
const absent = <S extends z.ZodType>(schema: S) => schema.nullish().transform((v) => v ?? undefined)

/** One input row: an object of column name to a JSON value. */
export const predictionRowWire = z.record(z.string(), z.unknown())
export const predictionValueWire = z.union([z.number(), z.string()], { error: 'expected a number or a string' })
export const labelValueWire = z.union([z.number(), z.string(), z.boolean()], { error: 'expected a number, a string or a boolean' })

export const predictionRecordWire = z.object({
  request_id: str,
  deployment: str,
  model_name: str,
  /** A registry version is a string; a number is accepted and kept as its decimal string. */
  model_version: absent(z.union([str, z.number().int().transform(String)])),
  model_uri: str,
  variant: str,
  shadow: bool.optional(),
  timestamp_ms: timestampMs,
  latency_ms: z.number(),
  protocol: z.enum(PREDICTION_PROTOCOLS),
  inputs: z.array(predictionRowWire),
  outputs: z.array(predictionValueWire),
  probabilities: absent(z.array(z.array(z.number()))),
  status_code: z.number().int(),
  error: absent(str),
})

export const loggedPredictionWire = predictionRecordWire.extend({
  label: labelValueWire.optional(),
  label_timestamp_ms: int64.optional(),
})

export const predictionLabelWire = z.object({
  request_id: str,
  label: labelValueWire,
  timestamp_ms: absent(timestampMs),
})

export const predictionDeploymentWire = z.object({
  deployment: str,
  records: int64,
  dropped: int64,
  first_timestamp_ms: int64.optional(),
  last_timestamp_ms: int64.optional(),
  variants: z.array(str),
  model_versions: z.array(str),
})

export type PredictionRecordWire = z.input<typeof predictionRecordWire>
export type LoggedPredictionWire = z.input<typeof loggedPredictionWire>
export type PredictionLabelWire = z.input<typeof predictionLabelWire>
export type PredictionDeploymentWire = z.input<typeof predictionDeploymentWire>
