/**
 * /monitoring: the deployments in the prediction log (records, dropped, variants, versions, last
 * seen) and their live monitors (status, last window, drifted or not, alerts), each linking on.
 * `?deployment=` and `?model=` narrow it (the model page links here). Live: polled every 5 s.
 */
import { Link, useSearchParams } from 'react-router'
import { useApi } from '../api/use-api'
import { LiveNote } from '../components/live-note'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatAgo, formatNumber, formatTime } from '../format'
import { listDeployments, listMonitors, monitorModel } from './monitoring-data'
import { MonitorsTable } from './monitors-table'
import { ColumnHeads } from '../components/column-heads'
import '../registry/registry.css'
import './monitoring.css'

const LIVE_MS = 5000

export function MonitoringPage() {
  const [params] = useSearchParams()
  const deployment = params.get('deployment') ?? ''
  const model = params.get('model') ?? ''
  const deployments = useApi('deployments', listDeployments, { pollMs: LIVE_MS })
  const monitors = useApi('monitors', (signal) => listMonitors(signal), { pollMs: LIVE_MS })

  const shownMonitors = (monitors.data ?? []).filter(
    (m) => (!deployment || m.deployment === deployment) && (!model || monitorModel(m) === model),
  )
  const watched = new Set(shownMonitors.map((m) => m.deployment))
  const shownDeployments = (deployments.data ?? []).filter((d) =>
    deployment ? d.deployment === deployment : !model || watched.has(d.deployment),
  )
  const monitorCount = (name: string) => (monitors.data ?? []).filter((m) => m.deployment === name).length
  const filtered = Boolean(deployment || model)

  return (
    <section className="monitoring registry" aria-labelledby="monitoring-title">
      {filtered && (
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          <Link to="/monitoring">Monitoring</Link> / {deployment ? `deployment ${deployment}` : `model ${model}`}
        </nav>
      )}
      <div className="page-head">
        <h1 id="monitoring-title">
          {deployment ? `Monitoring ${deployment}` : model ? `Monitors of ${model}` : 'Monitoring'}
        </h1>
        <LiveNote refreshFailed={(deployments.error ?? monitors.error) !== undefined} />
      </div>

      <h2 id="monitors-title">Monitors</h2>
      {monitors.error && !monitors.data ? (
        <ErrorBox error={monitors.error} onRetry={monitors.reload} />
      ) : !monitors.data ? (
        <Loading what="monitors" />
      ) : shownMonitors.length === 0 ? (
        <Empty title={filtered ? 'No monitor here yet' : 'No monitors yet'}>
          A monitor reads a deployment’s prediction log in windows and compares each with a reference. Create one with{' '}
          <code>POST /api/2.0/keel/monitors/create</code> (a deployment, a reference and a window).
        </Empty>
      ) : (
        <MonitorsTable monitors={shownMonitors} showDeployment={!deployment} />
      )}

      <h2 id="deployments-title">Deployments in the prediction log</h2>
      {deployments.error && !deployments.data ? (
        <ErrorBox error={deployments.error} onRetry={deployments.reload} />
      ) : !deployments.data ? (
        <Loading what="deployments" />
      ) : shownDeployments.length === 0 ? (
        <Empty title="Nothing logged yet">
          {deployment ? `Deployment ${deployment} has logged no prediction. ` : ''}A model server started with{' '}
          <code>keel serve</code> logs every request it answers here.
        </Empty>
      ) : (
        <table className="table" aria-labelledby="deployments-title">
          <ColumnHeads
            columns={[
              'Deployment',
              { label: 'Records', numeric: true },
              { label: 'Dropped', numeric: true },
              'Variants',
              'Model versions',
              'Last seen',
              { label: 'Monitors', numeric: true },
            ]}
          />
          <tbody>
            {shownDeployments.map((d) => (
              <tr key={d.deployment}>
                <td>
                  <Link to={`/monitoring?deployment=${encodeURIComponent(d.deployment)}`} className="monitor-name">
                    {d.deployment}
                  </Link>
                </td>
                <td className="num">{formatNumber(d.records)}</td>
                <td
                  className={`num${d.dropped > 0 ? ' field-error' : ''}`}
                  title={
                    d.dropped > 0
                      ? 'The model server’s log queue was full: these requests were served but not logged'
                      : undefined
                  }
                >
                  {formatNumber(d.dropped)}
                </td>
                <td>
                  {d.variants.length ? (
                    d.variants.map((v) => (
                      <span className="tag" key={v}>
                        {v}
                      </span>
                    ))
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  {d.modelVersions.length ? (
                    d.modelVersions.map((v) => (
                      <span className="tag" key={v}>
                        v{v}
                      </span>
                    ))
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td title={formatTime(d.lastTimestampMs)}>
                  {d.lastTimestampMs ? formatAgo(d.lastTimestampMs) : <span className="muted">—</span>}
                </td>
                <td className="num">{monitorCount(d.deployment) || <span className="muted">0</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
