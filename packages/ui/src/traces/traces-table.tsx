/** The traces list: one row per trace, its id linking to the trace page; time and duration sort on the server. */
import { Link } from 'react-router'
import { formatAgo, formatMillis, formatTime } from '../format'
import { TraceStateBadge } from './trace-badges'
import { type TraceRow, shortTraceId, userTags } from './trace-data'
import type { OrderField, TracesOrder } from './view-state'

export function tracePath(experimentId: string, traceId: string): string {
  return `/experiments/${encodeURIComponent(experimentId)}/traces/${encodeURIComponent(traceId)}`
}

const MAX_TAGS = 3

export function TracesTable({
  experimentId,
  rows,
  runNames,
  order,
  onSort,
  busy,
}: {
  experimentId: string
  rows: readonly TraceRow[]
  runNames: ReadonlyMap<string, string>
  order: TracesOrder
  onSort: (field: OrderField) => void
  /** A newer page is loading: the rows shown are the last ones. */
  busy: boolean
}) {
  const sortHead = (field: OrderField, label: string) => {
    const active = order.field === field
    const sort = active ? (order.ascending ? 'ascending' : 'descending') : undefined
    return (
      <th scope="col" className="num" aria-sort={sort}>
        <button type="button" className="traces-sort" onClick={() => onSort(field)}>
          {label}
          <span className="traces-sort-arrow" aria-hidden="true">
            {active ? (order.ascending ? '▲' : '▼') : ''}
          </span>
          <span className="sr-only">
            {active ? `, sorted ${sort}; sort ${order.ascending ? 'descending' : 'ascending'}` : `, sort by ${label}`}
          </span>
        </button>
      </th>
    )
  }
  return (
    <div className="traces-table-wrap">
      <table className={`table traces-table${busy ? ' traces-busy' : ''}`} aria-busy={busy || undefined}>
        <caption className="sr-only">Traces of the experiment</caption>
        <thead>
          <tr>
            <th scope="col">Trace ID</th>
            <th scope="col">Name</th>
            <th scope="col">Request</th>
            <th scope="col">Response</th>
            <th scope="col">State</th>
            {sortHead('timestamp_ms', 'Request time')}
            {sortHead('execution_time_ms', 'Duration')}
            <th scope="col">Run</th>
            <th scope="col">Tags</th>
            <th scope="col" className="num">
              Assessments
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => {
            const tags = userTags(t.tags)
            return (
              <tr key={t.traceId} data-trace-id={t.traceId}>
                <td className="mono nowrap">
                  <Link to={tracePath(t.experimentId ?? experimentId, t.traceId)} title={t.traceId}>
                    {shortTraceId(t.traceId)}
                  </Link>
                </td>
                <td className="traces-name">{t.name ?? <span className="muted">—</span>}</td>
                <td className="traces-preview" title={t.requestPreview}>
                  <span>{t.requestPreview}</span>
                </td>
                <td className="traces-preview" title={t.responsePreview}>
                  <span>{t.responsePreview}</span>
                </td>
                <td>
                  <TraceStateBadge state={t.state} />
                </td>
                <td className="num nowrap" title={t.requestTimeMs ? formatAgo(t.requestTimeMs) : undefined}>
                  {formatTime(t.requestTimeMs)}
                </td>
                <td className="num nowrap">{formatMillis(t.durationMs)}</td>
                <td className="traces-run">
                  {t.runId ? (
                    <Link to={`/runs/${encodeURIComponent(t.runId)}`} title={`Run ${t.runId}`}>
                      {runNames.get(t.runId) ?? <span className="mono">{t.runId.slice(0, 8)}…</span>}
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  {tags.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <ul className="trace-tag-list">
                      {tags.slice(0, MAX_TAGS).map(([k, v]) => (
                        <li key={k} className="trace-tag" title={`${k} = ${v}`}>
                          {k}: {v}
                        </li>
                      ))}
                      {tags.length > MAX_TAGS && (
                        <li className="muted" title={tags.map(([k, v]) => `${k} = ${v}`).join('\n')}>
                          +{tags.length - MAX_TAGS} more
                        </li>
                      )}
                    </ul>
                  )}
                </td>
                <td
                  className="num"
                  title={t.assessments.length > 0 ? t.assessments.map((a) => a.name).join(', ') : undefined}
                >
                  {t.assessments.length}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
