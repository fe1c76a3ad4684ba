/**
 * search-traces in SQL: the filter (src/search's AST under TRACE_SEARCH) as conditions on
 * `traces t`, tags, metadata, spans and assessments as EXISTS sub-queries; the order as terms
 * ending in the trace id, so pages never overlap.
 */
import { TRACE_KEYS } from '@keel/contracts'
import { type RawBuilder, sql } from 'kysely'
import type { Comparison, FilterExpr } from '../../search/index.js'
import type { TraceOrder } from '../../tracing/trace-store.js'
import type { DialectOps } from '../dialect.js'
import { type Condition, compare, compileFilter } from '../tracking/filter-sql.js'

const tagValue = (key: string) =>
  sql`(SELECT tg.value FROM trace_tags tg WHERE tg.trace_id = t.trace_id AND tg.key = ${key})`
const metadataValue = (key: string) =>
  sql`(SELECT md.value FROM trace_metadata md WHERE md.trace_id = t.trace_id AND md.key = ${key})`

const COLUMNS: Readonly<Record<string, RawBuilder<unknown>>> = {
  request_id: sql.ref('t.trace_id'),
  timestamp_ms: sql.ref('t.request_time'),
  execution_time_ms: sql.ref('t.execution_duration'),
  end_time_ms: sql`(t.request_time + t.execution_duration)`,
  status: sql.ref('t.state'),
  client_request_id: sql.ref('t.client_request_id'),
  experiment_id: sql.ref('t.experiment_id'),
}

function keyed(table: 'trace_tags' | 'trace_metadata', c: Comparison, ops: DialectOps): Condition {
  const exists = (cond?: Condition) =>
    sql<boolean>`EXISTS (SELECT 1 FROM ${sql.table(table)} kv WHERE kv.trace_id = t.trace_id AND kv.key = ${c.key}${
      cond ? sql` AND ${cond}` : sql``
    })`
  if (c.op === 'IS NULL') return sql<boolean>`NOT ${exists()}`
  if (c.op === 'IS NOT NULL') return exists()
  return exists(compare(sql.ref('kv.value'), c, ops))
}

/** A trace's run: the run it was recorded in (metadata) or one it was linked to. */
function runCondition(c: Comparison, ops: DialectOps): Condition {
  const recorded = sql<boolean>`EXISTS (SELECT 1 FROM trace_metadata kv WHERE kv.trace_id = t.trace_id AND kv.key = ${
    TRACE_KEYS.sourceRun
  } AND ${compare(sql.ref('kv.value'), c, ops)})`
  const linked = sql<boolean>`EXISTS (SELECT 1 FROM trace_run_links rl WHERE rl.trace_id = t.trace_id AND ${compare(
    sql.ref('rl.run_id'),
    c,
    ops,
  )})`
  return sql<boolean>`(${recorded} OR ${linked})`
}

function attribute(c: Comparison, ops: DialectOps): Condition {
  switch (c.key) {
    case 'name':
      return keyed('trace_tags', { ...c, key: TRACE_KEYS.traceName }, ops)
    case 'prompt':
      return keyed('trace_tags', { ...c, key: 'mlflow.linkedPrompts' }, ops)
    case 'run_id':
      return runCondition(c, ops)
    case 'text':
      return sql<boolean>`EXISTS (SELECT 1 FROM trace_spans sp WHERE sp.trace_id = t.trace_id AND ${compare(sql.ref('sp.content'), c, ops)})`
  }
  const column = Object.hasOwn(COLUMNS, c.key) ? COLUMNS[c.key] : undefined
  if (!column) throw new Error(`trace attribute ${c.key} has no column`)
  return compare(column as RawBuilder<unknown>, c, ops)
}

const SPAN_COLUMNS: Readonly<Record<string, string>> = {
  name: 'sp.name',
  type: 'sp.span_type',
  status: 'sp.status',
  content: 'sp.content',
}

function comparison(c: Comparison, ops: DialectOps): Condition {
  switch (c.entity) {
    case 'tag':
      return keyed('trace_tags', c, ops)
    case 'metadata':
      return keyed('trace_metadata', c, ops)
    case 'attribute':
      return attribute(c, ops)
    case 'span': {
      const column = Object.hasOwn(SPAN_COLUMNS, c.key) ? SPAN_COLUMNS[c.key]! : 'sp.name'
      return sql<boolean>`EXISTS (SELECT 1 FROM trace_spans sp WHERE sp.trace_id = t.trace_id AND ${compare(sql.ref(column), c, ops)})`
    }
    case 'feedback':
    case 'expectation': {
      const exists = (cond?: Condition) =>
        sql<boolean>`EXISTS (SELECT 1 FROM trace_assessments a WHERE a.trace_id = t.trace_id AND a.kind = ${c.entity} AND a.name = ${c.key}${
          cond ? sql` AND ${cond}` : sql``
        })`
      if (c.op === 'IS NULL') return sql<boolean>`NOT ${exists()}`
      if (c.op === 'IS NOT NULL') return exists()
      // The value as JSON text: 'yes' matches the string "yes", as well as true, 5 or 0.5 as written.
      const text = typeof c.value === 'string' ? c.value : String(c.value)
      const asJson = JSON.stringify(text)
      if (c.op === '=' || c.op === '!=') {
        const same = sql<boolean>`(a.value = ${asJson} OR a.value = ${text})`
        return exists(c.op === '=' ? same : sql<boolean>`NOT ${same}`)
      }
      return exists(compare(sql.ref('a.value'), c, ops))
    }
    default:
      throw new Error(`trace filters have no ${c.entity} entity`)
  }
}

export function traceFilterSql(filter: FilterExpr, ops: DialectOps): Condition {
  return compileFilter(filter, (c) => comparison(c, ops))
}

/** ORDER BY terms: the asked ones (NULLs last), then newest first, then the id. */
export function traceOrderSql(orderBy: readonly TraceOrder[]): RawBuilder<unknown>[] {
  const terms: RawBuilder<unknown>[] = []
  const columnOf = (key: TraceOrder['key']): RawBuilder<unknown> =>
    key === 'name'
      ? tagValue(TRACE_KEYS.traceName)
      : key === 'run_id'
        ? metadataValue(TRACE_KEYS.sourceRun)
        : COLUMNS[key]!
  for (const o of orderBy) {
    const column = columnOf(o.key)
    terms.push(sql`${column} IS NULL`, sql`${column} ${sql.raw(o.ascending ? 'ASC' : 'DESC')}`)
  }
  if (!orderBy.some((o) => o.key === 'timestamp_ms')) terms.push(sql`t.request_time DESC`)
  terms.push(sql`t.trace_id ASC`)
  return terms
}
