/** The compare page's metric curves: one metric of every run overlaid, with the chart settings. */
import type { Run } from '@keel/contracts'
import { useMemo } from 'react'
import { type ChartSettings, ChartControls } from '../charts/chart-controls'
import { LineChart, type LineSeries } from '../charts/line-chart'
import { colorAt } from '../charts/series'
import { Empty, ErrorBox, Loading } from '../components/states'
import type { ComparedRun } from './diff'
import { useCompareCurves } from './use-compare-curves'

export function CurvesPanel({
  runs,
  compared,
  metric,
  metricKeys,
  settings,
  onMetric,
  onSettings,
}: {
  runs: readonly Run[]
  /** The runs of `runs`, in the same order. */
  compared: readonly ComparedRun[]
  metric: string | undefined
  metricKeys: readonly string[]
  settings: ChartSettings
  onMetric: (metric: string) => void
  onSettings: (next: Partial<ChartSettings>) => void
}) {
  const version = runs
    .map((r) => r.data.metrics.find((m) => m.key === metric))
    .map((m) => (m ? `${m.step}|${m.timestamp}` : '-'))
    .join(',')
  const {
    curves,
    error: curvesError,
    retry,
  } = useCompareCurves(
    runs.map((r) => r.info.runId),
    metric,
    version,
  )
  const series = useMemo<LineSeries[]>(
    () =>
      !curves
        ? []
        : compared.map((r, i) => {
            const points = curves.byRun.get(r.id) ?? []
            return {
              label: r.name,
              color: colorAt(i),
              xs: points.map((p) => (settings.x === 'time' ? p.timestamp : p.step)),
              ys: points.map((p) => p.value),
            }
          }),
    [curves, compared, settings.x],
  )

  return (
    <section className="panel" aria-labelledby="curves-title">
      <div className="panel-head chart-controls">
        <h2 id="curves-title">Metric curves</h2>
        <label>
          Metric
          <select
            aria-label="Metric"
            value={metric ?? ''}
            onChange={(e) => onMetric(e.target.value)}
            disabled={metricKeys.length === 0}
          >
            {metricKeys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <ChartControls value={settings} onChange={onSettings} />
      </div>
      {!metric ? (
        <Empty title="No metrics logged by these runs" />
      ) : curvesError ? (
        <ErrorBox error={curvesError} onRetry={retry} />
      ) : !curves ? (
        <Loading what={`${metric} curves`} />
      ) : (
        <LineChart
          series={series}
          x={settings.x}
          logY={settings.logY}
          smoothing={settings.smoothing}
          label={`${metric} of ${runs.length} runs`}
        />
      )}
    </section>
  )
}
