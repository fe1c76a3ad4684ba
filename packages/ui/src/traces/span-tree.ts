/**
 * A trace's spans (OpenTelemetry's Span in proto-JSON, as GET /traces/get answers) as a tree for
 * the trace page: ids in hex, times in nanoseconds (BigInt: epoch nanoseconds do not fit a double),
 * MLflow's span type, inputs and outputs read from their attributes. A span whose parent is not in
 * the trace, or that would close a cycle of parents, is a root; siblings are in order of start.
 */
import { decodeAttributes, mlflowValue } from './any-value'

/** A span as the server sends it (the fields the UI reads; snake_case proto-JSON). */
export interface WireSpan {
  readonly span_id: string
  readonly parent_span_id?: string | undefined
  readonly name: string
  readonly start_time_unix_nano: string | number
  readonly end_time_unix_nano?: string | number | undefined
  readonly attributes?: readonly { readonly key: string; readonly value?: unknown }[] | undefined
  readonly events?: readonly Readonly<Record<string, unknown>>[] | undefined
  readonly status?: { readonly code?: string | undefined; readonly message?: string | undefined } | undefined
}

export type SpanStatus = 'OK' | 'ERROR' | 'UNSET'

export interface SpanEventView {
  readonly name: string
  readonly timeNs: bigint | undefined
  readonly attributes: Readonly<Record<string, unknown>>
}

export interface SpanView {
  /** 16 hex digits. */
  readonly spanId: string
  /** The parent the span names (hex), whether or not it is in the trace. */
  readonly parentId: string | undefined
  readonly name: string
  /** MLflow's span type (`mlflow.spanType`), UNKNOWN without one. */
  readonly type: string
  readonly startNs: bigint
  /** Absent while the span is still open. */
  readonly endNs: bigint | undefined
  readonly status: SpanStatus
  readonly statusMessage: string
  /** Every attribute, decoded (MLflow's own as the JSON they hold). */
  readonly attributes: Readonly<Record<string, unknown>>
  /** `mlflow.spanInputs`, decoded; undefined when the span has none. */
  readonly inputs: unknown
  readonly outputs: unknown
  readonly events: readonly SpanEventView[]
}

export interface SpanNode extends SpanView {
  /** The parent in the tree (undefined for a root). */
  readonly treeParent: string | undefined
  readonly depth: number
  readonly children: readonly SpanNode[]
}

export interface SpanTree {
  readonly roots: readonly SpanNode[]
  readonly byId: ReadonlyMap<string, SpanNode>
  /** The earliest start and the latest end (or start, for open spans) of all the spans. */
  readonly startNs: bigint
  readonly endNs: bigint
}

export const SPAN_TYPE_KEY = 'mlflow.spanType'
export const SPAN_INPUTS_KEY = 'mlflow.spanInputs'
export const SPAN_OUTPUTS_KEY = 'mlflow.spanOutputs'

/** Proto-JSON bytes (base64) as hex; an id already in hex (16 or 32 digits) is kept. */
export function idToHex(id: string): string {
  if (/^(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/.test(id)) return id.toLowerCase()
  try {
    const binary = atob(id.replace(/-/g, '+').replace(/_/g, '/'))
    let hex = ''
    for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0')
    return hex
  } catch {
    return id
  }
}

/** Nanoseconds from a decimal string or a number; undefined for anything else. */
export function toNanos(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? BigInt(Math.round(value)) : undefined
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value)
  return undefined
}

/** A span's status code, however it is spelled (`STATUS_CODE_ERROR`, `ERROR`, 2). */
export function statusOf(code: unknown): SpanStatus {
  const text = String(code ?? '').replace(/^STATUS_CODE_/, '')
  if (text === 'OK' || text === '1') return 'OK'
  if (text === 'ERROR' || text === '2') return 'ERROR'
  return 'UNSET'
}

function typeOf(attributes: Readonly<Record<string, unknown>>): string {
  const type = mlflowValue(attributes[SPAN_TYPE_KEY])
  return typeof type === 'string' && type !== '' ? type : 'UNKNOWN'
}

function eventOf(event: Readonly<Record<string, unknown>>): SpanEventView {
  const attributes = event.attributes
  return {
    name: typeof event.name === 'string' ? event.name : '',
    timeNs: toNanos(event.time_unix_nano ?? event.timeUnixNano),
    attributes: decodeAttributes(Array.isArray(attributes) ? attributes : []),
  }
}

/** One span as the UI shows it; `fallbackStartNs` stands in for a start the span lacks. */
export function spanFromWire(span: WireSpan, fallbackStartNs = 0n): SpanView {
  const decoded = decodeAttributes(span.attributes)
  const attributes: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(decoded))
    attributes[key] = key.startsWith('mlflow.') ? mlflowValue(value) : value
  const parent = span.parent_span_id ? idToHex(span.parent_span_id) : undefined
  return {
    spanId: idToHex(span.span_id),
    parentId: parent && !/^0+$/.test(parent) ? parent : undefined,
    name: span.name,
    type: typeOf(attributes),
    startNs: toNanos(span.start_time_unix_nano) ?? fallbackStartNs,
    endNs: toNanos(span.end_time_unix_nano),
    status: statusOf(span.status?.code),
    statusMessage: span.status?.message ?? '',
    attributes,
    inputs: SPAN_INPUTS_KEY in attributes ? attributes[SPAN_INPUTS_KEY] : undefined,
    outputs: SPAN_OUTPUTS_KEY in attributes ? attributes[SPAN_OUTPUTS_KEY] : undefined,
    events: (span.events ?? []).map(eventOf),
  }
}

