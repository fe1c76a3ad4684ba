/**
 * The selected span: its exceptions first (what went wrong is what one looks for), then its
 * inputs and outputs as indented JSON, its status, attributes and events.
 */
import { formatMillis } from '../format'
import { compactJson, prettyJson } from './any-value'
import {
  SPAN_INPUTS_KEY,
  SPAN_OUTPUTS_KEY,
  type SpanNode,
  type SpanTree,
  exceptionsOf,
  nanosToMs,
  spanDurationMs,
} from './span-tree'
import { SpanStatusBadge, SpanTypeBadge } from './trace-badges'

/** Attributes shown in sections of their own (not again in the attributes' table). */
const SHOWN_ELSEWHERE = new Set([SPAN_INPUTS_KEY, SPAN_OUTPUTS_KEY])

export function SpanDetails({
  span,
  tree,
  onSelect,
}: {
  span: SpanNode
  tree: SpanTree
  /** Selects another span (the parent, from here). */
  onSelect: (spanId: string) => void
}) {
  const exceptions = exceptionsOf(span)
  const duration = spanDurationMs(span)
  const attributes = Object.entries(span.attributes).filter(([k]) => !SHOWN_ELSEWHERE.has(k))
  const parent = span.treeParent ? tree.byId.get(span.treeParent) : undefined
  const offset = (ns: bigint | undefined) => (ns === undefined ? '' : `+${formatMillis(nanosToMs(ns - tree.startNs))}`)
  return (
    <div className="span-details">
      <div className="span-details-head">
        <h2 id="span-title">{span.name}</h2>
        <SpanTypeBadge type={span.type} />
        <SpanStatusBadge status={span.status} />
      </div>
      <dl className="run-facts span-facts">
        <div>
          <dt>Span ID</dt>
          <dd className="mono">{span.spanId}</dd>
        </div>
        <div>
          <dt>Parent</dt>
          <dd>
            {parent ? (
              <button
                type="button"
                className="linkish"
                title={`Span ${parent.spanId}`}
                onClick={() => onSelect(parent.spanId)}
              >
                {parent.name}
              </button>
            ) : span.parentId ? (
              <span className="mono" title="The parent span is not in this trace">
                {span.parentId} <span className="muted">(missing)</span>
              </span>
            ) : (
              <span className="muted">none (root)</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{offset(span.startNs)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{duration === undefined ? 'still open' : formatMillis(duration)}</dd>
        </div>
      </dl>

      {exceptions.map((e, i) => (
        <section
          // biome-ignore lint/suspicious/noArrayIndexKey: a span's events never move; two exceptions may carry the same text
          key={i}
          className="span-exception"
          aria-label="Exception"
        >
          <h3>
            <span aria-hidden="true">⚠</span> {compactJson(e.attributes['exception.type'] ?? 'Exception')}
          </h3>
          {e.attributes['exception.message'] !== undefined && (
            <p className="span-exception-message">{compactJson(e.attributes['exception.message'])}</p>
          )}
          {e.attributes['exception.stacktrace'] !== undefined && (
            <details>
              <summary>Stack trace</summary>
              <pre className="json-block">{compactJson(e.attributes['exception.stacktrace'])}</pre>
            </details>
          )}
        </section>
      ))}
      {span.status === 'ERROR' && span.statusMessage && exceptions.length === 0 && (
        <section className="span-exception" aria-label="Error">
          <h3>
            <span aria-hidden="true">⚠</span> Error
          </h3>
          <p className="span-exception-message">{span.statusMessage}</p>
        </section>
      )}

      <h3>Inputs</h3>
      <JsonBlock value={span.inputs} none="No inputs recorded." />
      <h3>Outputs</h3>
      <JsonBlock value={span.outputs} none="No outputs recorded." />

      <h3>Status</h3>
      <p className="span-status">
        <SpanStatusBadge status={span.status} />{' '}
        {span.statusMessage ? span.statusMessage : <span className="muted">no message</span>}
      </p>

      <h3>
        Attributes <span className="count">{attributes.length}</span>
      </h3>
      {attributes.length === 0 ? (
        <p className="muted">No other attributes.</p>
      ) : (
        <AttributeTable entries={attributes} />
      )}

      <h3>
        Events <span className="count">{span.events.length}</span>
      </h3>
      {span.events.length === 0 ? (
        <p className="muted">No events.</p>
      ) : (
        <ol className="span-events">
          {span.events.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a span's events never move, and names repeat
            <li key={i} className={e.name === 'exception' ? 'span-event-exception' : undefined}>
              <div className="span-event-head">
                <strong>{e.name || '(unnamed)'}</strong>
                <span className="muted">{offset(e.timeNs)}</span>
              </div>
              {Object.keys(e.attributes).length > 0 && <AttributeTable entries={Object.entries(e.attributes)} />}
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}

function JsonBlock({ value, none }: { value: unknown; none: string }) {
  if (value === undefined) return <p className="muted">{none}</p>
  return <pre className="json-block">{prettyJson(value)}</pre>
}

/** Attributes as key and value: text as it is (line breaks kept), structured values as indented JSON. */
function AttributeTable({ entries }: { entries: readonly [string, unknown][] }) {
  return (
    <table className="kv span-attributes">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row" className="mono">
              {k}
            </th>
            <td className="mono">
              <pre className="json-inline">{typeof v === 'object' && v !== null ? prettyJson(v) : compactJson(v)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
