/**
 * keel's live monitors (`/api/2.0/keel/monitors/...`): create a monitor on a deployment's
 * prediction log, run it, and read its windows (drift of inputs and predictions, data quality,
 * histograms, estimated performance), its realized performance (computed when read, so late
 * labels count) and its alerts. snake_case; entities in `../monitors.ts`; converters in `monitor-convert.ts`.
 */
import { z } from 'zod'
import { ALERT_RULE_KINDS, MONITOR_STATUSES, MONITOR_TASKS, PERFORMANCE_METRICS } from '../monitors.js'
import { endpoint } from './endpoint.js'
import { int64, str } from './primitives.js'
import {
  DATA_URI,
  DRIFT_TEST_NAMES,
  VERSION_NUMBER,
  int64Within,
  maxResults,
  maxUnits,
  modelName,
  nonNegativeInt64,
  pageToken,
} from './documented.js'
import { LIMITS } from '../limits.js'

const empty = z.object({})
const num = z.number()
const numRecord = z.record(z.string(), num)

// What server/src/monitoring/live/monitor-validation.ts checks, as the document states it.
/** A name, deployment, variant or column: 1 to 256 characters. */
const label = str.meta({ minLength: 1, ...maxUnits(LIMITS.predictionNameLength) })
const monitorId = str.meta({ minLength: 1, ...maxUnits(64) })
const testsRequest = z.record(z.string(), str.meta({ enum: DRIFT_TEST_NAMES }))
const thresholdsRequest = z.record(z.string(), num.meta({ minimum: 0, maximum: Number.MAX_VALUE }))
const driftShareRequest = num.meta({ minimum: 0, maximum: 1 })
const latenessRequest = num.meta({ minimum: 0, maximum: 86_400 })
/** Which kinds need what: a column for column_drift, a threshold (a share for drift_share and quality) for the others. */
// biome-ignore-start lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
const RULE_KINDS = {
  allOf: [
    { if: { properties: { kind: { const: 'column_drift' } } }, then: { required: ['column'] } },
    {
      if: { properties: { kind: { enum: ['drift_share', 'quality'] } } },
      then: { required: ['threshold'], properties: { threshold: { minimum: 0, maximum: 1 } } },
    },
    {
      if: { properties: { kind: { enum: ['performance', 'estimated_performance'] } } },
      then: { required: ['threshold'] },
    },
  ],
}
// biome-ignore-end lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable

export const alertRuleWire = z.object({
  /** default: rule-1, rule-2, … in order */
  rule_id: str.optional(),
  kind: z.enum(ALERT_RULE_KINDS),
  column: str.optional(),
  metric: z.enum(PERFORMANCE_METRICS).optional(),
  threshold: num.optional(),
  min_labelled_rows: int64.optional(),
  /** http or https; private, loopback and link-local targets only when the operator allows them */
  webhook_url: str.optional(),
  /** the name of an action the operator defined (`keel server --config`, `actions.<name>`) */
  action: str.optional(),
})

/** A rule as a request gives it: a `command` (a program to run) is refused by name. */
export const alertRuleRequestWire = alertRuleWire
  .extend({
    rule_id: label.optional(),
    column: label.optional(),
    threshold: num.meta({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE }).optional(),
    min_labelled_rows: int64Within(1, Number.MAX_SAFE_INTEGER).optional(),
    webhook_url: str.meta({ pattern: '^https://hooks\\.example\\.com/[A-Za-z0-9_-]{0,40}$' }).optional(),
    command: z
      .never({
        error:
          "commands are now defined by the operator in the server's configuration (keel server --config <file>, actions.<name>.command); name one with 'action'",
      })
      .optional(),
  })
  .meta(RULE_KINDS)

/** At most 50 rules, each id at most once. */
const alertRulesRequest = z.array(alertRuleRequestWire).meta({ maxItems: 50, description: 'Each rule_id at most once' })

export const monitorReferenceWire = z
  .object({
    uri: str.meta({ maxLength: LIMITS.predictionTextLength, pattern: DATA_URI }).optional(),
    // end_time after start_time: the document keeps them apart.
    log: z
      .object({
        start_time: int64Within(0, 999_999_999_999),
        end_time: int64Within(1_000_000_000_000, Number.MAX_SAFE_INTEGER),
      })
      .optional(),
    model_version: z
      .object({ name: modelName, version: z.union([label, z.number().int().transform(String)]).meta(VERSION_NUMBER) })
      .optional(),
  })
  .strict()
  .meta({ oneOf: [{ required: ['uri'] }, { required: ['log'] }, { required: ['model_version'] }] })

