/** A monitor's fired alerts, newest first: when, rule, message, value against threshold, what the webhook and the operator's action returned. */
import type { MonitorAlert } from '@keel/contracts'
import { formatAgo, formatNumber, formatTime } from '../format'
import { ColumnHeads } from '../components/column-heads'

export function AlertsTable({
  alerts,
  onWindow,
}: {
  alerts: readonly MonitorAlert[]
  onWindow: (windowId: number) => void
}) {
  return (
    <table className="table alerts-table" aria-labelledby="alerts-title">
      <ColumnHeads
        columns={[
          'When',
          'Rule',
          'Window',
          'Message',
          { label: 'Value', numeric: true },
          { label: 'Threshold', numeric: true },
          'Webhook',
          'Action',
        ]}
      />
      <tbody>
        {alerts.map((a) => (
          <tr key={a.alertId}>
            <td title={formatTime(a.firedMs)}>
              {formatAgo(a.firedMs)}
              <div className="muted small">{formatTime(a.firedMs)}</div>
            </td>
            <td>
              <span className="mono">{a.ruleId}</span>
              <div className="muted small">{a.kind.replace(/_/g, ' ')}</div>
            </td>
            <td>
              <button
                type="button"
                className="link-button"
                onClick={() => onWindow(a.windowId)}
                title={`Show window #${a.windowId} above`}
              >
                #{a.windowId}
              </button>
            </td>
            <td className="alert-message">{a.message}</td>
            <td className="num mono">{formatNumber(round(a.value))}</td>
            <td className="num mono">{formatNumber(a.threshold)}</td>
            <td>
              <Webhook alert={a} />
            </td>
            <td>
              <Action alert={a} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Webhook({ alert: a }: { alert: MonitorAlert }) {
  const w = a.webhook
  if (!w) return <span className="muted">—</span>
  const ok = w.status !== undefined && w.status >= 200 && w.status < 300
  return (
    <span title={w.url}>
      <span className={`badge ${ok ? 'badge-ok' : 'badge-danger'} flush`}>{w.status ?? 'no answer'}</span>
      {w.error && <div className="field-error small">{w.error}</div>}
    </span>
  )
}

/** The operator's action by name: its exit code, why it did not run or was killed, its output's tail. */
function Action({ alert: a }: { alert: MonitorAlert }) {
  const c = a.action
  if (!c) return <span className="muted">—</span>
  const ok = c.exitCode === 0
  const pending = c.exitCode === null && c.error === undefined
  return (
    <details className="command-result">
      <summary>
        <span className={`badge ${ok ? 'badge-ok' : pending ? '' : 'badge-danger'} flush`}>
          {c.exitCode !== null ? `exit ${c.exitCode}` : pending ? 'running' : 'not run / killed'}
        </span>{' '}
        <span className="mono small">{c.name}</span>
      </summary>
      {c.error && <div className="field-error small">{c.error}</div>}
      {c.outputTail && <pre className="output-tail">{c.outputTail}</pre>}
    </details>
  )
}

/** Values are statistics (p-values, shares): six significant digits are plenty. */
function round(v: number): number {
  return Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v
}
