/**
 * Compare runs (`/compare?runs=a,b,c`): which hyper-parameters made the best model. Metric curves
 * overlaid, parallel coordinates of the differing params against a chosen metric, a scatter of
 * any two params or metrics, and a diff table. Runs, metric, chart settings, scatter axes and the
 * diff filter live in the URL; running runs update every 3 s.
 */
import { type Run, runFromWire, trackingApi } from '@keel/contracts'
import { useMemo } from 'react'
import { Link, useSearchParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { ChartControls, readChartSettings, writeChartSettings } from '../charts/chart-controls'
import { LineChart, type LineSeries } from '../charts/line-chart'
import { colorAt } from '../charts/series'
import {
  type AxisRef,
  type ComparedRun,
  axisRef,
  diffRows,
  differingParams,
  lowerIsBetter,
  parseAxis,
} from '../compare/diff'
import { ParallelCoordinates } from '../compare/parallel-coords'
import { ScatterPlot } from '../compare/scatter-plot'
import { useCompareCurves } from '../compare/use-compare-curves'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatNumber, formatTime } from '../format'
import { StatusBadge, isSystemTag } from '../run/status-badge'
import '../compare/compare.css'
import '../run/run.css'

const LIVE_POLL_MS = 3000
/** System tags worth comparing (which code made the run); the rest stay on the run page. */
const COMPARED_SYSTEM_TAGS = [
  'mlflow.source.git.commit',
  'mlflow.source.git.branch',
  'mlflow.source.name',
  'keel.source.git.dirty',
]

type Loaded = { id: string; run: Run } | { id: string; error: Error }

