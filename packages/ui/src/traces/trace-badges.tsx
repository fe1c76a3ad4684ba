/** A trace's state and a span's type as badges: the text carries the meaning, the colour helps. */
import type { TraceState } from '@keel/contracts'
import type { SpanStatus } from './span-tree'

const STATE: Record<TraceState, { className: string; label: string }> = {
  OK: { className: 'badge badge-ok', label: 'OK' },
  ERROR: { className: 'badge badge-danger', label: 'Error' },
  IN_PROGRESS: { className: 'badge trace-in-progress', label: 'In progress' },
  STATE_UNSPECIFIED: { className: 'badge badge-muted', label: 'Unspecified' },
}

export function TraceStateBadge({ state }: { state: TraceState }) {
  const { className, label } = STATE[state]
  return (
    <span className={className} data-state={state}>
      {state === 'IN_PROGRESS' && <span className="trace-live-dot" aria-hidden="true" />}
      {label}
    </span>
  )
}

const SPAN_STATUS: Record<SpanStatus, { className: string; label: string }> = {
  OK: { className: 'badge badge-ok', label: 'OK' },
  ERROR: { className: 'badge badge-danger', label: 'Error' },
  UNSET: { className: 'badge badge-muted', label: 'Unset' },
}

export function SpanStatusBadge({ status }: { status: SpanStatus }) {
  const { className, label } = SPAN_STATUS[status]
  return <span className={className}>{label}</span>
}

/** MLflow's span types that have a colour of their own; any other type is grey. */
const TYPE_CLASSES = new Set([
  'LLM',
  'CHAT_MODEL',
  'CHAIN',
  'AGENT',
  'TOOL',
  'RETRIEVER',
  'EMBEDDING',
  'RERANKER',
  'PARSER',
])

export function SpanTypeBadge({ type }: { type: string }) {
  const known = TYPE_CLASSES.has(type) ? type.toLowerCase().replace(/_/g, '-') : 'other'
  return (
    <span className={`span-type span-type-${known}`} title={`Span type ${type}`}>
      {type}
    </span>
  )
}
