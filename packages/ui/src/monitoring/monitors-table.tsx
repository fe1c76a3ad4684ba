/** The monitors table of the overview: each row loads its newest window and its alerts, live. */
import type { Monitor } from '@keel/contracts'
import { Link } from 'react-router'
import { useApi } from '../api/use-api'
import { ColumnHeads } from '../components/column-heads'
import { formatAgo, formatNumber, formatTime } from '../format'
import { describeWindow, lastWindow, listAlerts, monitorModel } from './monitoring-data'

const LIVE_MS = 5000

export function MonitorsTable({ monitors, showDeployment }: { monitors: readonly Monitor[]; showDeployment: boolean }) {
  return (
    <table className="table monitors-table" aria-label="Monitors">
      <ColumnHeads
        columns={[
          'Monitor',
          showDeployment && 'Deployment',
          'Model',
          'Status',
          'Windows',
          'Last window',
          'Drift in the last window',
          'Alerts',
        ]}
      />
      <tbody>
        {monitors.map((m) => (
          <MonitorRow key={m.monitorId} monitor={m} showDeployment={showDeployment} />
        ))}
      </tbody>
    </table>
  )
}

function MonitorRow({ monitor: m, showDeployment }: { monitor: Monitor; showDeployment: boolean }) {
  const last = useApi(`last|${m.monitorId}|${m.lastWindowId ?? 0}`, (signal) => lastWindow(m, signal))
  const alerts = useApi(`alerts|${m.monitorId}`, (signal) => listAlerts(m.monitorId, signal, 1000), { pollMs: LIVE_MS })
  const model = monitorModel(m)
  const w = last.data
  const firing = alerts.data?.alerts.filter((a) => a.windowId === m.lastWindowId) ?? []
  return (
    <tr>
      <td>
        <Link to={`/monitoring/${encodeURIComponent(m.monitorId)}`} className="monitor-name">
          {m.name}
        </Link>
      </td>
      {showDeployment && (
        <td>
          <Link to={`/monitoring?deployment=${encodeURIComponent(m.deployment)}`}>{m.deployment}</Link>
        </td>
      )}
      <td>
        {model ? <Link to={`/models/${encodeURIComponent(model)}`}>{model}</Link> : <span className="muted">—</span>}
      </td>
      <td>
        <MonitorStatus monitor={m} />
      </td>
      <td className="muted">{describeWindow(m.window)}</td>
      <td title={formatTime(m.lastWindowEndMs)}>
        {m.lastWindowId === undefined ? (
          <span className="muted">none yet</span>
        ) : (
          <>
            #{m.lastWindowId} <span className="muted small">ended {formatAgo(m.lastWindowEndMs)}</span>
          </>
        )}
      </td>
      <td>
        {m.lastWindowId === undefined ? (
          <span className="muted">—</span>
        ) : last.error ? (
          <span className="field-error">could not load</span>
        ) : !w ? (
          <span className="muted">…</span>
        ) : (
          <DriftVerdict drifted={w.datasetDrift} share={w.driftShare} columns={w.driftedColumns} />
        )}
      </td>
      <td>
        {alerts.error && !alerts.data ? (
          <span className="field-error">could not load</span>
        ) : !alerts.data ? (
          <span className="muted">…</span>
        ) : alerts.data.alerts.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <>
            {firing.length > 0 && <span className="badge badge-danger">{firing.length} firing</span>}{' '}
            <span className="muted small">
              {alerts.data.alerts.length}
              {alerts.data.more && '+'} fired, last {formatAgo(alerts.data.alerts[0]!.firedMs)}
            </span>
          </>
        )}
      </td>
    </tr>
  )
}

export function MonitorStatus({ monitor: m }: { monitor: Monitor }) {
  return (
    <>
      <span className={`badge ${m.status === 'active' ? 'badge-ok' : 'badge-muted'} status-badge`}>{m.status}</span>
      {m.lastError && (
        <span className="badge badge-danger" title={m.lastError}>
          last run failed
        </span>
      )}
    </>
  )
}

export function DriftVerdict({
  drifted,
  share,
  columns,
}: {
  drifted: boolean
  share: number
  columns: readonly string[]
}) {
  return (
    <span className="drift-verdict">
      <span className={`badge ${drifted ? 'badge-danger' : 'badge-ok'}`}>{drifted ? 'drift' : 'no drift'}</span>{' '}
      <span className="muted small" title={columns.join(', ')}>
        {formatNumber(Math.round(share * 1000) / 10)}% of columns
        {columns.length > 0 && `: ${columns.slice(0, 3).join(', ')}${columns.length > 3 ? ', …' : ''}`}
      </span>
    </span>
  )
}
