/**
 * search-runs in SQL: one query selects the ids of a page (filters as EXISTS sub-queries, order
 * terms as LEFT JOINs on the latest metric, param or tag), then run-loader fetches the page.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Comparison, FilterExpr, OrderByClause } from '../../search/index.js'
import type { RunSearchQuery } from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { compare, compileFilter, type Condition } from './filter-sql.js'
import { toExperimentKey } from './sql-experiment-store.js'

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'runs.run_uuid',
  run_name: 'runs.name',
  user_id: 'runs.user_id',
  status: 'runs.status',
  artifact_uri: 'runs.artifact_uri',
  start_time: 'runs.start_time',
  end_time: 'runs.end_time',
  lifecycle_stage: 'runs.lifecycle_stage',
}

function attributeColumn(key: string) {
  const column = ATTRIBUTE_COLUMNS[key]
  if (!column) throw new Error(`run attribute ${key} has no column`)
  return sql.ref(column)
}

/**
 * Filters on metrics, params, tags and datasets select the matching run ids in a sub-query that
 * reads the (key, value, run_uuid) index, instead of probing every run of the experiments: the
 * database evaluates `run_uuid IN (…)` once.
 */
function runsWhere(subquery: RawBuilder<unknown>, negate = false): Condition {
  return sql<boolean>`runs.run_uuid ${sql.raw(negate ? 'NOT IN' : 'IN')} (${subquery})`
}

function keyed(table: 'params' | 'tags', c: Comparison, ops: DialectOps): Condition {
  const withKey = (cond?: Condition) =>
    sql`SELECT kv.run_uuid FROM ${sql.table(table)} kv WHERE kv.key = ${c.key}${cond ? sql` AND ${cond}` : sql``}`
  if (c.op === 'IS NULL') return runsWhere(withKey(), true)
  if (c.op === 'IS NOT NULL') return runsWhere(withKey())
  return runsWhere(withKey(compare(sql.ref('kv.value'), c, ops)))
}

function comparison(c: Comparison, ops: DialectOps): Condition {
  switch (c.entity) {
    case 'metric': {
      const withKey = (cond?: Condition) =>
        sql`SELECT lm.run_uuid FROM latest_metrics lm WHERE lm.key = ${c.key}${cond ? sql` AND ${cond}` : sql``}`
      if (c.op === 'IS NULL') return runsWhere(withKey(), true)
      if (c.op === 'IS NOT NULL') return runsWhere(withKey())
      return runsWhere(withKey(sql`lm.is_nan = 0 AND ${compare(sql.ref('lm.value'), c, ops)}`))
    }
    case 'param':
      return keyed('params', c, ops)
    case 'tag':
      return keyed('tags', c, ops)
    case 'dataset': {
      const column = sql.ref(c.key === 'context' ? 'i.context' : c.key === 'digest' ? 'd.digest' : 'd.name')
      return runsWhere(
        sql`SELECT i.run_uuid FROM run_dataset_inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid WHERE ${compare(column, c, ops)}`,
      )
    }
    case 'attribute':
      if (c.op === 'IS NULL') return sql`${attributeColumn(c.key)} IS NULL`
      if (c.op === 'IS NOT NULL') return sql`${attributeColumn(c.key)} IS NOT NULL`
      return compare(attributeColumn(c.key), c, ops)
  }
}

interface OrderPlan {
  joins: RawBuilder<unknown>[]
  terms: RawBuilder<unknown>[]
}

function planOrder(orderBy: readonly OrderByClause[]): OrderPlan {
  const plan: OrderPlan = { joins: [], terms: [] }
  orderBy.forEach((clause, i) => {
    const dir = sql.raw(clause.ascending ? 'ASC' : 'DESC')
    const alias = sql.raw(`o${i}`)
    if (clause.entity === 'attribute') {
      const col = attributeColumn(clause.key)
      plan.terms.push(sql`${col} IS NULL`, sql`${col} ${dir}`)
      return
    }
    if (clause.entity === 'metric') {
      plan.joins.push(
        sql`LEFT JOIN latest_metrics ${alias} ON ${alias}.run_uuid = runs.run_uuid AND ${alias}.key = ${clause.key}`,
      )
      // NULLs (no such metric) last; NaN after numbers and before NULLs, as MLflow orders them.
      plan.terms.push(sql`${alias}.value IS NULL`, sql`${alias}.is_nan`, sql`${alias}.value ${dir}`)
      return
    }
    const table = sql.table(clause.entity === 'param' ? 'params' : 'tags')
    plan.joins.push(
      sql`LEFT JOIN ${table} ${alias} ON ${alias}.run_uuid = runs.run_uuid AND ${alias}.key = ${clause.key}`,
    )
    plan.terms.push(sql`${alias}.value IS NULL`, sql`${alias}.value ${dir}`)
  })
  // MLflow's implicit tail: newest first, then by id (pagination relies on a total order).
  plan.terms.push(sql`runs.start_time DESC`, sql`runs.run_uuid ASC`)
  return plan
}

const KEYED_TABLES = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const

/**
 * A comparison ANDed at the top of the filter on a metric, param or tag becomes an inner join on
 * that table's (run, key) row, which is unique per run, so the join keeps the semantics of
 * EXISTS. As joins, the database's planner can start from the most selective condition (a param's
 * value on its (key, value) index) instead of testing every run of the experiments.
 */
