/**
 * One run: header, params, latest metrics, tags, lineage, metric charts and artifacts. While the
 * run is RUNNING it polls every 3 s; charts keep their zoom and the artifact selection stays. The
 * chart keys and settings and the chosen artifact live in the URL.
 */
import { type Experiment, type Metric, type Run, experimentFromWire, runFromWire, trackingApi } from '@keel/contracts'
import { useEffect, useState } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { type ChartSettings, readChartSettings, writeChartSettings } from '../charts/chart-controls'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatAgo, formatDuration, formatNumber, formatTime } from '../format'
import { ArtifactBrowser } from '../run/artifacts'
import { Lineage } from '../run/lineage'
import { RunCharts } from '../run/run-charts'
import { StatusBadge, isSystemTag } from '../run/status-badge'
import '../run/run.css'

export const LIVE_POLL_MS = 3000

export function RunPage() {
  const { runId = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const run = useApi<Run>(
    `run|${runId}`,
    async (signal) => runFromWire((await call(trackingApi.getRun, { run_id: runId }, signal)).run),
    {
      pollMs: undefined,
    },
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

  const update = (fn: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(params)
    fn(p)
    setParams(p, { replace: true })
  }
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
  const userTags = data.tags.filter((t) => !isSystemTag(t.key) && t.key !== 'mlflow.runName')
  const systemTags = data.tags.filter((t) => isSystemTag(t.key))

  return (
    <article className="run-page" aria-labelledby="run-title">
      <div className="breadcrumbs">
        <Link to="/">Experiments</Link> /{' '}
        <Link to={`/experiments/${info.experimentId}`}>
          {experiment.data?.name ?? `experiment ${info.experimentId}`}
        </Link>{' '}
        / run
      </div>
      <header className="run-head">
        <div className="run-title-row">
          <h1 id="run-title">{info.runName || info.runId}</h1>
          <StatusBadge status={info.status} />
          {info.lifecycleStage === 'deleted' && <span className="badge badge-muted">deleted</span>}
          {live && (
            <span className="muted live-note" role="status">
              live · updating every {LIVE_POLL_MS / 1000} s{polled.error ? ' (last update failed, retrying)' : ''}
            </span>
          )}
        </div>
        <dl className="run-facts">
          <div>
            <dt>Run ID</dt>
            <dd className="mono">{info.runId}</dd>
          </div>
          <div>
            <dt>Experiment</dt>
            <dd>
              <Link to={`/experiments/${info.experimentId}`}>{experiment.data?.name ?? info.experimentId}</Link>
            </dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd title={formatTime(info.startTime)}>
              {formatTime(info.startTime)} <span className="muted">({formatAgo(info.startTime)})</span>
            </dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>
              {info.endTime ? (
                formatDuration(info.startTime, info.endTime)
              ) : live ? (
                <LiveDuration start={info.startTime} />
              ) : (
                '–'
              )}
            </dd>
          </div>
          <div>
            <dt>User</dt>
            <dd>{info.userId || <span className="muted">unknown</span>}</dd>
          </div>
        </dl>
      </header>

      <nav className="section-nav" aria-label="Run sections">
        {['params', 'metrics', 'tags', 'lineage', 'charts', 'artifacts'].map((s) => (
          <a key={s} href={`#${s}`}>
            {s[0]!.toUpperCase() + s.slice(1)}
          </a>
        ))}
      </nav>

      <div className="grid-2 run-grid">
        <section className="panel" id="params" aria-labelledby="params-title">
          <h2 id="params-title">
            Params <span className="count">{data.params.length}</span>
          </h2>
          {data.params.length === 0 ? (
            <p className="muted">No params logged.</p>
          ) : (
            <table className="kv">
              <tbody>
                {[...data.params]
                  .sort((a, b) => a.key.localeCompare(b.key))
                  .map((p) => (
                    <tr key={p.key}>
                      <th scope="row">{p.key}</th>
                      <td className="mono">{p.value}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" id="metrics" aria-labelledby="metrics-title">
          <h2 id="metrics-title">
            Metrics <span className="count">{metrics.length}</span>
          </h2>
          {metrics.length === 0 ? (
            <p className="muted">No metrics logged{live ? ' yet' : ''}.</p>
          ) : (
            <table className="table compact metrics-table">
              <thead>
                <tr>
                  <th scope="col">Metric (click to chart)</th>
                  <th scope="col" className="num">
                    Latest
                  </th>
                  <th scope="col" className="num">
                    Step
                  </th>
                  <th scope="col">Logged</th>
                </tr>
              </thead>
              <tbody>
                {[...metrics]
                  .sort((a, b) => a.key.localeCompare(b.key))
                  .map((m) => (
                    <tr key={m.key}>
                      <td>
                        <button
                          type="button"
                          className="linkish"
                          aria-pressed={keys.includes(m.key)}
                          onClick={() => {
                            setKeys(keys.includes(m.key) ? keys.filter((k) => k !== m.key) : [...keys, m.key])
                            if (!keys.includes(m.key))
                              document.getElementById('charts')?.scrollIntoView({ behavior: 'smooth' })
                          }}
                        >
                          {m.key}
                        </button>
                      </td>
                      <td className="num mono" data-metric={m.key}>
                        {formatNumber(m.value)}
                      </td>
                      <td className="num">{m.step}</td>
                      <td title={formatTime(m.timestamp)}>{formatAgo(m.timestamp)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" id="tags" aria-labelledby="tags-title">
          <h2 id="tags-title">
            Tags <span className="count">{userTags.length}</span>
          </h2>
          {userTags.length === 0 ? (
            <p className="muted">No tags of your own.</p>
          ) : (
            <table className="kv">
              <tbody>
                {userTags.map((t) => (
                  <tr key={t.key}>
                    <th scope="row">{t.key}</th>
                    <td>{t.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {systemTags.length > 0 && (
            <details className="system-tags">
              <summary>System tags ({systemTags.length})</summary>
              <table className="kv">
                <tbody>
                  {systemTags.map((t) => (
                    <tr key={t.key}>
                      <th scope="row" className="mono">
                        {t.key}
                      </th>
                      <td className="mono">{t.value.length > 300 ? `${t.value.slice(0, 300)}…` : t.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </section>

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

function LiveDuration({ start }: { start: number }) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [])
  return <>{formatDuration(start, now)} so far</>
}
