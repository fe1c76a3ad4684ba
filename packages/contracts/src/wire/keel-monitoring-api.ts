/**
 * keel's monitoring API (`/api/2.0/keel/monitoring/...`): a drift and data-quality report of a
 * current dataset against a reference, each given inline as columns or as an artifact URI on the
 * server. The report travels in snake_case; non-finite numbers as the strings "NaN", "Infinity",
 * "-Infinity" (as MLflow's proto-JSON sends them).
 */
import { z } from 'zod'
import { endpoint } from './endpoint.js'
import { str } from './primitives.js'
import { DATA_URI, DRIFT_TEST_NAMES } from './documented.js'

/** Largest request body of the drift endpoint (inline columns), in bytes; beyond it: 400. */
export const MONITORING_MAX_INLINE_BYTES = 16 * 1024 * 1024

/** A cell of an inline column. */
const CELL = { type: ['number', 'string', 'boolean', 'null'] }

export const wireDatasetSource = z
  .object({
    /** column name -> cells (number, string, boolean or null), every column the same length */
    columns: z
      .record(z.string(), z.array(z.unknown().meta(CELL)).meta({ minItems: 1 }))
      .meta({ minProperties: 1, description: 'Every column the same length' })
      .optional(),
    /** `mlflow-artifacts:/…` or `runs:/<run_id>/path.csv` (.csv, .tsv or .parquet) */
    uri: z.string().meta({ pattern: DATA_URI }).optional(),
  })
  .strict()
  .meta({ oneOf: [{ required: ['columns'] }, { required: ['uri'] }] })

export type WireDatasetSource = z.output<typeof wireDatasetSource>

export const wireDriftReportRequest = z.object({
  reference: wireDatasetSource,
  current: wireDatasetSource,
  /** columns to compare (default: every column of either dataset) */
  columns: z.array(str).optional(),
  /** column -> test name (Evidently's names) */
  tests: z.record(z.string(), z.string().meta({ enum: DRIFT_TEST_NAMES })).optional(),
  /** column -> threshold */
  thresholds: z.record(z.string(), z.number().meta({ minimum: 0 })).optional(),
  drift_share: z.number().min(0).max(1).optional(),
})

export const wireDriftReport = z.looseObject({
  kind: z.literal('keel.drift_report'),
  version: z.number(),
  created_at: z.string(),
  reference: z.looseObject({ rows: z.number(), columns: z.number() }),
  current: z.looseObject({ rows: z.number(), columns: z.number() }),
  drift: z.looseObject({ dataset_drift: z.boolean(), share_of_drifted_columns: z.number() }),
  columns: z.array(z.looseObject({ column: z.string() })),
  quality: z.looseObject({ findings: z.array(z.unknown()) }),
})

export const keelMonitoringApi = {
  driftReport: endpoint(
    'POST',
    '/keel/monitoring/drift',
    'Drift per column and for the dataset, and data quality, of current data against reference data (JSON; ?format=html or Accept: text/html for the HTML report)',
    wireDriftReportRequest,
    wireDriftReport,
  ),
} as const

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())

/** Fields whose strings are data (names, categories, messages), never encoded numbers. */
const TEXT_FIELDS = new Set([
  'categories',
  'values',
  'value',
  'column',
  'name',
  'message',
  'columns',
  'missing_columns',
  'unexpected_columns',
])

function mapDeep(value: unknown, key: (k: string) => string, leaf: (v: unknown) => unknown, field = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, key, leaf, field))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[key(k)] = mapDeep(v, key, leaf, snake(k))
    return out
  }
  return TEXT_FIELDS.has(field) ? value : leaf(value)
}

/** A report (camelCase, numbers) as it travels: snake_case keys, non-finite numbers as strings. */
export function driftReportToWire(report: unknown): Record<string, unknown> {
  return mapDeep(report, snake, (v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) as Record<
    string,
    unknown
  >
}

/** The inverse of driftReportToWire. */
export function driftReportFromWire(wire: unknown): unknown {
  return mapDeep(wire, camel, (v) => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v))
}
