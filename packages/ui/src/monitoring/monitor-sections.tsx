/** The monitor page's sections below the header: drift over time, distributions, performance over time. */
import type { Monitor, MonitorPerformance, MonitorWindow } from '@keel/contracts'
import { useMemo } from 'react'
import { LineChart, type LineSeries } from '../charts/line-chart'
import { colorAt } from '../charts/series'
import { formatNumber, formatTime } from '../format'
import { DriftHeatmap } from './drift-heatmap'
import { HistogramChart } from './histogram-chart'
import { DriftVerdict } from './monitors-table'
import {
  type HeatmapMatrix,
  type XYSeries,
  driftShareSeries,
  labelledSeries,
  performanceMetrics,
  performanceSeries,
  scoreKind,
} from './shape'

type Select = (s: { column?: string; windowId?: number }) => void

const colored = (series: readonly XYSeries[], color: (s: XYSeries, i: number) => string): LineSeries[] =>
  series.map((s, i) => ({ ...s, color: color(s, i) }))

export function DriftOverTime({
  monitor,
  windows,
  matrix,
  selected,
  onSelect,
}: {
  monitor: Monitor
  windows: readonly MonitorWindow[]
  matrix: HeatmapMatrix
  selected: { column?: string; windowId?: number }
  onSelect: Select
}) {
  const series = useMemo(
    () => colored(driftShareSeries(windows, monitor.driftShare), (_, i) => (i === 0 ? colorAt(0) : '#8c959f')),
    [windows, monitor.driftShare],
  )
  const last = windows.at(-1)
  return (
    <>
      <div className="section-head">
        <h2 id="drift-title">Drift over time</h2>
        {last && (
          <span>
            Latest window #{last.windowId}:{' '}
            <DriftVerdict drifted={last.datasetDrift} share={last.driftShare} columns={last.driftedColumns} />
          </span>
        )}
      </div>
      <div className="panel">
        <h3 className="panel-title">Share of drifted columns per window</h3>
        <LineChart
          series={series}
          x="time"
          height={200}
          label="Share of drifted columns per window, with the dataset drift threshold"
        />
        <h3>Drift per column</h3>
        <p className="muted small">Each cell is one column in one window; click one to see its distributions below.</p>
        <DriftHeatmap matrix={matrix} selected={selected} onSelect={onSelect} />
      </div>
    </>
  )
}