export const monitorWindowSpecWire = z
  .object({
    count: int64Within(1, 100_000).optional(),
    seconds: num.meta({ minimum: 0.001, maximum: 366 * 86_400 }).optional(),
  })
  .strict()
  .meta({ oneOf: [{ required: ['count'] }, { required: ['seconds'] }] })

export const createMonitorRequest = z.object({
  name: label,
  deployment: label,
  model_name: label.optional(),
  variant: label.optional(),
  reference: monitorReferenceWire,
  window: monitorWindowSpecWire,
  columns: z.array(label).meta({ minItems: 1 }).optional(),
  tests: testsRequest.optional(),
  thresholds: thresholdsRequest.optional(),
  drift_share: driftShareRequest.optional(),
  task: z.enum(MONITOR_TASKS).optional(),
  prediction_column: label.optional(),
  alert_rules: alertRulesRequest.optional(),
  lateness_seconds: latenessRequest.optional(),
  start_time: nonNegativeInt64.optional(),
})

export const updateMonitorRequest = z.object({
  monitor_id: monitorId,
  status: z.enum(MONITOR_STATUSES).optional(),
  alert_rules: alertRulesRequest.optional(),
  tests: testsRequest.optional(),
  thresholds: thresholdsRequest.optional(),
  drift_share: driftShareRequest.optional(),
  lateness_seconds: latenessRequest.optional(),
})

export const monitorWire = z.object({
  monitor_id: str,
  name: str,
  deployment: str,
  model_name: str.optional(),
  variant: str.optional(),
  reference: z.object({
    uri: str.optional(),
    log: z.object({ start_time: num, end_time: num }).optional(),
    model_version: z.object({ name: str, version: str, uri: str.optional() }).optional(),
  }),
  window: z.object({ count: num.optional(), seconds: num.optional() }),
  columns: z.array(str).optional(),
  tests: z.record(z.string(), str),
  thresholds: numRecord,
  drift_share: num,
  task: z.enum(MONITOR_TASKS).optional(),
  prediction_column: str.optional(),
  alert_rules: z.array(alertRuleWire.extend({ rule_id: str, threshold: num })),
  status: z.enum(MONITOR_STATUSES),
  lateness_seconds: num,
  start_time: num.optional(),
  created_ms: num,
  updated_ms: num,
  last_window_id: num.optional(),
  last_window_end_ms: num.optional(),
  last_error: str.optional(),
})

export const columnDriftWire = z.object({
  column: str,
  feature_type: z.enum(['num', 'cat']).optional(),
  test: str.optional(),
  statistic: num.optional(),
  score: num.optional(),
  threshold: num.optional(),
  drifted: z.boolean(),
  error: str.optional(),
})

export const histogramWire = z.union([
  z.object({ kind: z.literal('numeric'), edges: z.array(num), reference: z.array(num), current: z.array(num) }),
  z.object({
    kind: z.literal('categorical'),
    categories: z.array(str),
    reference: z.array(num),
    current: z.array(num),
    reference_other: num,
    current_other: num,
  }),
])

const estimatedWire = z.object({
  method: str,
  metrics: numRecord,
  lower: numRecord.optional(),
  upper: numRecord.optional(),
})

export const monitorWindowWire = z.object({
  monitor_id: str,
  window_id: num,
  start_ms: num,
  end_ms: num,
  rows: num,
  sampled_rows: num,
  dataset_drift: z.boolean(),
  drift_share: num,
  drifted_columns: z.array(str),
  columns: z.array(columnDriftWire),
  prediction_drift: columnDriftWire.optional(),
  quality: z.object({
    findings: z.array(
      z.object({
        check: str,
        column: str,
        severity: z.enum(['error', 'warning']),
        message: str,
        value: num.optional(),
      }),
    ),
    null_shares: numRecord,
  }),
  histograms: z.record(z.string(), histogramWire),
  estimated_performance: estimatedWire.optional(),
  created_ms: num,
})

export const monitorPerformanceWire = z.object({
  window_id: num,
  start_ms: num,
  end_ms: num,
  rows: num,
  labelled_rows: num,
  metrics: z.object({ accuracy: num.optional(), f1_macro: num.optional(), rmse: num.optional(), mae: num.optional() }),
  estimated: estimatedWire.optional(),
})

