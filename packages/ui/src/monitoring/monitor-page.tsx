/**
 * /monitoring/:monitorId: one live monitor — its header (pause/resume, run now), drift over time
 * (share per window and a columns × windows heatmap), the selected column's distributions in the
 * selected window, performance over time and the alerts. `?col=`, `?win=`, `?range=` and
 * `?metric=` hold the view. Live: polled every 5 s (windows incrementally).
 */
import { useMemo } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { useApi } from '../api/use-api'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatNumber } from '../format'
import { AlertsTable } from './alerts-table'
import { MonitorHeader } from './monitor-header'
import { Distributions, DriftOverTime, PerformanceOverTime } from './monitor-sections'
import { describeWindow, getMonitor, listAlerts, listPerformance } from './monitoring-data'
import { heatmapMatrix } from './shape'
import { MAX_WINDOWS, useMonitorWindows } from './use-monitor-windows'
import {
  type MonitorViewChange,
  RANGES,
  type RangeValue,
  effectiveSelection,
  rangeStart,
  readMonitorView,
  writeMonitorView,
} from './view-state'
import '../registry/registry.css'
import './monitoring.css'

const LIVE_MS = 5000
/** Performance is computed by the server on every read (labels arrive late): polled less often. */
const PERFORMANCE_MS = 15_000

export function MonitorPage() {
  const monitorId = useParams().monitorId ?? ''
  const [params, setParams] = useSearchParams()
  const view = readMonitorView(params)
  const setView = (next: MonitorViewChange) => setParams(writeMonitorView(params, next), { replace: true })

  const monitor = useApi(`monitor|${monitorId}`, (signal) => getMonitor(monitorId, signal), { pollMs: LIVE_MS })
  const windows = useMonitorWindows(monitorId, view.range, LIVE_MS)
  const perf = useApi(
    `perf|${monitorId}|${view.range}`,
    (signal) => listPerformance(monitorId, rangeStart(view.range, Date.now()), 3, signal),
    { pollMs: PERFORMANCE_MS },
  )
  const alerts = useApi(`alerts|${monitorId}`, (signal) => listAlerts(monitorId, signal), { pollMs: LIVE_MS })
  const reloadAll = () => {
    monitor.reload()
    windows.reload()
    perf.reload()
    alerts.reload()
  }

  const m = monitor.data
  const ws = windows.data?.windows
  const matrix = useMemo(() => heatmapMatrix(ws ?? [], m?.columns), [ws, m?.columns])
  const selection = effectiveSelection(matrix, view)

  if (monitor.error && !m) {
    return (
      <section className="monitoring registry">
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          <Link to="/monitoring">Monitoring</Link> / {monitorId}
        </nav>
        <ErrorBox error={monitor.error} onRetry={monitor.reload} />
      </section>
    )
  }
  if (!m) return <Loading what="the monitor" />

  const since = rangeStart(view.range, Date.now())
  const shownAlerts = (alerts.data?.alerts ?? []).filter((a) => since === undefined || a.firedMs >= since)
  const refreshFailed = Boolean(monitor.error ?? windows.error ?? perf.error ?? alerts.error)

  return (
    <section className="monitoring registry" aria-labelledby="monitor-title">
      <MonitorHeader monitor={m} refreshFailed={refreshFailed} onChanged={reloadAll} />

      <div className="toolbar range-bar">
        <label>
          Time range{' '}
          <select
            value={view.range}
            onChange={(e) => setView({ range: e.target.value as RangeValue })}
            aria-label="Time range"
          >
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {ws && (
          <span className="muted small">
            {formatNumber(ws.length)} window{ws.length === 1 ? '' : 's'}
            {windows.data?.more && ' (loading more…)'}
            {ws.length >= MAX_WINDOWS &&
              ` — the newest ${formatNumber(MAX_WINDOWS)} are kept; pick a shorter range for earlier ones`}
          </span>
        )}
      </div>

      {windows.error && !ws ? (
        <ErrorBox error={windows.error} onRetry={windows.reload} />
      ) : !ws ? (
        <Loading what="windows" />
      ) : ws.length === 0 ? (
        <Empty title={view.range === 'all' ? 'No windows yet' : 'No window in this time range'}>
          {view.range !== 'all' ? (
            <>Pick a longer time range to see older windows.</>
          ) : m.status === 'paused' ? (
            <>The monitor is paused: resume it to process windows.</>
          ) : (
            <>
              The server runs monitors every few seconds (<code>keel server --monitor-interval</code>, 10 s by default)
              and keeps a window once it is complete: {describeWindow(m.window)} of the <code>{m.deployment}</code> log
              {m.latenessMs > 0 ? `, ${formatNumber(m.latenessMs / 1000)} s after its end` : ''}. “Run now” processes
              what is complete at once.
            </>
          )}
        </Empty>
      ) : (
        <>
          <DriftOverTime monitor={m} windows={ws} matrix={matrix} selected={selection} onSelect={(s) => setView(s)} />
          <Distributions
            windows={ws}
            matrix={matrix}
            column={selection.column}
            windowId={selection.windowId}
            onSelect={(s) => setView(s)}
          />
        </>
      )}

      {perf.error && !perf.data ? (
        <>
          <h2>Performance over time</h2>
          <ErrorBox error={perf.error} onRetry={perf.reload} />
        </>
      ) : perf.data && perf.data.windows.length > 0 ? (
        <PerformanceOverTime
          monitor={m}
          perf={perf.data.windows}
          metric={view.metric}
          onMetric={(metric) => setView({ metric })}
        />
      ) : null}

      <h2 id="alerts-title">Alerts</h2>
      {alerts.error && !alerts.data ? (
        <ErrorBox error={alerts.error} onRetry={alerts.reload} />
      ) : !alerts.data ? (
        <Loading what="alerts" />
      ) : shownAlerts.length === 0 ? (
        <Empty title="No alert fired">
          {m.alertRules.length === 0
            ? 'This monitor has no alert rule.'
            : `Rules: ${m.alertRules.map((r) => `${r.ruleId} (${r.kind.replace(/_/g, ' ')})`).join(', ')}.`}
        </Empty>
      ) : (
        <AlertsTable alerts={shownAlerts} onWindow={(windowId) => setView({ windowId })} />
      )}
    </section>
  )
}
