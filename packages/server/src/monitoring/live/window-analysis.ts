/**
 * One window against the reference: drift of each input column and of the predictions, data
 * quality and bounded histograms, all from @keel/monitoring's drift report (Evidently's rules),
 * reduced to the window's time-series entry.
 */
import type {
  EstimatedPerformance,
  Monitor,
  MonitorColumnDrift,
  MonitorHistogram,
  MonitorQualityFinding,
  MonitorWindow,
} from '@keel/contracts'
import type { ColumnDriftResult, DriftReport, Table } from '@keel/monitoring'
import { driftReportOf } from '../drift-input.js'
import type { WindowRange, WindowRow } from './log-windows.js'
import { cell, columnOf } from './cells.js'
import type { PreparedReference } from './reference.js'

const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined)

export function columnDrift(d: ColumnDriftResult): MonitorColumnDrift {
  if (d.status === 'error') {
    return {
      column: d.column,
      ...(d.featureType && { featureType: d.featureType }),
      ...(d.test && { test: d.test }),
      drifted: false,
      error: d.error.message,
    }
  }
  const statistic = finite(d.statistic)
  const score = finite(d.score)
  return {
    column: d.column,
    featureType: d.featureType,
    test: d.test,
    ...(statistic !== undefined && { statistic }),
    ...(score !== undefined && { score }),
    threshold: d.threshold,
    drifted: d.drifted,
  }
}

function histograms(report: DriftReport, into: Record<string, MonitorHistogram>): void {
  for (const c of report.columns) {
    const h = c.histogram
    if (!h) continue
    into[c.column] =
      h.kind === 'numeric'
        ? { kind: 'numeric', edges: h.edges, reference: h.reference, current: h.current }
        : {
            kind: 'categorical',
            categories: h.categories,
            reference: h.reference,
            current: h.current,
            referenceOther: h.referenceOther,
            currentOther: h.currentOther,
          }
  }
}

function report(
  reference: Table,
  current: Table,
  m: Monitor,
  columns: readonly string[],
  ref: PreparedReference,
): DriftReport {
  const pick = <T>(r: Readonly<Record<string, T>>) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => columns.includes(k)))
  return driftReportOf(reference, current, {
    columns,
    tests: pick(m.tests),
    thresholds: pick(m.thresholds),
    driftShare: m.driftShare,
    featureTypes: pick(ref.featureTypes),
  })
}

export interface AnalyzeInput {
  readonly monitor: Monitor
  readonly reference: PreparedReference
  readonly range: WindowRange
  readonly windowId: number
  readonly rows: number
  readonly sample: readonly WindowRow[]
  readonly now: number
  readonly estimated?: EstimatedPerformance
}

/** The window's entry of the time series. */
export function analyzeWindow(input: AnalyzeInput): MonitorWindow {
  const { monitor: m, reference: ref, sample } = input
  const present = new Set<string>()
  for (const row of sample) for (const k of Object.keys(row.input)) present.add(k)
  const wanted = m.columns ?? Object.keys(ref.features)
  const columns = wanted.filter((c) => present.has(c))
  const findings: MonitorQualityFinding[] = wanted
    .filter((c) => !present.has(c))
    .map((c) => ({
      check: 'missing_column',
      column: c,
      severity: 'error' as const,
      message: `column '${c}' of the reference is in no request of the window`,
    }))

  const nullShares: Record<string, number> = {}
  const hist: Record<string, MonitorHistogram> = {}
  let driftColumns: MonitorColumnDrift[] = []
  let driftShare = 0
  let datasetDrift = false
  if (columns.length > 0 && sample.length > 0) {
    const current: Record<string, Table[string]> = {}
    const reference: Record<string, Table[string]> = {}
    for (const c of columns) {
      current[c] = columnOf(sample.map((row) => cell(row.input[c])))
      reference[c] = ref.features[c]!
    }
    const r = report(reference, current, m, columns, ref)
    driftColumns = r.columns.map((c) => columnDrift(c.drift))
    driftShare = r.drift.shareOfDriftedColumns
    datasetDrift = r.drift.datasetDrift
    for (const f of r.quality.findings) {
      findings.push({
        check: f.check,
        column: f.column,
        severity: f.severity,
        message: f.message,
        ...(finite(f.value) !== undefined && { value: f.value! }),
      })
    }
    for (const c of r.columns) {
      const share = c.quality.currentNullShare
      if (typeof share === 'number' && Number.isFinite(share)) nullShares[c.column] = share
    }
    histograms(r, hist)
  }

  let predictionDrift: MonitorColumnDrift | undefined
  if (ref.predictions && sample.length > 0) {
    const name = m.predictionColumn ?? 'prediction'
    const r = report({ [name]: ref.predictions }, { [name]: columnOf(sample.map((row) => row.output)) }, m, [name], ref)
    predictionDrift = columnDrift(r.columns[0]!.drift)
    histograms(r, hist)
  }

  return {
    monitorId: m.monitorId,
    windowId: input.windowId,
    startMs: input.range.startMs,
    endMs: input.range.endMs,
    rows: input.rows,
    sampledRows: sample.length,
    datasetDrift,
    driftShare,
    driftedColumns: driftColumns.filter((c) => c.drifted).map((c) => c.column),
    columns: driftColumns,
    ...(predictionDrift && { predictionDrift }),
    quality: { findings, nullShares },
    histograms: hist,
    ...(input.estimated && { estimatedPerformance: input.estimated }),
    createdMs: input.now,
  }
}