export function Distributions({
  windows,
  matrix,
  column,
  windowId,
  onSelect,
}: {
  windows: readonly MonitorWindow[]
  matrix: HeatmapMatrix
  column?: string | undefined
  windowId?: number | undefined
  onSelect: Select
}) {
  const index = windows.findIndex((w) => w.windowId === windowId)
  const w = windows[index]
  const isPrediction = column !== undefined && column === matrix.predictionColumn
  const drift =
    w && column !== undefined
      ? isPrediction
        ? w.predictionDrift
        : w.columns.find((c) => c.column === column)
      : undefined
  const histogram = w && column !== undefined ? w.histograms[column] : undefined
  const findings = w?.quality.findings.filter((f) => f.column === column) ?? []
  const nullShare = w && column !== undefined ? w.quality.nullShares[column] : undefined
  return (
    <>
      <h2 id="distributions-title">Distributions</h2>
      <div className="toolbar distribution-controls">
        <label>
          Column{' '}
          <select value={column ?? ''} onChange={(e) => onSelect({ column: e.target.value })} aria-label="Column">
            {matrix.columns.map((c) => (
              <option key={c} value={c}>
                {c}
                {c === matrix.predictionColumn ? ' (output)' : ''}
              </option>
            ))}
          </select>
        </label>
        <span className="window-picker">
          <button
            type="button"
            aria-label="Previous window"
            disabled={index <= 0}
            onClick={() => onSelect({ windowId: windows[index - 1]!.windowId })}
          >
            ‹
          </button>
          <select
            value={windowId ?? ''}
            onChange={(e) => onSelect({ windowId: Number(e.target.value) })}
            aria-label="Window"
          >
            {[...windows].reverse().map((x) => (
              <option key={x.windowId} value={x.windowId}>
                #{x.windowId} · {formatTime(x.startMs)}
                {x.datasetDrift ? ' · drift' : ''}
              </option>
            ))}
          </select>
          <button
            type="button"
            aria-label="Next window"
            disabled={index < 0 || index >= windows.length - 1}
            onClick={() => onSelect({ windowId: windows[index + 1]!.windowId })}
          >
            ›
          </button>
        </span>
      </div>
      <div className="panel distributions" aria-live="polite">
        {!w || column === undefined ? (
          <p className="muted">Pick a column and a window.</p>
        ) : (
          <>
            <h3 className="panel-title" id="distribution-title">
              {column} in window #{w.windowId}
              {drift && (
                <span
                  className={`badge ${drift.drifted ? 'badge-danger' : drift.error && drift.score === undefined ? 'badge-muted' : 'badge-ok'}`}
                >
                  {drift.drifted ? 'drifted' : drift.error && drift.score === undefined ? 'no result' : 'no drift'}
                </span>
              )}
            </h3>
            <p className="muted small distribution-facts">
              {formatTime(w.startMs)} → {formatTime(w.endMs)} · {formatNumber(w.rows)} rows
              {w.sampledRows < w.rows ? ` (statistics on a sample of ${formatNumber(w.sampledRows)})` : ''}
              {drift?.test && (
                <>
                  {' '}
                  · {drift.test} {scoreKind(drift.test) === 'distance' ? 'distance' : 'p-value'}{' '}
                  <span className="mono">{formatNumber(drift.score)}</span> against threshold{' '}
                  <span className="mono">{formatNumber(drift.threshold)}</span>
                </>
              )}
              {nullShare !== undefined && <> · {formatNumber(Math.round(nullShare * 10000) / 100)}% missing</>}
            </p>
            {drift?.error && <p className="field-error small">{drift.error}</p>}
            {findings.map((f) => (
              <p
                key={`${f.check}: ${f.message}`}
                className={f.severity === 'error' ? 'field-error small' : 'warn-text small'}
              >
                {f.check}: {f.message}
              </p>
            ))}
            {histogram ? (
              <HistogramChart histogram={histogram} column={column} />
            ) : (
              <p className="muted">This window has no histogram for {column}.</p>
            )}
          </>
        )}
      </div>
    </>
  )
}

export function PerformanceOverTime({
  monitor,
  perf,
  metric,
  onMetric,
}: {
  monitor: Monitor
  perf: readonly MonitorPerformance[]
  metric?: string | undefined
  onMetric: (metric: string) => void
}) {
  const names = useMemo(() => performanceMetrics(perf, monitor.task), [perf, monitor.task])
  const shown = metric !== undefined && names.includes(metric) ? metric : names[0]
  const series = useMemo(
    () =>
      colored(performanceSeries(perf, monitor.task, shown), (s) =>
        s.label.endsWith(' lower') || s.label.endsWith(' upper')
          ? '#d9480f80'
          : s.label.includes('estimate')
            ? colorAt(1)
            : colorAt(2),
      ),
    [perf, monitor.task, shown],
  )
  const labelled = useMemo(() => colored(labelledSeries(perf), (_, i) => (i === 0 ? '#8c959f' : colorAt(0))), [perf])
  const totals = perf.reduce((t, p) => ({ rows: t.rows + p.rows, labelled: t.labelled + p.labelledRows }), {
    rows: 0,
    labelled: 0,
  })
  return (
    <>
      <div className="section-head">
        <h2 id="performance-title">Performance over time</h2>
        {names.length > 1 && (
          <label>
            Metric{' '}
            <select value={shown} onChange={(e) => onMetric(e.target.value)} aria-label="Metric">
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="panel">
        <p className="muted small">
          Realized metrics come from the labels posted so far ({formatNumber(totals.labelled)} of{' '}
          {formatNumber(totals.rows)} rows labelled); the estimate is confidence-based (CBPE, from predicted
          probabilities, calibrated on the labelled reference), with its band.
        </p>
        {series.length === 0 ? (
          <p className="muted">
            No metric yet: post ground-truth labels by request id (<code>POST /api/2.0/keel/predictions/labels</code>),
            or log class probabilities for an estimate.
          </p>
        ) : (
          <LineChart series={series} x="time" height={240} label={`Performance per window: ${shown}`} />
        )}
        <h3>Labelled rows per window</h3>
        <LineChart series={labelled} x="time" height={150} label="Rows and labelled rows per window" />
      </div>
    </>
  )
}
