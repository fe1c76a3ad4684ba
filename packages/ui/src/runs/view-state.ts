/**
 * The runs page's view lives in its URL query string, so that any view can be shared:
 * `filter` (MLflow's filter language), `order` (one order_by term, e.g. `metrics.acc DESC`),
 * `cols` (column ids, comma-separated), `group` (a param key), `sel` (selected run ids) and `live`.
 */
export type Entity = 'attributes' | 'metrics' | 'params' | 'tags'

/** A column of the runs table: `metrics.acc`, `params.lr`, `tags.team`, `attributes.status`. */
export interface ColumnId {
  readonly entity: Entity
  readonly key: string
}

export interface OrderBy {
  readonly column: ColumnId
  readonly ascending: boolean
}

export interface RunsView {
  readonly filter: string
  readonly order: OrderBy | undefined
  /** undefined: the default columns (chosen once the experiment's keys are known). */
  readonly columns: readonly ColumnId[] | undefined
  readonly group: string | undefined
  readonly selection: ReadonlySet<string>
  readonly live: boolean
}

const ENTITIES: readonly Entity[] = ['attributes', 'metrics', 'params', 'tags']

export function columnKey(c: ColumnId): string {
  return `${c.entity}.${c.key}`
}

export function parseColumn(text: string): ColumnId | undefined {
  const dot = text.indexOf('.')
  if (dot <= 0) return undefined
  const entity = text.slice(0, dot) as Entity
  const key = text.slice(dot + 1)
  return ENTITIES.includes(entity) && key !== '' ? { entity, key } : undefined
}

/** The order_by term the API takes; keys other than plain identifiers go in backticks. */
export function orderByTerm(o: OrderBy): string {
  const key = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(o.column.key) ? o.column.key : `\`${o.column.key}\``
  return `${o.column.entity}.${key} ${o.ascending ? 'ASC' : 'DESC'}`
}

function parseOrder(text: string | null): OrderBy | undefined {
  if (!text) return undefined
  const m = /^(.*?)\s+(ASC|DESC)$/i.exec(text.trim())
  const column = parseColumn((m ? m[1]! : text).replace(/`/g, ''))
  if (!column) return undefined
  return { column, ascending: m ? m[2]!.toUpperCase() === 'ASC' : true }
}

const list = (text: string | null): string[] => (text ? text.split(',').filter((s) => s !== '') : [])

export function readView(params: URLSearchParams): RunsView {
  const cols = params.get('cols')
  return {
    filter: params.get('filter') ?? '',
    order: parseOrder(params.get('order')),
    columns: cols === null ? undefined : list(cols).flatMap((c) => parseColumn(c) ?? []),
    group: params.get('group') || undefined,
    selection: new Set(list(params.get('sel'))),
    live: params.get('live') === '1',
  }
}

/** The query string of a view; only what differs from the defaults. */
export function writeView(view: RunsView): URLSearchParams {
  const p = new URLSearchParams()
  if (view.filter) p.set('filter', view.filter)
  if (view.order) p.set('order', `${columnKey(view.order.column)} ${view.order.ascending ? 'ASC' : 'DESC'}`)
  if (view.columns) p.set('cols', view.columns.map(columnKey).join(','))
  if (view.group) p.set('group', view.group)
  if (view.selection.size > 0) p.set('sel', [...view.selection].join(','))
  if (view.live) p.set('live', '1')
  return p
}
