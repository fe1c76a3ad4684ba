/**
 * The parsed form of a search filter and of an order_by clause. The SQL compiler consumes these
 * types, so their shape is part of the search module's contract.
 */
/** metadata, span, feedback and expectation appear in trace filters only. */
export type FilterEntity =
  | 'metric'
  | 'param'
  | 'tag'
  | 'attribute'
  | 'dataset'
  | 'metadata'
  | 'span'
  | 'feedback'
  | 'expectation'

export type Comparator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL'

export interface Comparison {
  readonly kind: 'comparison'
  readonly entity: FilterEntity
  /** Canonical key: aliases resolved, e.g. 'start_time' for 'created', 'run_name' for 'run name'. */
  readonly key: string
  readonly op: Comparator
  /** null for IS [NOT] NULL; string[] for IN lists. */
  readonly value: string | number | readonly string[] | null
  /** Offset of the comparison in the filter text. */
  readonly position: number
}

export interface BoolExpr {
  readonly kind: 'and' | 'or'
  readonly items: readonly FilterExpr[]
}

export type FilterExpr = Comparison | BoolExpr

export interface OrderByClause {
  readonly entity: FilterEntity
  readonly key: string
  readonly ascending: boolean
}
