/**
 * Compiles search filters (the AST of src/search) into parameterised SQL. Values are always bound
 * parameters; the only raw text is comparators taken from the AST's closed set.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import type { Comparator, Comparison, FilterExpr, OrderByClause } from '../../search/index.js'
import type { DialectOps } from '../dialect.js'

export type Condition = RawBuilder<SqlBool>

/** AND/OR structure; each comparison is compiled by `leaf`. */
export function compileFilter(expr: FilterExpr, leaf: (c: Comparison) => Condition): Condition {
  if (expr.kind === 'comparison') return leaf(expr)
  const parts = expr.items.map((item) => compileFilter(item, leaf))
  return sql<SqlBool>`(${sql.join(parts, expr.kind === 'and' ? sql` AND ` : sql` OR `)})`
}

const BINARY: Partial<Record<Comparator, string>> = {
  '=': '=',
  '!=': '<>',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
}

/** `column <op> value` for every comparator except IS [NOT] NULL, which callers handle per entity. */
export function compare(column: Expression<unknown>, c: Comparison, ops: DialectOps): Condition {
  const { op, value } = c
  const binary = BINARY[op]
  if (binary !== undefined) {
    const bound = typeof value === 'number' ? ops.numberParam(value) : value
    return sql<SqlBool>`${column} ${sql.raw(binary)} ${bound}`
  }
  switch (op) {
    case 'LIKE':
      return ops.like(column, String(value))
    case 'ILIKE':
      return ops.ilike(column, String(value))
    case 'IN':
    case 'NOT IN': {
      const list = (Array.isArray(value) ? value : [value]) as readonly (string | number)[]
      return sql<SqlBool>`${column} ${sql.raw(op)} (${sql.join(list.map((v) => sql`${v}`))})`
    }
    default:
      throw new Error(`comparator ${op} must be handled by the caller`)
  }
}

/** Orders NULLs last in both directions, as MLflow does. */
export function nullsLast(column: Expression<unknown>, ascending: boolean): RawBuilder<unknown> {
  return sql`${column} IS NULL, ${column} ${sql.raw(ascending ? 'ASC' : 'DESC')}`
}

export type OrderTerm = RawBuilder<unknown>

export function orderTerms(
  clauses: readonly OrderByClause[],
  term: (clause: OrderByClause, index: number) => OrderTerm,
): OrderTerm[] {
  return clauses.map((c, i) => term(c, i))
}
