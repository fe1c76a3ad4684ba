/**
 * The traces views live in their URLs. The list: `filter` (MLflow's trace filter), `order`
 * (`timestamp_ms` or `execution_time_ms`, then ASC or DESC), `size` (traces a page) and `page`,
 * repeated: the page tokens that led to the page shown, so Previous goes back one and a shared
 * link opens the same page. The trace: `span` (the selected span's id) and `collapsed` (spans
 * whose children are hidden, comma-separated).
 */

export const ORDER_FIELDS = ['timestamp_ms', 'execution_time_ms'] as const
export type OrderField = (typeof ORDER_FIELDS)[number]

export interface TracesOrder {
  readonly field: OrderField
  readonly ascending: boolean
}

export const PAGE_SIZES = [10, 25, 50, 100] as const
export const DEFAULT_SIZE = 25
export const DEFAULT_ORDER: TracesOrder = { field: 'timestamp_ms', ascending: false }

export interface TracesView {
  readonly filter: string
  readonly order: TracesOrder
  readonly size: number
  /** The page tokens from the first page to the one shown (empty: the first page). */
  readonly pages: readonly string[]
}

export function orderByTerm(order: TracesOrder): string {
  return `${order.field} ${order.ascending ? 'ASC' : 'DESC'}`
}

function parseOrder(text: string | null): TracesOrder {
  const m = /^(\w+)(?:\s+(ASC|DESC))?$/i.exec(text?.trim() ?? '')
  const field = ORDER_FIELDS.find((f) => f === m?.[1])
  if (!m || !field) return DEFAULT_ORDER
  return { field, ascending: m[2]?.toUpperCase() === 'ASC' }
}

export function readTracesView(params: URLSearchParams): TracesView {
  const size = Number(params.get('size'))
  return {
    filter: params.get('filter') ?? '',
    order: parseOrder(params.get('order')),
    size: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_SIZE,
    pages: params.getAll('page').filter((p) => p !== ''),
  }
}

/** The query string of a view: only what differs from the defaults. */
export function writeTracesView(view: TracesView): URLSearchParams {
  const p = new URLSearchParams()
  if (view.filter) p.set('filter', view.filter)
  if (view.order.field !== DEFAULT_ORDER.field || view.order.ascending !== DEFAULT_ORDER.ascending)
    p.set('order', orderByTerm(view.order))
  if (view.size !== DEFAULT_SIZE) p.set('size', String(view.size))
  for (const token of view.pages) p.append('page', token)
  return p
}

/** The trace page's view: the selected span and the collapsed ones. */
export interface TraceView {
  readonly span: string | undefined
  readonly collapsed: ReadonlySet<string>
}

export function readTraceView(params: URLSearchParams): TraceView {
  return {
    span: params.get('span') || undefined,
    collapsed: new Set((params.get('collapsed') ?? '').split(',').filter((s) => s !== '')),
  }
}

export function writeTraceView(view: TraceView): URLSearchParams {
  const p = new URLSearchParams()
  if (view.span) p.set('span', view.span)
  if (view.collapsed.size > 0) p.set('collapsed', [...view.collapsed].join(','))
  return p
}
