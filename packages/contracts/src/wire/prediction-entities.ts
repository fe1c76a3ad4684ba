/**
 * The prediction log's messages in keel's snake_case JSON: a logged record, a label, a
 * deployment's summary. Types are checked here; lengths, counts and sizes by the server's service.
 */
import { z } from 'zod'
import { PREDICTION_PROTOCOLS } from '../predictions.js'
import { bool, int64, str, timestampMs } from './primitives.js'
import { LIMITS } from '../limits.js'
import { maxUnits } from './documented.js'

/** A JSON value that may be absent or `null` (Python clients send `None`); both mean absent. */
const absent = <S extends z.ZodType>(schema: S) => schema.nullish().transform((v) => v ?? undefined)

/*
 * The rows, outputs and probabilities of a record are checked by predicates, not by element
 * schemas: zod rebuilds every object and array it parses, which cost more than the rest of a
 * logged record's checks. Same verdicts and paths (`records.3.inputs.0`); the JSON Schema of the
 * OpenAPI document comes from the metadata.
 */
const isRow = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isValue = (v: unknown): v is number | string =>
  typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))
function isNumbers(v: unknown): v is number[] {
  if (!Array.isArray(v)) return false
  for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x)) return false
  return true
}

/** One input row: an object of column name to a JSON value. */
export const predictionRowWire = z
  .custom<Record<string, unknown>>(isRow, { error: 'expected an object of column values' })
  .meta({ type: 'object', additionalProperties: {} })
export const predictionValueWire = z
  .custom<number | string>(isValue, { error: 'expected a number or a string' })
  .meta({ type: ['number', 'string'] })
/** One output's class probabilities. */
export const probabilitiesRowWire = z
  .custom<number[]>(isNumbers, { error: 'expected an array of numbers' })
  .meta({ type: 'array', items: { type: 'number' } })
export const labelValueWire = z.union([z.number(), z.string(), z.boolean()], {
  error: 'expected a number, a string or a boolean',
})

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
  probabilities: absent(z.array(probabilitiesRowWire)),
  status_code: z.number().int(),
  error: absent(str),
})

// What server/src/predictions/prediction-log-service.ts checks of a record, as the document states it.
const id = str.meta({ minLength: 1, ...maxUnits(LIMITS.predictionIdLength) })
const label = str.meta({ minLength: 1, ...maxUnits(LIMITS.predictionNameLength) })
const text = str.meta({ minLength: 1, ...maxUnits(LIMITS.predictionTextLength) })

/** A record as log-batch takes it; one output per input row (a failed request may have none), and one row of probabilities per output. */
export const predictionRecordRequest = predictionRecordWire.extend({
  request_id: id,
  deployment: label,
  model_name: label,
  model_version: absent(z.union([label, z.number().int().transform(String)])),
  model_uri: text,
  variant: label,
  timestamp_ms: timestampMs.meta({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  latency_ms: z.number().meta({ minimum: 0 }),
  status_code: z.number().int().meta({ minimum: 100, maximum: 599 }),
  error: absent(str.meta(maxUnits(LIMITS.predictionTextLength))),
})

export const predictionLabelRequest = z.object({
  request_id: id,
  label: z.union([z.number(), str.meta(maxUnits(LIMITS.predictionTextLength)), z.boolean()], {
    error: 'expected a number, a string or a boolean',
  }),
  timestamp_ms: absent(timestampMs.meta({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
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
