/** The run page's charts: several metric keys over step or wall time, with live updates. */
import type { Metric } from '@keel/contracts'
import { useMemo } from 'react'
import { type ChartSettings, ChartControls } from '../charts/chart-controls'
import { LineChart, type LineSeries } from '../charts/line-chart'
import { colorAt } from '../charts/series'
import { Empty, ErrorBox, Loading } from '../components/states'
import { useJsonStable } from '../components/use-json-stable'
import { useHistories } from './use-histories'

export interface RunChartsProps {
  readonly runId: string
  readonly latest: readonly Metric[]
  readonly keys: readonly string[]
  readonly settings: ChartSettings
  onKeys(keys: string[]): void
  onSettings(next: Partial<ChartSettings>): void
}

export function RunCharts({ runId, latest, keys, settings, onKeys, onSettings }: RunChartsProps) {
  const allKeys = useMemo(() => latest.map((m) => m.key).sort(), [latest])
  const versions = useMemo(
    () => Object.fromEntries(latest.map((m) => [m.key, `${m.step}|${m.timestamp}|${m.value}`])),
    [latest],
  )
  const shown = useJsonStable(keys.filter((k) => allKeys.includes(k)))
  const { byKey, errors } = useHistories(runId, shown, versions)

  const series = useMemo<LineSeries[]>(
    () =>
      shown.flatMap((key) => {
        const h = byKey.get(key)
        if (!h) return []
        return [
          {
            label: key,
            color: colorAt(allKeys.indexOf(key)),
            xs: h.points.map((p) => (settings.x === 'time' ? p.timestamp : p.step)),
            ys: h.points.map((p) => p.value),
          },
        ]
      }),
    [byKey, shown, settings.x, allKeys],
  )

  if (allKeys.length === 0)
    return <Empty title="No metrics logged yet">Metrics logged with a step appear here as curves.</Empty>
  const addable = allKeys.filter((k) => !shown.includes(k))
  const sampled = shown.filter((k) => byKey.get(k)?.sampled)
  const failed = [...errors.entries()].filter(([k]) => shown.includes(k))

  return (
    <div>
      <fieldset className="chart-controls plain" aria-label="Chart settings">
        <label>
          Add metric
          <select
            value=""
            onChange={(e) => e.target.value && onKeys([...shown, e.target.value])}
            disabled={addable.length === 0}
          >
            <option value="">{addable.length === 0 ? 'all shown' : 'choose…'}</option>
            {addable.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <ul className="chip-list" aria-label="Charted metrics">
          {shown.map((k) => (
            <li key={k} className="chip">
              <span className="swatch" style={{ background: colorAt(allKeys.indexOf(k)) }} aria-hidden="true" />
              {k}
              <button
                type="button"
                aria-label={`Remove ${k} from the chart`}
                onClick={() => onKeys(shown.filter((s) => s !== k))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
        <ChartControls value={settings} onChange={onSettings} />
      </fieldset>
      {failed.map(([k, e]) => (
        <ErrorBox key={k} error={e} />
      ))}
      {shown.length === 0 ? (
        <Empty title="No metric chosen">Pick metrics above, or click a metric's name in the Metrics table.</Empty>
      ) : series.length === 0 && failed.length === 0 ? (
        <Loading what="metric history" />
      ) : (
        <LineChart
          series={series}
          x={settings.x}
          logY={settings.logY}
          smoothing={settings.smoothing}
          label={`Metrics ${shown.join(', ')} by ${settings.x === 'time' ? 'wall time' : 'step'}`}
        />
      )}
      {sampled.length > 0 && (
        <p className="chart-note">
          {sampled.join(', ')}: more points than can be drawn at once; showing 25,000 sampled evenly over the steps.
        </p>
      )}
    </div>
  )
}
