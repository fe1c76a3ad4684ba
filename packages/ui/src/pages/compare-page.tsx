/**
 * Compare runs (`/compare?runs=a,b,c`): which hyper-parameters made the best model. Metric curves
 * overlaid, parallel coordinates of the differing params against a chosen metric, a scatter of
 * any two params or metrics, and a diff table. Runs, metric, chart settings, scatter axes and the
 * diff filter live in the URL; running runs update every 3 s.
 */
import { useMemo } from 'react'
import { Link } from 'react-router'
import { readChartSettings, writeChartSettings } from '../charts/chart-controls'
import { colorAt } from '../charts/series'
import { ComparedRunsPanel } from '../compare/compared-runs-panel'
import { CurvesPanel } from '../compare/curves-panel'
import { type AxisRef, differingParams, parseAxis } from '../compare/diff'
import { DiffPanel } from '../compare/diff-panel'
import { ParallelCoordinates } from '../compare/parallel-coords'
import { ScatterPanel } from '../compare/scatter-panel'
import { LIVE_POLL_MS, useComparedRuns } from '../compare/use-compared-runs'
import { Empty, ErrorBox, Loading } from '../components/states'
import { useQueryUpdate } from '../components/use-query-update'
import '../compare/compare.css'
import '../run/run.css'

export function ComparePage() {
  const [params, update] = useQueryUpdate()
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

  const { first, loaded, anyLive, runs, failed, compared } = useComparedRuns(ids)
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

      <ComparedRunsPanel compared={compared} runs={runs} colors={colors} metric={metric} onRemove={remove} />

      <CurvesPanel
        runs={runs}
        compared={compared}
        metric={metric}
        metricKeys={metricKeys}
        settings={readChartSettings(params)}
        onMetric={(next) => update((p) => p.set('metric', next))}
        onSettings={(next) => update((p) => writeChartSettings(p, next))}
      />

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

        <ScatterPanel
          compared={compared}
          colors={colors}
          sx={sx}
          sy={sy}
          choices={axisChoices}
          onAxis={(name, value) => update((p) => p.set(name, value))}
        />
      </div>

      <DiffPanel
        compared={compared}
        colors={colors}
        onlyDiff={params.get('diff') === 'only'}
        onOnlyDiff={(on) => update((p) => (on ? p.set('diff', 'only') : p.delete('diff')))}
      />
    </article>
  )
}
