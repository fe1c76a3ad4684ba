/**
 * keel's live monitors (`/api/2.0/keel/monitors/...`): create a monitor on a deployment's
 * prediction log, run it, and read its windows (drift of inputs and predictions, data quality,
 * histograms, estimated performance), its realized performance (computed when read, so late
 * labels count) and its alerts. snake_case; entities in `../monitors.ts`; converters below.
 */
import { z } from 'zod'
import {
  ALERT_RULE_KINDS,
  MONITOR_STATUSES,
  MONITOR_TASKS,
  PERFORMANCE_METRICS,
  type AlertRule,
  type EstimatedPerformance,
  type Monitor,
  type MonitorAlert,
  type MonitorColumnDrift,
  type MonitorColumnProfile,
  type MonitorProfile,
  type MonitorHistogram,
  type MonitorPerformance,
  type MonitorReference,
  type MonitorWindow,
} from '../monitors.js'
import { endpoint } from './endpoint.js'
import { int64, str } from './primitives.js'
import { defined } from './util.js'

const empty = z.object({})
const num = z.number()
const numRecord = z.record(z.string(), num)

export const alertRuleWire = z.object({
  /** default: rule-1, rule-2, … in order */
  rule_id: str.optional(),
  kind: z.enum(ALERT_RULE_KINDS),
  column: str.optional(),
  metric: z.enum(PERFORMANCE_METRICS).optional(),
  threshold: num.optional(),
  min_labelled_rows: int64.optional(),
  webhook_url: str.optional(),
  command: z.array(str).optional(),
})

export const monitorReferenceWire = z
  .object({
    uri: str.optional(),
    log: z.object({ start_time: int64, end_time: int64 }).optional(),
    model_version: z.object({ name: str, version: z.union([str, z.number().int().transform(String)]) }).optional(),
  })
  .strict()

export const monitorWindowSpecWire = z.object({ count: int64.optional(), seconds: num.optional() }).strict()

export const createMonitorRequest = z.object({
  name: str,
  deployment: str,
  model_name: str.optional(),
  variant: str.optional(),
  reference: monitorReferenceWire,
  window: monitorWindowSpecWire,
  columns: z.array(str).optional(),
  tests: z.record(z.string(), str).optional(),
  thresholds: numRecord.optional(),
  drift_share: num.optional(),
  task: z.enum(MONITOR_TASKS).optional(),
  prediction_column: str.optional(),
  alert_rules: z.array(alertRuleWire).optional(),
  lateness_seconds: num.optional(),
  start_time: int64.optional(),
})

