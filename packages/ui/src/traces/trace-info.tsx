/** What a trace's info says, on the trace page: its facts in the header, then its assessments, tags and metadata. */
import { Link } from 'react-router'
import { formatAgo, formatMillis, formatTime } from '../format'
import { compactJson } from './any-value'
import { TraceStateBadge } from './trace-badges'
import type { AssessmentView, TraceRow } from './trace-data'

export function TraceHeader({
  info,
  spanCount,
  runName,
  live,
}: {
  info: TraceRow
  spanCount: number
  /** The run's name, once read (its id until then). */
  runName: string | undefined
  /** The trace is in progress and the page reads it again every `pollMs`. */
  live: { pollMs: number; failed: boolean } | undefined
}) {
  return (
    <header className="run-head">
      <div className="run-title-row">
        <h1 id="trace-title">{info.name ?? info.traceId}</h1>
        <TraceStateBadge state={info.state} />
        {live && (
          <span className="muted live-note" role="status">
            updating every {live.pollMs / 1000} s{live.failed ? ' (last update failed, retrying)' : ''}
          </span>
        )}
      </div>
      <dl className="run-facts">
        <div>
          <dt>Trace ID</dt>
          <dd className="mono">{info.traceId}</dd>
        </div>
        <div>
          <dt>Request time</dt>
          <dd>
            {formatTime(info.requestTimeMs)}{' '}
            {info.requestTimeMs !== undefined && <span className="muted">({formatAgo(info.requestTimeMs)})</span>}
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{info.durationMs === undefined ? '–' : formatMillis(info.durationMs)}</dd>
        </div>
        <div>
          <dt>Spans</dt>
          <dd>{spanCount}</dd>
        </div>
        <div>
          <dt>Run</dt>
          <dd>
            {info.runId ? (
              <Link
                className={runName ? undefined : 'mono'}
                to={`/runs/${encodeURIComponent(info.runId)}`}
                title={`Run ${info.runId}`}
              >
                {runName || info.runId}
              </Link>
            ) : (
              <span className="muted">none</span>
            )}
          </dd>
        </div>
      </dl>
    </header>
  )
}

export function AssessmentsPanel({
  assessments,
  spanName,
}: {
  assessments: readonly AssessmentView[]
  /** The name of a span an assessment is about, by span id. */
  spanName: (spanId: string) => string | undefined
}) {
  return (
    <section className="panel trace-assessments" aria-labelledby="assessments-title">
      <h2 id="assessments-title">
        Assessments <span className="count">{assessments.length}</span>
      </h2>
      {assessments.length === 0 ? (
        <p className="muted">
          No feedback or expectations yet: <code>mlflow.log_feedback(trace_id=…, name=…, value=…)</code>.
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">Rationale</th>
              <th scope="col">Source</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {assessments.map((a) => (
              <tr key={a.id || a.name} data-assessment={a.name}>
                <th scope="row">
                  {a.name}
                  <span className={`badge ${a.kind === 'expectation' ? 'badge-muted' : ''}`}>{a.kind}</span>
                  {a.spanId && (
                    <div className="muted small">
                      on span {spanName(a.spanId) ?? <span className="mono">{a.spanId}</span>}
                    </div>
                  )}
                </th>
                <td className="mono assessment-value">
                  {a.error ? <span className="field-error">{a.error}</span> : <AssessmentValue value={a.value} />}
                </td>
                <td className="assessment-rationale">{a.rationale || <span className="muted">—</span>}</td>
                <td>
                  {a.sourceType || <span className="muted">unknown</span>}
                  {a.sourceId && <div className="muted small">{a.sourceId}</div>}
                </td>
                <td className="nowrap" title={formatTime(a.createTimeMs)}>
                  {formatAgo(a.createTimeMs)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function AssessmentValue({ value }: { value: unknown }) {
  if (value === undefined) return <span className="muted">—</span>
  if (typeof value === 'boolean')
    return <span className={`badge ${value ? 'badge-ok' : 'badge-danger'}`}>{value ? 'yes' : 'no'}</span>
  return <>{compactJson(value)}</>
}

/** A trace's tags or metadata: the user's own first, MLflow's and keel's folded away. */
export function KeyValuePanel({
  title,
  id,
  values,
}: {
  title: string
  id: string
  values: Readonly<Record<string, string>>
}) {
  const entries = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const system = (k: string) => k.startsWith('mlflow.') || k.startsWith('keel.')
  const own = entries.filter(([k]) => !system(k))
  const theirs = entries.filter(([k]) => system(k))
  const table = (rows: [string, string][]) => (
    <table className="kv">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row" className="mono">
              {k}
            </th>
            <td className="mono">{v.length > 500 ? `${v.slice(0, 500)}…` : v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>
        {title} <span className="count">{own.length}</span>
      </h2>
      {own.length === 0 ? <p className="muted">None of your own.</p> : table(own)}
      {theirs.length > 0 && (
        <details className="system-tags">
          <summary>
            System {title.toLowerCase()} ({theirs.length})
          </summary>
          {table(theirs)}
        </details>
      )}
    </section>
  )
}
