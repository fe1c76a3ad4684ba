/**
 * Narrows a search to what the caller may read: the parsed filter ANDed with `key IN (readable)`
 * or `key NOT IN (denied)`, so the store's own query does the work and pages stay full.
 */
import type { Comparison, FilterExpr } from './filter-ast.js'

/** Which ids a caller may see: `only` these (when set), and never those in `except`. */
export interface Readable {
  readonly only?: readonly string[]
  readonly except: readonly string[]
}

/** The filter restricted to readable ids; `'none'` when nothing is readable. */
export function restrictFilter(
  filter: FilterExpr | undefined,
  key: string,
  readable: Readable | undefined,
): FilterExpr | undefined | 'none' {
  if (readable === undefined) return filter
  const conditions: Comparison[] = []
  if (readable.only !== undefined) {
    if (readable.only.length === 0) return 'none'
    conditions.push({ kind: 'comparison', entity: 'attribute', key, op: 'IN', value: readable.only, position: 0 })
  }
  if (readable.except.length > 0)
    conditions.push({ kind: 'comparison', entity: 'attribute', key, op: 'NOT IN', value: readable.except, position: 0 })
  if (conditions.length === 0) return filter
  return { kind: 'and', items: [...(filter ? [filter] : []), ...conditions] }
}

/** The requested ids a caller may read (searches over experiment ids). */
export function readableIds(ids: readonly string[], readable: Readable | undefined): string[] {
  if (readable === undefined) return [...ids]
  return ids.filter(
    (id) => (readable.only === undefined || readable.only.includes(id)) && !readable.except.includes(id),
  )
}