export function ComparePage() {
  const [params, setParams] = useSearchParams()
  const ids = useMemo(
    () => [
      ...new Set(
        (params.get('runs') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ],
    [params],
  )
  const update = (fn: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(params)
    fn(p)
    setParams(p, { replace: true })
  }

  const load = async (signal: AbortSignal) =>
    Promise.all(
      ids.map(async (id): Promise<Loaded> => {
        try {
          return { id, run: runFromWire((await call(trackingApi.getRun, { run_id: id }, signal)).run) }
        } catch (e) {
          if (signal.aborted) throw e
          return { id, error: e as Error }
        }
      }),
    )
  const first = useApi(ids.length ? `cmp|${ids.join(',')}` : null, load)
  const anyLive = first.data?.some((r) => 'run' in r && r.run.info.status === 'RUNNING') ?? false
  const polled = useApi(anyLive ? `cmp-live|${ids.join(',')}` : null, load, { pollMs: LIVE_POLL_MS })
  const loaded = polled.data ?? first.data

  const runs = useMemo(() => (loaded ?? []).flatMap((r) => ('run' in r ? [r.run] : [])), [loaded])
  const failed = (loaded ?? []).flatMap((r) => ('error' in r ? [r] : []))
  const compared = useMemo<ComparedRun[]>(
    () =>
      runs.map((r) => ({
        id: r.info.runId,
        name: r.info.runName || r.info.runId.slice(0, 8),
        params: Object.fromEntries(r.data.params.map((p) => [p.key, p.value])),
        metrics: Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value])),
        tags: Object.fromEntries(
          r.data.tags
            .filter((t) => !isSystemTag(t.key) || COMPARED_SYSTEM_TAGS.includes(t.key))
            .map((t) => [t.key, t.value]),
        ),
      })),
    [runs],
  )
  const colors = compared.map((_, i) => colorAt(i))
  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort(), [runs])
  const paramKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)))].sort(), [runs])
  const differing = useMemo(() => differingParams(compared), [compared])

  // The chosen metric: from the URL, else one every run has.
  const urlMetric = params.get('metric')
  const metric =
    urlMetric && metricKeys.includes(urlMetric)
      ? urlMetric
      : (metricKeys.find((k) => runs.every((r) => r.data.metrics.some((m) => m.key === k))) ?? metricKeys[0])
  const settings = readChartSettings(params)
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

  const axisChoices: AxisRef[] = [
    ...paramKeys.map((key) => ({ kind: 'param' as const, key })),
    ...metricKeys.map((key) => ({ kind: 'metric' as const, key })),
  ]
  const sx =
    parseAxis(params.get('sx')) ??
    ((differing[0] ?? paramKeys[0])
      ? { kind: 'param' as const, key: (differing[0] ?? paramKeys[0])! }
      : metricKeys[1]
        ? { kind: 'metric' as const, key: metricKeys[1] }
        : undefined)
  const sy = parseAxis(params.get('sy')) ?? (metric ? { kind: 'metric' as const, key: metric } : undefined)
  const onlyDiff = params.get('diff') === 'only'
  const rows = useMemo(() => diffRows(compared), [compared])
  const shownRows = onlyDiff ? rows.filter((r) => r.differs) : rows

  if (ids.length === 0) {
    return (
      <section aria-labelledby="compare-title">
        <h1 id="compare-title">Compare runs</h1>
        <Empty title="No runs chosen">
          Select runs in an experiment's run table and press Compare, or open{' '}
          <code>/compare?runs=&lt;id&gt;,&lt;id&gt;</code>.
        </Empty>
      </section>
    )
  }
  if (first.error && !loaded) return <ErrorBox error={first.error} onRetry={first.reload} />
  if (!loaded) return <Loading what={`${ids.length} runs`} />

  const remove = (id: string) => update((p) => p.set('runs', ids.filter((x) => x !== id).join(',')))
  const setAxis = (name: 'sx' | 'sy', value: string) => update((p) => p.set(name, value))
  const experimentIds = [...new Set(runs.map((r) => r.info.experimentId))]

  return (
    <article className="compare-page" aria-labelledby="compare-title">
      <div className="breadcrumbs">
        <Link to="/">Experiments</Link>
        {experimentIds.length === 1 && (
          <>
            {' / '}
            <Link to={`/experiments/${experimentIds[0]}`}>experiment {experimentIds[0]}</Link>
          </>
        )}{' '}
        / compare
      </div>
      <div className="page-head">
        <h1 id="compare-title">Compare {runs.length} runs</h1>
        {anyLive && (
          <span className="muted live-note" role="status">
            live · updating every {LIVE_POLL_MS / 1000} s
          </span>
        )}
      </div>

      {failed.map((f) => (
        <div key={f.id} className="state state-error" role="alert">
          <strong>Run {f.id} could not be loaded</strong>
          <pre className="error-text">{f.error.message}</pre>
          <button type="button" onClick={() => remove(f.id)}>
            Remove it from the comparison
          </button>
        </div>
      ))}

      <section className="panel" aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <table className="table compact run-list">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col" className="num">
                {metric ?? 'metric'}
              </th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {compared.map((r, i) => (
              <tr key={r.id}>
                <td>
                  <span className="swatch" style={{ background: colors[i] }} aria-hidden="true" />
                  <Link to={`/runs/${r.id}`}>{r.name}</Link> <span className="muted mono">{r.id.slice(0, 8)}</span>
                </td>
                <td>
                  <StatusBadge status={runs[i]!.info.status} />
                </td>
                <td>{formatTime(runs[i]!.info.startTime)}</td>
                <td className="num mono">{metric ? formatNumber(r.metrics[metric]) : ''}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="small"
                    aria-label={`Remove ${r.name} from the comparison`}
                    onClick={() => remove(r.id)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {runs.length < 2 && (
          <p className="muted">Add another run to compare: open this page with two or more run ids in ?runs=.</p>
        )}
      </section>

      <section className="panel" aria-labelledby="curves-title">
        <div className="panel-head chart-controls">
          <h2 id="curves-title">Metric curves</h2>
          <label>
            Metric
            <select
              aria-label="Metric"
              value={metric ?? ''}
              onChange={(e) => update((p) => p.set('metric', e.target.value))}
              disabled={metricKeys.length === 0}
            >
              {metricKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <ChartControls value={settings} onChange={(next) => update((p) => writeChartSettings(p, next))} />
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

      <div className="compare-grid">
        <section className="panel" aria-labelledby="pc-title">
          <div className="panel-head">
            <h2 id="pc-title">Parameters → {metric ?? 'metric'}</h2>
          </div>
          <p className="muted chart-note">
            Axes: the params that differ between these runs, then the metric chosen above. Lines are coloured by it.
          </p>
          <ParallelCoordinates
            runs={compared}
            axes={differing.map((key) => ({ kind: 'param', key }))}
            metric={metric}
          />
        </section>

        <section className="panel" aria-labelledby="scatter-title">
          <div className="panel-head">
            <h2 id="scatter-title">Scatter</h2>
            <AxisSelect label="X" value={sx} choices={axisChoices} onChange={(v) => setAxis('sx', v)} />
            <AxisSelect label="Y" value={sy} choices={axisChoices} onChange={(v) => setAxis('sy', v)} />
          </div>
          {sx && sy ? (
            <ScatterPlot runs={compared} colors={colors} xAxis={sx} yAxis={sy} />
          ) : (
            <Empty title="Nothing to plot">These runs have no params or metrics.</Empty>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="diff-title" style={{ marginTop: 16 }}>
        <div className="panel-head">
          <h2 id="diff-title">Differences</h2>
          <span className="diff-legend">
            <span>
              <span className="sample" style={{ background: '#fff8e1' }} />
              differs
            </span>
            <span>
              <span className="sample" style={{ background: '#dafbe1' }} />
              best value
            </span>
          </span>
          <label>
            <input
              type="checkbox"
              checked={onlyDiff}
              onChange={(e) => update((p) => (e.target.checked ? p.set('diff', 'only') : p.delete('diff')))}
            />
            Only differences
          </label>
        </div>
        {shownRows.length === 0 ? (
          <Empty title={onlyDiff ? 'No differences' : 'Nothing to compare'}>
            {onlyDiff
              ? 'These runs share every param, metric and tag value.'
              : 'These runs logged no params, metrics or tags.'}
          </Empty>
        ) : (
          <div style={{ overflowX: 'auto' }}>
            <table className="table diff-table">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  {compared.map((r, i) => (
                    <th key={r.id} scope="col" className="run-col">
                      <span
                        className="swatch"
                        style={{ background: colors[i], marginRight: 6, verticalAlign: -1 }}
                        aria-hidden="true"
                      />
                      {r.name}
                    </th>
                  ))}
                </tr>
              </thead>
              {(['param', 'metric', 'tag'] as const).map((kind) => {
                const group = shownRows.filter((r) => r.kind === kind)
                if (group.length === 0) return null
                return (
                  <tbody key={kind}>
                    <tr className="group-row">
                      <th scope="rowgroup" colSpan={compared.length + 1}>
                        {kind === 'param' ? 'Params' : kind === 'metric' ? 'Metrics (latest)' : 'Tags'}
                      </th>
                    </tr>
                    {group.map((row) => (
                      <tr
                        key={`${kind}:${row.key}`}
                        className={row.differs ? 'row-differs' : undefined}
                        data-differs={row.differs}
                      >
                        <td className="key-cell">
                          {row.key}
                          {row.differs && <span className="sr-only"> (differs)</span>}
                          {kind === 'metric' && (
                            <span className="dir">
                              {lowerIsBetter(row.key) ? '↓ lower is better' : '↑ higher is better'}
                            </span>
                          )}
                        </td>
                        {row.values.map((v, i) => {
                          const best = row.best.includes(i)
                          return (
                            <td key={i} className={best ? 'best' : undefined}>
                              {v === undefined ? (
                                <span className="muted">–</span>
                              ) : typeof v === 'number' ? (
                                formatNumber(v)
                              ) : (
                                v
                              )}
                              {best && <span className="best-mark">best</span>}
                            </td>
                          )
                        })}
                      </tr>
                    ))}
                  </tbody>
                )
              })}
            </table>
          </div>
        )}
      </section>
    </article>
  )
}

function AxisSelect({
  label,
  value,
  choices,
  onChange,
}: {
  label: string
  value: AxisRef | undefined
  choices: readonly AxisRef[]
  onChange(v: string): void
}) {
  const current = value ? axisRef(value) : ''
  const has = choices.some((c) => axisRef(c) === current)
  return (
    <label>
      {label}
      <select value={current} onChange={(e) => onChange(e.target.value)} aria-label={`Scatter ${label} axis`}>
        {!has && current && <option value={current}>{value!.key} (missing)</option>}
        <optgroup label="Params">
          {choices
            .filter((c) => c.kind === 'param')
            .map((c) => (
              <option key={axisRef(c)} value={axisRef(c)}>
                {c.key}
              </option>
            ))}
        </optgroup>
        <optgroup label="Metrics">
          {choices
            .filter((c) => c.kind === 'metric')
            .map((c) => (
              <option key={axisRef(c)} value={axisRef(c)}>
                {c.key}
              </option>
            ))}
        </optgroup>
      </select>
    </label>
  )
}
