/**
 * Live monitors between entities (`../monitors.ts`, camelCase) and the wire (`keel-monitors-api.ts`,
 * snake_case), both ways.
 */
import type { z } from 'zod'
import type {
  AlertRule,
  EstimatedPerformance,
  Monitor,
  MonitorAlert,
  MonitorColumnDrift,
  MonitorColumnProfile,
  MonitorHistogram,
  MonitorPerformance,
  MonitorProfile,
  MonitorReference,
  MonitorWindow,
} from '../monitors.js'
import type {
  columnDriftWire,
  createMonitorRequest,
  histogramWire,
  monitorAlertWire,
  monitorPerformanceWire,
  monitorProfileWire,
  monitorWindowWire,
  monitorWire,
  updateMonitorRequest,
} from './keel-monitors-api.js'
import { defined } from './util.js'

export type CreateMonitorRequest = z.output<typeof createMonitorRequest>
export type UpdateMonitorRequest = z.output<typeof updateMonitorRequest>
export type MonitorWire = z.input<typeof monitorWire>
export type MonitorWindowWire = z.input<typeof monitorWindowWire>
export type MonitorPerformanceWire = z.input<typeof monitorPerformanceWire>
export type MonitorAlertWire = z.input<typeof monitorAlertWire>
export type MonitorProfileWire = z.input<typeof monitorProfileWire>

const columnProfileToWire = (c: MonitorColumnProfile) =>
  defined({
    column: c.column,
    count: c.count,
    nulls: c.nulls,
    mean: c.mean,
    std: c.std,
    min: c.min,
    max: c.max,
    quantiles: c.quantiles && { ...c.quantiles },
    distinct: c.distinct,
    distinct_exact: c.distinctExact,
    top_items: c.topItems.map((t) => ({ ...t })),
  })

export function monitorProfileToWire(p: MonitorProfile): MonitorProfileWire {
  return {
    monitor_id: p.monitorId,
    windows: p.windows,
    windows_without_profile: p.windowsWithoutProfile,
    rows: p.rows,
    columns: p.columns.map(columnProfileToWire),
    drift: {
      dataset_drift: p.drift.datasetDrift,
      drift_share: p.drift.driftShare,
      drifted_columns: [...p.drift.driftedColumns],
      columns: p.drift.columns.map(columnDriftToWire),
    },
  }
}

export function monitorProfileFromWire(p: z.output<typeof monitorProfileWire>): MonitorProfile {
  return {
    monitorId: p.monitor_id,
    windows: p.windows,
    windowsWithoutProfile: p.windows_without_profile,
    rows: p.rows,
    columns: p.columns.map((c) =>
      defined({
        column: c.column,
        count: c.count,
        nulls: c.nulls,
        mean: c.mean,
        std: c.std,
        min: c.min,
        max: c.max,
        quantiles: c.quantiles,
        distinct: c.distinct,
        distinctExact: c.distinct_exact,
        topItems: c.top_items,
      }),
    ),
    drift: {
      datasetDrift: p.drift.dataset_drift,
      driftShare: p.drift.drift_share,
      driftedColumns: p.drift.drifted_columns,
      columns: p.drift.columns.map(columnDriftFromWire),
    },
  }
}

// ---- converters ----

/** A rule to the wire; a rule being created may leave its id and threshold to the server's defaults. */
export function alertRuleToWire(
  r: Omit<AlertRule, 'ruleId' | 'threshold'> & Partial<Pick<AlertRule, 'ruleId' | 'threshold'>>,
) {
  return defined({
    rule_id: r.ruleId,
    kind: r.kind,
    column: r.column,
    metric: r.metric,
    threshold: r.threshold,
    min_labelled_rows: r.minLabelledRows,
    webhook_url: r.webhookUrl,
    action: r.action,
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
  defined({
    column: c.column,
    feature_type: c.featureType,
    test: c.test,
    statistic: c.statistic,
    score: c.score,
    threshold: c.threshold,
    drifted: c.drifted,
    error: c.error,
  })

const columnDriftFromWire = (c: z.output<typeof columnDriftWire>): MonitorColumnDrift =>
  defined({
    column: c.column,
    featureType: c.feature_type,
    test: c.test,
    statistic: c.statistic,
    score: c.score,
    threshold: c.threshold,
    drifted: c.drifted,
    error: c.error,
  })

function histogramToWire(h: MonitorHistogram): z.input<typeof histogramWire> {
  if (h.kind === 'numeric')
    return { kind: 'numeric', edges: [...h.edges], reference: [...h.reference], current: [...h.current] }
  return {
    kind: 'categorical',
    categories: [...h.categories],
    reference: [...h.reference],
    current: [...h.current],
    reference_other: h.referenceOther,
    current_other: h.currentOther,
  }
}

function histogramFromWire(h: z.output<typeof histogramWire>): MonitorHistogram {
  if (h.kind === 'numeric') return h
  return {
    kind: 'categorical',
    categories: h.categories,
    reference: h.reference,
    current: h.current,
    referenceOther: h.reference_other,
    currentOther: h.current_other,
  }
}

const estimatedToWire = (e: EstimatedPerformance) =>
  defined({
    method: e.method,
    metrics: { ...e.metrics },
    lower: e.lower && { ...e.lower },
    upper: e.upper && { ...e.upper },
  })

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
    action:
      a.action &&
      defined({
        name: a.action.name,
        exit_code: a.action.exitCode,
        output_tail: a.action.outputTail,
        error: a.action.error,
      }),
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
    action:
      a.action &&
      defined({
        name: a.action.name,
        exitCode: a.action.exit_code,
        outputTail: a.action.output_tail,
        error: a.action.error,
      }),
  })
}

export function monitorFromWire(w: z.output<typeof monitorWire>): Monitor {
  const r = w.reference
  const reference: MonitorReference =
    r.uri !== undefined
      ? { kind: 'uri', uri: r.uri }
      : r.log
        ? { kind: 'log', startTime: r.log.start_time, endTime: r.log.end_time }
        : defined({
            kind: 'modelVersion' as const,
            name: r.model_version!.name,
            version: r.model_version!.version,
            uri: r.model_version!.uri,
          })
  return defined({
    monitorId: w.monitor_id,
    name: w.name,
    deployment: w.deployment,
    modelName: w.model_name,
    variant: w.variant,
    reference,
    window:
      w.window.count !== undefined
        ? { kind: 'count' as const, count: w.window.count }
        : { kind: 'time' as const, seconds: w.window.seconds ?? 0 },
    columns: w.columns,
    tests: w.tests,
    thresholds: w.thresholds,
    driftShare: w.drift_share,
    task: w.task,
    predictionColumn: w.prediction_column,
    alertRules: w.alert_rules.map((r) =>
      defined({
        ruleId: r.rule_id,
        kind: r.kind,
        column: r.column,
        metric: r.metric,
        threshold: r.threshold,
        minLabelledRows: r.min_labelled_rows,
        webhookUrl: r.webhook_url,
        action: r.action,
      }),
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
