/** What a monitor watches and how: deployment, model, reference, window, drift share, task, alert rules, last window and error. */
import type { Monitor } from '@keel/contracts'
import { Link } from 'react-router'
import { formatAgo, formatNumber, formatTime } from '../format'
import { describeReference, describeWindow, monitorModel } from './monitoring-data'

export function MonitorFacts({ monitor: m }: { monitor: Monitor }) {
  const model = monitorModel(m)
  return (
    <div className="panel">
      <dl className="facts">
        <div>
          <dt>Deployment</dt>
          <dd>
            <Link to={`/monitoring?deployment=${encodeURIComponent(m.deployment)}`}>{m.deployment}</Link>
            {m.variant && <span className="muted"> · variant {m.variant}</span>}
          </dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>
            {model ? (
              <Link to={`/models/${encodeURIComponent(model)}`}>{model}</Link>
            ) : (
              <span className="muted">—</span>
            )}
          </dd>
        </div>
        <div className="fact-wide">
          <dt>Reference</dt>
          <dd className="reference">{describeReference(m.reference, formatTime)}</dd>
        </div>
        <div>
          <dt>Window</dt>
          <dd>{describeWindow(m.window)}</dd>
        </div>
        <div>
          <dt>Dataset drift when</dt>
          <dd>≥ {formatNumber(m.driftShare * 100)}% of columns drift</dd>
        </div>
        {m.task && (
          <div>
            <dt>Task</dt>
            <dd>{m.task}</dd>
          </div>
        )}
        <div>
          <dt>Alert rules</dt>
          <dd
            title={m.alertRules
              .map(
                (r) =>
                  `${r.ruleId}: ${r.kind}${r.column ? ` ${r.column}` : ''}${r.metric ? ` ${r.metric}` : ''} ${r.threshold}${r.action ? `, action ${r.action}` : ''}`,
              )
              .join('\n')}
          >
            {m.alertRules.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              m.alertRules.map((r) => r.ruleId).join(', ')
            )}
          </dd>
        </div>
        <div>
          <dt>Last window</dt>
          <dd title={formatTime(m.lastWindowEndMs)}>
            {m.lastWindowId === undefined ? (
              <span className="muted">none yet</span>
            ) : (
              `#${m.lastWindowId}, ended ${formatAgo(m.lastWindowEndMs)}`
            )}
          </dd>
        </div>
      </dl>
      {m.lastError && (
        <p className="field-error" role="alert">
          The last run failed: {m.lastError}
        </p>
      )}
    </div>
  )
}
