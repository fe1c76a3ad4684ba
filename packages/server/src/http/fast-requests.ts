/**
 * Hand-written validation of the request bodies whose schema parse is a visible share of their
 * cost: log-batch's metrics (up to 1,000 objects, each a zod object of unions). A fast path takes
 * only input its endpoint's schema accepts, in the plain form clients send (numbers as JSON
 * numbers), and returns what the schema would; anything else goes to the schema, so every refusal
 * keeps the schema's message.
 */
import { type Endpoint, trackingApi } from '@keel/contracts'

type FastPath = (input: Record<string, unknown>) => Record<string, unknown> | undefined

/** The optional string fields of a metric (metricWire). */
const METRIC_STRINGS = ['dataset_name', 'dataset_digest', 'model_id', 'run_id'] as const

/** A metric as the schema returns it, or undefined for anything it should see itself. */
function plainMetric(m: unknown): Record<string, unknown> | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined
  const { key, value, timestamp, step } = m as Record<string, unknown>
  // z.number() takes finite numbers; int64 takes safe integers (strings and the rest: the schema).
  if (typeof key !== 'string' || typeof value !== 'number' || !Number.isFinite(value)) return undefined
  if (!Number.isSafeInteger(timestamp)) return undefined
  if (step !== undefined && !Number.isSafeInteger(step)) return undefined
  const out: Record<string, unknown> = { key, value, timestamp }
  if (step !== undefined) out.step = step
  for (const name of METRIC_STRINGS) {
    const v = (m as Record<string, unknown>)[name]
    if (v === undefined) continue
    if (typeof v !== 'string') return undefined
    out[name] = v
  }
  return out
}

/**
 * log-batch: the metrics checked here, the rest of the body (run_id, params, tags: a few fields) by
 * the schema. When every metric passes, the schema would report no issue in them, so its first
 * issue, if any, is one of the rest's.
 */
function logBatch(schema: Endpoint['request']): FastPath {
  return (input) => {
    const metrics = input.metrics
    if (!Array.isArray(metrics) || metrics.length === 0) return undefined
    const parsed = new Array<Record<string, unknown>>(metrics.length)
    for (let i = 0; i < metrics.length; i++) {
      const m = plainMetric(metrics[i])
      if (m === undefined) return undefined
      parsed[i] = m
    }
    const rest = schema.safeParse({ ...input, metrics: undefined })
    if (!rest.success) return undefined
    const out = rest.data as Record<string, unknown>
    out.metrics = parsed
    return out
  }
}

const FAST_PATHS = new Map<Endpoint['request'], FastPath>([
  [trackingApi.logBatch.request, logBatch(trackingApi.logBatch.request)],
])

/** The endpoint's fast path, if it has one. */
export function fastPathOf(endpoint: Endpoint): FastPath | undefined {
  return FAST_PATHS.get(endpoint.request)
}