export const monitorAlertWire = z.object({
  alert_id: str,
  monitor_id: str,
  deployment: str,
  rule_id: str,
  window_id: num,
  fired_ms: num,
  kind: z.enum(ALERT_RULE_KINDS),
  message: str,
  value: num,
  threshold: num,
  webhook: z.object({ url: str, status: num.optional(), error: str.optional() }).optional(),
  action: z.object({ name: str, exit_code: num.nullable(), output_tail: str, error: str.optional() }).optional(),
})

const quantilesWire = z.object({ p1: num, p5: num, p25: num, p50: num, p75: num, p95: num, p99: num })

export const monitorProfileWire = z.object({
  monitor_id: str,
  windows: num,
  windows_without_profile: num,
  rows: num,
  columns: z.array(
    z.object({
      column: str,
      count: num,
      nulls: num,
      mean: num.optional(),
      std: num.optional(),
      min: num.optional(),
      max: num.optional(),
      quantiles: quantilesWire.optional(),
      distinct: num,
      distinct_exact: z.boolean(),
      top_items: z.array(z.object({ value: str, count: num })),
    }),
  ),
  drift: z.object({
    dataset_drift: z.boolean(),
    drift_share: num,
    drifted_columns: z.array(str),
    columns: z.array(columnDriftWire),
  }),
})

const windowRange = {
  monitor_id: monitorId,
  start_time: int64.optional(),
  end_time: int64.optional(),
  max_results: maxResults(1000).optional(),
  page_token: pageToken.optional(),
}

export const keelMonitorsApi = {
  createMonitor: endpoint(
    'POST',
    '/keel/monitors/create',
    'Create a live monitor on a deployment’s prediction log',
    createMonitorRequest,
    z.object({ monitor: monitorWire }),
  ),
  listMonitors: endpoint(
    'GET',
    '/keel/monitors/list',
    'Monitors, of one deployment or all, by name',
    z.object({ deployment: str.optional() }),
    z.object({ monitors: z.array(monitorWire) }),
  ),
  getMonitor: endpoint(
    'GET',
    '/keel/monitors/get',
    'One monitor',
    z.object({ monitor_id: monitorId }),
    z.object({ monitor: monitorWire }),
  ),
  updateMonitor: endpoint(
    'POST',
    '/keel/monitors/update',
    'Pause or resume a monitor; replace its alert rules, tests, thresholds or drift share',
    updateMonitorRequest,
    z.object({ monitor: monitorWire }),
  ),
  deleteMonitor: endpoint(
    'POST',
    '/keel/monitors/delete',
    'Delete a monitor with its windows and alerts',
    z.object({ monitor_id: monitorId }),
    empty,
  ),
  runMonitor: endpoint(
    'POST',
    '/keel/monitors/run',
    'Process every complete window not processed yet, now (the server’s scheduler does the same every few seconds)',
    z.object({ monitor_id: monitorId }),
    z.object({ windows: z.array(monitorWindowWire), alerts: z.array(monitorAlertWire) }),
  ),
  listWindows: endpoint(
    'GET',
    '/keel/monitors/windows',
    'A monitor’s windows in order (start_time <= start_ms < end_time)',
    z.object(windowRange),
    z.object({ windows: z.array(monitorWindowWire), next_page_token: str.optional() }),
  ),
  getPerformance: endpoint(
    'GET',
    '/keel/monitors/performance',
    'Realized performance per window from the log joined with labels, computed now; the CBPE estimate beside it',
    z.object(windowRange),
    z.object({ windows: z.array(monitorPerformanceWire), next_page_token: str.optional() }),
  ),
  getProfile: endpoint(
    'GET',
    '/keel/monitors/profile',
    'The profiles of a monitor’s windows (start_time <= start_ms < end_time) merged: every row summarised per column, and its drift against the reference’s profile',
    // end_time after start_time: the document keeps them apart.
    z.object({
      monitor_id: monitorId,
      start_time: int64Within(0, 999_999_999_999).optional(),
      end_time: int64Within(1_000_000_000_000, Number.MAX_SAFE_INTEGER).optional(),
    }),
    z.object({ profile: monitorProfileWire }),
  ),
  listAlerts: endpoint(
    'GET',
    '/keel/monitors/alerts',
    'Fired alerts, newest first, of a monitor or a deployment, with what their webhook and action returned',
    z.object({
      monitor_id: monitorId.optional(),
      deployment: label.optional(),
      max_results: maxResults(1000).optional(),
      page_token: pageToken.optional(),
    }),
    z.object({ alerts: z.array(monitorAlertWire), next_page_token: str.optional() }),
  ),
} as const