export const updateMonitorRequest = z.object({
  monitor_id: str,
  status: z.enum(MONITOR_STATUSES).optional(),
  alert_rules: z.array(alertRuleWire).optional(),
  tests: z.record(z.string(), str).optional(),
  thresholds: numRecord.optional(),
  drift_share: num.optional(),
  lateness_seconds: num.optional(),
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

const columnDriftWire = z.object({
  column: str,
  feature_type: z.enum(['num', 'cat']).optional(),
  test: str.optional(),
  statistic: num.optional(),
  score: num.optional(),
  threshold: num.optional(),
  drifted: z.boolean(),
  error: str.optional(),
})

const histogramWire = z.union([
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

const estimatedWire = z.object({ method: str, metrics: numRecord, lower: numRecord.optional(), upper: numRecord.optional() })

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
    findings: z.array(z.object({ check: str, column: str, severity: z.enum(['error', 'warning']), message: str, value: num.optional() })),
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
  command: z.object({ argv: z.array(str), exit_code: num.nullable(), output_tail: str, error: str.optional() }).optional(),
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
  drift: z.object({ dataset_drift: z.boolean(), drift_share: num, drifted_columns: z.array(str), columns: z.array(columnDriftWire) }),
})

const windowRange = {
  monitor_id: str,
  start_time: int64.optional(),
  end_time: int64.optional(),
  max_results: int64.optional(),
  page_token: str.optional(),
}

export const keelMonitorsApi = {
  createMonitor: endpoint('POST', '/keel/monitors/create', 'Create a live monitor on a deployment’s prediction log', createMonitorRequest, z.object({ monitor: monitorWire })),
  listMonitors: endpoint('GET', '/keel/monitors/list', 'Monitors, of one deployment or all, by name', z.object({ deployment: str.optional() }), z.object({ monitors: z.array(monitorWire) })),
  getMonitor: endpoint('GET', '/keel/monitors/get', 'One monitor', z.object({ monitor_id: str }), z.object({ monitor: monitorWire })),
  updateMonitor: endpoint('POST', '/keel/monitors/update', 'Pause or resume a monitor; replace its alert rules, tests, thresholds or drift share', updateMonitorRequest, z.object({ monitor: monitorWire })),
  deleteMonitor: endpoint('POST', '/keel/monitors/delete', 'Delete a monitor with its windows and alerts', z.object({ monitor_id: str }), empty),
  runMonitor: endpoint(
    'POST',
    '/keel/monitors/run',
    'Process every complete window not processed yet, now (the server’s scheduler does the same every few seconds)',
    z.object({ monitor_id: str }),
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
    z.object({ monitor_id: str, start_time: int64.optional(), end_time: int64.optional() }),
    z.object({ profile: monitorProfileWire }),
  ),
  listAlerts: endpoint(
    'GET',
    '/keel/monitors/alerts',
    'Fired alerts, newest first, of a monitor or a deployment, with what their webhook and command returned',
    z.object({ monitor_id: str.optional(), deployment: str.optional(), max_results: int64.optional(), page_token: str.optional() }),
    z.object({ alerts: z.array(monitorAlertWire), next_page_token: str.optional() }),
  ),
} as const

export type CreateMonitorRequest = z.output<typeof createMonitorRequest>
export type UpdateMonitorRequest = z.output<typeof updateMonitorRequest>
export type MonitorWire = z.input<typeof monitorWire>
export type MonitorWindowWire = z.input<typeof monitorWindowWire>
export type MonitorPerformanceWire = z.input<typeof monitorPerformanceWire>
export type MonitorAlertWire = z.input<typeof monitorAlertWire>
export type MonitorProfileWire = z.input<typeof monitorProfileWire>

const columnProfileToWire = (c: MonitorColumnProfile) =>
  defined({ column: c.column, count: c.count, nulls: c.nulls, mean: c.mean, std: c.std, min: c.min, max: c.max, quantiles: c.quantiles && { ...c.quantiles }, distinct: c.distinct, distinct_exact: c.distinctExact, top_items: c.topItems.map((t) => ({ ...t })) })

export function monitorProfileToWire(p: MonitorProfile): MonitorProfileWire {
  return {
    monitor_id: p.monitorId,
    windows: p.windows,
    windows_without_profile: p.windowsWithoutProfile,
    rows: p.rows,
    columns: p.columns.map(columnProfileToWire),
    drift: { dataset_drift: p.drift.datasetDrift, drift_share: p.drift.driftShare, drifted_columns: [...p.drift.driftedColumns], columns: p.drift.columns.map(columnDriftToWire) },
  }
}

export function monitorProfileFromWire(p: z.output<typeof monitorProfileWire>): MonitorProfile {
  return {
    monitorId: p.monitor_id,
    windows: p.windows,
    windowsWithoutProfile: p.windows_without_profile,
    rows: p.rows,
    columns: p.columns.map((c) =>
      defined({ column: c.column, count: c.count, nulls: c.nulls, mean: c.mean, std: c.std, min: c.min, max: c.max, quantiles: c.quantiles, distinct: c.distinct, distinctExact: c.distinct_exact, topItems: c.top_items }),
    ),
    drift: { datasetDrift: p.drift.dataset_drift, driftShare: p.drift.drift_share, driftedColumns: p.drift.drifted_columns, columns: p.drift.columns.map(columnDriftFromWire) },
  }
}

// ---- converters ----

export function alertRuleToWire(r: AlertRule) {
  return defined({
    rule_id: r.ruleId,
    kind: r.kind,
    column: r.column,
    metric: r.metric,
    threshold: r.threshold,
    min_labelled_rows: r.minLabelledRows,
    webhook_url: r.webhookUrl,
    command: r.command ? [...r.command] : undefined,
  })
}

function referenceToWire(r: MonitorReference): MonitorWire['reference'] {
  if (r.kind === 'uri') return { uri: r.uri }
  if (r.kind === 'log') return { log: { start_time: r.startTime, end_time: r.endTime } }
  return { model_version: defined({ name: r.name, version: r.version, uri: r.uri }) }
}

export function monitorToWire(m: Monitor): MonitorWire {
  return defined({
    monitor_id: m.monitorId,
    name: m.name,
    deployment: m.deployment,
    model_name: m.modelName,
    variant: m.variant,
    reference: referenceToWire(m.reference),
    window: m.window.kind === 'count' ? { count: m.window.count } : { seconds: m.window.seconds },
    columns: m.columns ? [...m.columns] : undefined,
    tests: { ...m.tests },
    thresholds: { ...m.thresholds },
    drift_share: m.driftShare,
    task: m.task,
    prediction_column: m.predictionColumn,
    alert_rules: m.alertRules.map((r) => alertRuleToWire(r) as MonitorWire['alert_rules'][number]),
    status: m.status,
    lateness_seconds: m.latenessMs / 1000,
    start_time: m.startTime,
    created_ms: m.createdMs,
    updated_ms: m.updatedMs,
    last_window_id: m.lastWindowId,
    last_window_end_ms: m.lastWindowEndMs,
    last_error: m.lastError,
  })
}

const columnDriftToWire = (c: MonitorColumnDrift) =>
  defined({ column: c.column, feature_type: c.featureType, test: c.test, statistic: c.statistic, score: c.score, threshold: c.threshold, drifted: c.drifted, error: c.error })

const columnDriftFromWire = (c: z.output<typeof columnDriftWire>): MonitorColumnDrift =>
  defined({ column: c.column, featureType: c.feature_type, test: c.test, statistic: c.statistic, score: c.score, threshold: c.threshold, drifted: c.drifted, error: c.error })

function histogramToWire(h: MonitorHistogram): z.input<typeof histogramWire> {
  if (h.kind === 'numeric') return { kind: 'numeric', edges: [...h.edges], reference: [...h.reference], current: [...h.current] }
  return { kind: 'categorical', categories: [...h.categories], reference: [...h.reference], current: [...h.current], reference_other: h.referenceOther, current_other: h.currentOther }
}

function histogramFromWire(h: z.output<typeof histogramWire>): MonitorHistogram {
  if (h.kind === 'numeric') return h
  return { kind: 'categorical', categories: h.categories, reference: h.reference, current: h.current, referenceOther: h.reference_other, currentOther: h.current_other }
}

const estimatedToWire = (e: EstimatedPerformance) => defined({ method: e.method, metrics: { ...e.metrics }, lower: e.lower && { ...e.lower }, upper: e.upper && { ...e.upper } })

export function monitorWindowToWire(w: MonitorWindow): MonitorWindowWire {
  const histograms: Record<string, z.input<typeof histogramWire>> = {}
  for (const [k, h] of Object.entries(w.histograms)) histograms[k] = histogramToWire(h)
  return defined({
    monitor_id: w.monitorId,
    window_id: w.windowId,
    start_ms: w.startMs,
    end_ms: w.endMs,
    rows: w.rows,
    sampled_rows: w.sampledRows,
    dataset_drift: w.datasetDrift,
    drift_share: w.driftShare,
    drifted_columns: [...w.driftedColumns],
    columns: w.columns.map(columnDriftToWire),
    prediction_drift: w.predictionDrift && columnDriftToWire(w.predictionDrift),
    quality: { findings: w.quality.findings.map((f) => defined({ ...f })), null_shares: { ...w.quality.nullShares } },
    histograms,
    estimated_performance: w.estimatedPerformance && estimatedToWire(w.estimatedPerformance),
    created_ms: w.createdMs,
  })
}

export function monitorWindowFromWire(w: z.output<typeof monitorWindowWire>): MonitorWindow {
  const histograms: Record<string, MonitorHistogram> = {}
  for (const [k, h] of Object.entries(w.histograms)) histograms[k] = histogramFromWire(h)
  return defined({
    monitorId: w.monitor_id,
    windowId: w.window_id,
    startMs: w.start_ms,
    endMs: w.end_ms,
    rows: w.rows,
    sampledRows: w.sampled_rows,
    datasetDrift: w.dataset_drift,
    driftShare: w.drift_share,
    driftedColumns: w.drifted_columns,
    columns: w.columns.map(columnDriftFromWire),
    predictionDrift: w.prediction_drift && columnDriftFromWire(w.prediction_drift),
    quality: { findings: w.quality.findings, nullShares: w.quality.null_shares },
    histograms,
    estimatedPerformance: w.estimated_performance,
    createdMs: w.created_ms,
  })
}

export function monitorPerformanceToWire(p: MonitorPerformance): MonitorPerformanceWire {
  return defined({
    window_id: p.windowId,
    start_ms: p.startMs,
    end_ms: p.endMs,
    rows: p.rows,
    labelled_rows: p.labelledRows,
    metrics: { ...p.metrics },
    estimated: p.estimated && estimatedToWire(p.estimated),
  })
}

export function monitorAlertToWire(a: MonitorAlert): MonitorAlertWire {
  return defined({
    alert_id: a.alertId,
    monitor_id: a.monitorId,
    deployment: a.deployment,
    rule_id: a.ruleId,
    window_id: a.windowId,
    fired_ms: a.firedMs,
    kind: a.kind,
    message: a.message,
    value: a.value,
    threshold: a.threshold,
    webhook: a.webhook && defined({ ...a.webhook }),
    command: a.command && defined({ argv: [...a.command.argv], exit_code: a.command.exitCode, output_tail: a.command.outputTail, error: a.command.error }),
  })
}

export function monitorAlertFromWire(a: z.output<typeof monitorAlertWire>): MonitorAlert {
  return defined({
    alertId: a.alert_id,
    monitorId: a.monitor_id,
    deployment: a.deployment,
    ruleId: a.rule_id,
    windowId: a.window_id,
    firedMs: a.fired_ms,
    kind: a.kind,
    message: a.message,
    value: a.value,
    threshold: a.threshold,
    webhook: a.webhook,
    command: a.command && defined({ argv: a.command.argv, exitCode: a.command.exit_code, outputTail: a.command.output_tail, error: a.command.error }),
  })
}

export function monitorFromWire(w: z.output<typeof monitorWire>): Monitor {
  const r = w.reference
  const reference: MonitorReference = r.uri !== undefined
    ? { kind: 'uri', uri: r.uri }
    : r.log
      ? { kind: 'log', startTime: r.log.start_time, endTime: r.log.end_time }
      : defined({ kind: 'modelVersion' as const, name: r.model_version!.name, version: r.model_version!.version, uri: r.model_version!.uri })
  return defined({
    monitorId: w.monitor_id,
    name: w.name,
    deployment: w.deployment,
    modelName: w.model_name,
    variant: w.variant,
    reference,
    window: w.window.count !== undefined ? { kind: 'count' as const, count: w.window.count } : { kind: 'time' as const, seconds: w.window.seconds ?? 0 },
    columns: w.columns,
    tests: w.tests,
    thresholds: w.thresholds,
    driftShare: w.drift_share,
    task: w.task,
    predictionColumn: w.prediction_column,
    alertRules: w.alert_rules.map((r) =>
      defined({ ruleId: r.rule_id, kind: r.kind, column: r.column, metric: r.metric, threshold: r.threshold, minLabelledRows: r.min_labelled_rows, webhookUrl: r.webhook_url, command: r.command }),
    ),
    status: w.status,
    latenessMs: Math.round(w.lateness_seconds * 1000),
    startTime: w.start_time,
    createdMs: w.created_ms,
    updatedMs: w.updated_ms,
    lastWindowId: w.last_window_id,
    lastWindowEndMs: w.last_window_end_ms,
    lastError: w.last_error,
  })
}

export function monitorPerformanceFromWire(p: z.output<typeof monitorPerformanceWire>): MonitorPerformance {
  return defined({
    windowId: p.window_id,
    startMs: p.start_ms,
    endMs: p.end_ms,
    rows: p.rows,
    labelledRows: p.labelled_rows,
    metrics: defined({ ...p.metrics }),
    estimated: p.estimated,
  })
}