const byStart = (a: SpanView, b: SpanView) =>
  a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0

/** The spans as a tree; a repeated span id keeps its first span. */
export function buildSpanTree(spans: readonly WireSpan[]): SpanTree {
  let earliest: bigint | undefined
  for (const s of spans) {
    const start = toNanos(s.start_time_unix_nano)
    if (start !== undefined && (earliest === undefined || start < earliest)) earliest = start
  }
  const views = new Map<string, SpanView>()
  for (const s of spans) {
    const view = spanFromWire(s, earliest ?? 0n)
    if (!views.has(view.spanId)) views.set(view.spanId, view)
  }

  // Each span's parent in the tree: one in the trace, and never one that leads back to itself.
  const parentOf = new Map<string, string | undefined>()
  for (const [id, v] of views)
    parentOf.set(id, v.parentId && v.parentId !== id && views.has(v.parentId) ? v.parentId : undefined)
  const state = new Map<string, 'path' | 'done'>()
  for (const id of views.keys()) {
    const path: string[] = []
    let at: string | undefined = id
    while (at !== undefined && state.get(at) !== 'done') {
      if (state.get(at) === 'path') {
        parentOf.set(at, undefined) // the cycle is cut here: this span becomes a root
        break
      }
      state.set(at, 'path')
      path.push(at)
      at = parentOf.get(at)
    }
    for (const p of path) state.set(p, 'done')
  }

  const childrenOf = new Map<string | undefined, SpanView[]>()
  for (const [id, v] of views) {
    const parent = parentOf.get(id)
    const list = childrenOf.get(parent)
    if (list) list.push(v)
    else childrenOf.set(parent, [v])
  }
  for (const list of childrenOf.values()) list.sort(byStart)

  const byId = new Map<string, SpanNode>()
  const build = (view: SpanView, depth: number): SpanNode => {
    const children: SpanNode[] = []
    const node: SpanNode = { ...view, treeParent: parentOf.get(view.spanId), depth, children }
    byId.set(view.spanId, node)
    for (const child of childrenOf.get(view.spanId) ?? []) children.push(build(child, depth + 1))
    return node
  }
  const roots = (childrenOf.get(undefined) ?? []).map((v) => build(v, 0))

  let startNs: bigint | undefined
  let endNs: bigint | undefined
  for (const v of views.values()) {
    const end = v.endNs ?? v.startNs
    if (startNs === undefined || v.startNs < startNs) startNs = v.startNs
    if (endNs === undefined || end > endNs) endNs = end
  }
  return { roots, byId, startNs: startNs ?? 0n, endNs: endNs ?? 0n }
}

export interface SpanRow {
  readonly span: SpanNode
  readonly hasChildren: boolean
  readonly expanded: boolean
}

/** The rows the tree shows, top to bottom: every span but those under a collapsed one. */
export function visibleRows(roots: readonly SpanNode[], collapsed: ReadonlySet<string>): SpanRow[] {
  const rows: SpanRow[] = []
  const stack = [...roots].reverse()
  while (stack.length > 0) {
    const span = stack.pop()!
    const hasChildren = span.children.length > 0
    const expanded = hasChildren && !collapsed.has(span.spanId)
    rows.push({ span, hasChildren, expanded })
    if (expanded) for (let i = span.children.length - 1; i >= 0; i--) stack.push(span.children[i]!)
  }
  return rows
}

/** Milliseconds between two nanosecond times (fractions kept). */
export function nanosToMs(ns: bigint): number {
  return Number(ns) / 1e6
}

/** How long a span took in milliseconds; undefined while it is open. */
export function spanDurationMs(span: Pick<SpanView, 'startNs' | 'endNs'>): number | undefined {
  return span.endNs === undefined ? undefined : nanosToMs(span.endNs - span.startNs)
}

/**
 * Where a span's bar sits on the trace's timeline, as fractions of the trace's length: `offset`
 * from the trace's start, `width` its length (an open span reaches the trace's end).
 */
export function spanBar(
  span: Pick<SpanView, 'startNs' | 'endNs'>,
  trace: Pick<SpanTree, 'startNs' | 'endNs'>,
): { offset: number; width: number } {
  const total = Number(trace.endNs - trace.startNs)
  if (total <= 0) return { offset: 0, width: 1 }
  const clamp = (x: number) => Math.min(1, Math.max(0, x))
  const offset = clamp(Number(span.startNs - trace.startNs) / total)
  const end = span.endNs ?? trace.endNs
  return { offset, width: clamp(Math.min(1 - offset, Number(end - span.startNs) / total)) }
}

/** The exception events of a span (OpenTelemetry's `exception` event, as MLflow records one). */
export function exceptionsOf(span: Pick<SpanView, 'events'>): SpanEventView[] {
  return span.events.filter((e) => e.name === 'exception')
}
