/**
 * One run: header, params, latest metrics, tags, lineage, metric charts and artifacts. While the
 * run is RUNNING it polls every 3 s; charts keep their zoom and the artifact selection stays. The
 * chart keys and settings and the chosen artifact live in the URL.
 */
import { type Experiment, type Metric, type Run, experimentFromWire, runFromWire, trackingApi } from '@keel/contracts'
import { Link, useParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { type ChartSettings, readChartSettings, writeChartSettings } from '../charts/chart-controls'
import { Empty, ErrorBox, Loading } from '../components/states'
import { useQueryUpdate } from '../components/use-query-update'
import { ArtifactBrowser } from '../run/artifacts'
import { Lineage } from '../run/lineage'
import { RunCharts } from '../run/run-charts'
import { RunHeader } from '../run/run-header'
import { MetricsPanel } from '../run/run-metrics'
import { ParamsPanel } from '../run/run-params'
import { TagsPanel } from '../run/run-tags'
import '../run/run.css'

export const LIVE_POLL_MS = 3000

export function RunPage() {
  const { runId = '' } = useParams()
  const [params, update] = useQueryUpdate()
  const run = useApi<Run>(`run|${runId}`, async (signal) =>
    runFromWire((await call(trackingApi.getRun, { run_id: runId }, signal)).run),
  )
  const live = run.data?.info.status === 'RUNNING'
  const polled = useApi<Run>(
    live ? `live|${runId}` : null,
    async (signal) => runFromWire((await call(trackingApi.getRun, { run_id: runId }, signal)).run),
    {
      pollMs: LIVE_POLL_MS,
    },
  )
  // The freshest of the first load and the live polls.
  const current = polled.data ?? run.data
  const expId = current?.info.experimentId
  const experiment = useApi<Experiment>(expId === undefined ? null : `exp|${expId}`, async (signal) =>
    experimentFromWire((await call(trackingApi.getExperiment, { experiment_id: expId! }, signal)).experiment),
  )

  const settings = readChartSettings(params)
  const urlKeys = params.getAll('metric')
  const metrics = current?.data.metrics ?? []
  const keys = urlKeys.length > 0 || params.has('nometric') ? urlKeys : defaultKeys(metrics)
  const setKeys = (next: string[]) =>
    update((p) => {
      p.delete('metric')
      p.delete('nometric')
      for (const k of next) p.append('metric', k)
      if (next.length === 0) p.set('nometric', '1')
    })

  if (run.error && !current) return <ErrorBox error={run.error} onRetry={run.reload} />
  if (!current) return <Loading what="run" />
  const { info, data } = current

  return (
    <article className="run-page" aria-labelledby="run-title">
      <div className="breadcrumbs">
        <Link to="/">Experiments</Link> /{' '}
        <Link to={`/experiments/${info.experimentId}`}>
          {experiment.data?.name ?? `experiment ${info.experimentId}`}
        </Link>{' '}
        / run
      </div>
      <RunHeader
        run={current}
        experimentName={experiment.data?.name}
        pollMs={LIVE_POLL_MS}
        live={live}
        pollFailed={polled.error !== undefined}
      />

      <nav className="section-nav" aria-label="Run sections">
        {['params', 'metrics', 'tags', 'lineage', 'charts', 'artifacts'].map((s) => (
          <a key={s} href={`#${s}`}>
            {s[0]!.toUpperCase() + s.slice(1)}
          </a>
        ))}
      </nav>

      <div className="grid-2 run-grid">
        <ParamsPanel params={data.params} />
        <MetricsPanel metrics={metrics} live={live} charted={keys} onCharted={setKeys} />
        <TagsPanel tags={data.tags} />
        <section className="panel" id="lineage" aria-labelledby="lineage-title">
          <h2 id="lineage-title">Lineage</h2>
          <Lineage tags={data.tags} datasets={current.inputs.datasetInputs} outputs={current.outputs.modelOutputs} />
        </section>
      </div>

      <section className="panel wide" id="charts" aria-labelledby="charts-title">
        <h2 id="charts-title">Charts</h2>
        <RunCharts
          runId={info.runId}
          latest={metrics}
          keys={keys}
          settings={settings}
          onKeys={setKeys}
          onSettings={(next: Partial<ChartSettings>) => update((p) => writeChartSettings(p, next))}
        />
      </section>

      <section className="panel wide" id="artifacts" aria-labelledby="artifacts-title">
        <h2 id="artifacts-title">Artifacts</h2>
        {info.artifactUri ? (
          <ArtifactBrowser
            runId={info.runId}
            artifactUri={info.artifactUri}
            selected={params.get('artifact') ?? undefined}
            onSelect={(path) => update((p) => (path ? p.set('artifact', path) : p.delete('artifact')))}
          />
        ) : (
          <Empty title="No artifact location">This run has no artifact URI.</Empty>
        )}
      </section>
    </article>
  )
}

/** With nothing in the URL, chart the first metric (by name) so the section is not empty. */
function defaultKeys(metrics: readonly Metric[]): string[] {
  const first = [...metrics].map((m) => m.key).sort()[0]
  return first ? [first] : []
}