function joinable(c: FilterExpr): c is Comparison & { entity: keyof typeof KEYED_TABLES } {
  return c.kind === 'comparison' && c.entity in KEYED_TABLES && c.op !== 'IS NULL' && c.op !== 'IS NOT NULL'
}

function filterJoins(
  filter: FilterExpr | undefined,
  ops: DialectOps,
): { joins: RawBuilder<unknown>[]; rest: FilterExpr[] } {
  const items = filter === undefined ? [] : filter.kind === 'and' ? filter.items : [filter]
  const joins: RawBuilder<unknown>[] = []
  const rest: FilterExpr[] = []
  for (const item of items) {
    if (!joinable(item)) {
      rest.push(item)
      continue
    }
    const alias = sql.raw(`f${joins.length}`)
    const value = sql.ref(`f${joins.length}.value`)
    const cond =
      item.entity === 'metric' ? sql`${alias}.is_nan = 0 AND ${compare(value, item, ops)}` : compare(value, item, ops)
    joins.push(
      sql`JOIN ${sql.table(KEYED_TABLES[item.entity])} ${alias} ON ${alias}.run_uuid = runs.run_uuid AND ${alias}.key = ${item.key} AND ${cond}`,
    )
  }
  return { joins, rest }
}

/** Ids of the runs of the requested page, plus one more if there is a next page. */
export async function searchRunIds(db: Kysely<Database>, ops: DialectOps, query: RunSearchQuery): Promise<string[]> {
  const experimentKeys = query.experimentIds.flatMap((id) => {
    const key = toExperimentKey(id)
    return key === undefined ? [] : [key]
  })
  if (experimentKeys.length === 0) return []
  const where: Condition[] = [sql`runs.experiment_id IN (${sql.join(experimentKeys)})`]
  if (query.viewType !== 'ALL') {
    where.push(sql`runs.lifecycle_stage = ${query.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted'}`)
  }
  const filtered = filterJoins(query.filter, ops)
  for (const item of filtered.rest) where.push(compileFilter(item, (c) => comparison(c, ops)))
  const only = query.orderBy.length === 1 ? query.orderBy[0] : undefined
  if (only?.entity === 'metric') return searchByMetric(db, filtered.joins, where, only, query.offset, query.limit + 1)
  const order = planOrder(query.orderBy)
  const joins = [...filtered.joins, ...order.joins]
  const result = await sql<{
    run_uuid: string
  }>`SELECT runs.run_uuid FROM runs ${joins.length > 0 ? sql.join(joins, sql` `) : sql``}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${sql.join(order.terms)}
    LIMIT ${query.limit + 1} OFFSET ${query.offset}`.execute(db)
  return result.rows.map((r) => r.run_uuid)
}

/**
 * Ordered by one metric (the runs table's most common sort), read in three segments in MLflow's
 * order: runs with a number, walked in order on the (key, value, run_uuid) index of latest_metrics
 * so that a page costs its own rows and not a sort of every run; then runs whose value is NaN; then
 * runs without the metric. Each segment is counted only when the page reaches past it.
 */
async function searchByMetric(
  db: Kysely<Database>,
  filterJoins: readonly RawBuilder<unknown>[],
  where: readonly Condition[],
  clause: OrderByClause,
  offset: number,
  want: number,
): Promise<string[]> {
  const joins = filterJoins.length > 0 ? sql.join(filterJoins, sql` `) : sql``
  const base = sql.join(where, sql` AND `)
  const tail = sql`runs.start_time DESC, runs.run_uuid ASC`
  // CROSS JOIN keeps latest_metrics as the outer loop in SQLite, so the index gives the order.
  const numbers = sql`FROM latest_metrics o CROSS JOIN runs ${joins}
    WHERE o.run_uuid = runs.run_uuid AND o.key = ${clause.key} AND o.is_nan = 0 AND ${base}`
  const nans = sql`FROM latest_metrics o CROSS JOIN runs ${joins}
    WHERE o.run_uuid = runs.run_uuid AND o.key = ${clause.key} AND o.is_nan = 1 AND ${base}`
  const missing = sql`FROM runs ${joins} WHERE ${base}
    AND NOT EXISTS (SELECT 1 FROM latest_metrics o WHERE o.run_uuid = runs.run_uuid AND o.key = ${clause.key})`
  const segments = [
    { from: numbers, order: sql`o.value ${sql.raw(clause.ascending ? 'ASC' : 'DESC')}, ${tail}` },
    { from: nans, order: tail },
    { from: missing, order: tail },
  ]
  const out: string[] = []
  let skip = offset
  for (const segment of segments) {
    if (out.length >= want) break
    const rows = await sql<{ run_uuid: string }>`SELECT runs.run_uuid ${segment.from} ORDER BY ${segment.order}
      LIMIT ${want - out.length} OFFSET ${skip}`.execute(db)
    out.push(...rows.rows.map((r) => r.run_uuid))
    if (out.length >= want) break
    if (rows.rows.length > 0) {
      skip = 0
    } else if (skip > 0) {
      // The page starts after this segment: skip past all of it.
      const count = await sql<{ n: number }>`SELECT COUNT(*) AS n ${segment.from}`.execute(db)
      skip = Math.max(0, skip - Number(count.rows[0]?.n ?? 0))
    }
  }
  return out
}
