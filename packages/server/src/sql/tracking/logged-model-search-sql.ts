/**
 * search-logged-models in SQL: one query selects the ids of a page (filters as EXISTS sub-queries,
 * metric order terms as LEFT JOINs on the latest value), then the store loads the page.
 *
 * A model's metric value, for filters and order terms alike, is its latest logged value of that key
 * (largest timestamp, then step, as MLflow ranks them), among the rows on the requested datasets
 * when datasets are given.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Comparison, FilterExpr } from '../../search/index.js'
import type { LoggedModelOrderByClause, LoggedModelSearchQuery } from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { compare, compileFilter, type Condition } from './filter-sql.js'
import { toExperimentKey } from './sql-experiment-store.js'

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  name: 'lm.name',
  model_id: 'lm.model_id',
  model_type: 'lm.model_type',
  status: 'lm.status',
  source_run_id: 'lm.source_run_id',
  experiment_id: 'lm.experiment_id',
  creation_timestamp: 'lm.creation_timestamp_ms',
  last_updated_timestamp: 'lm.last_updated_timestamp_ms',
}

/** The attribute keys the store can filter and order on (canonical names). */
export const LOGGED_MODEL_ATTRIBUTES: readonly string[] = Object.keys(ATTRIBUTE_COLUMNS)

function attributeColumn(key: string) {
  const column = Object.hasOwn(ATTRIBUTE_COLUMNS, key) ? ATTRIBUTE_COLUMNS[key] : undefined
  if (!column) throw new Error(`logged model attribute ${key} has no column`)
  return sql.ref(column)
}

type DatasetRef = { readonly name: string; readonly digest?: string | undefined }

/** `alias` is on one of `datasets` (no condition when there are none). */
function onDatasets(alias: string, datasets: readonly DatasetRef[]): RawBuilder<unknown> {
  if (datasets.length === 0) return sql``
  const a = sql.raw(alias)
  const each = datasets.map((d) =>
    d.digest === undefined
      ? sql`${a}.dataset_name = ${d.name}`
      : sql`(${a}.dataset_name = ${d.name} AND ${a}.dataset_digest = ${d.digest})`,
  )
  return sql` AND (${sql.join(each, sql` OR `)})`
}

/**
 * Conditions that make the logged_model_metrics row `alias` the latest value of `key` for its
 * model. The row-value order covers the rest of the primary key, so exactly one row qualifies.
 */
function latestMetric(alias: string, key: string, datasets: readonly DatasetRef[]): RawBuilder<unknown> {
  const a = sql.raw(alias)
  return sql`${a}.key = ${key}${onDatasets(alias, datasets)} AND NOT EXISTS (SELECT 1 FROM logged_model_metrics nm
    WHERE nm.model_id = ${a}.model_id AND nm.key = ${a}.key${onDatasets('nm', datasets)}
    AND (nm.timestamp, nm.step, nm.value, nm.is_nan) > (${a}.timestamp, ${a}.step, ${a}.value, ${a}.is_nan))`
}

function keyed(table: 'logged_model_params' | 'logged_model_tags', c: Comparison, ops: DialectOps): Condition {
  const exists = (cond?: Condition) =>
    sql<boolean>`EXISTS (SELECT 1 FROM ${sql.table(table)} kv WHERE kv.model_id = lm.model_id AND kv.key = ${c.key}${
      cond ? sql` AND ${cond}` : sql``
    })`
  if (c.op === 'IS NULL') return sql`NOT ${exists()}`
  if (c.op === 'IS NOT NULL') return exists()
  return exists(compare(sql.ref('kv.value'), c, ops))
}

function comparison(c: Comparison, datasets: readonly DatasetRef[], ops: DialectOps): Condition {
  switch (c.entity) {
    case 'metric': {
      const exists = (cond: RawBuilder<unknown>) =>
        sql<boolean>`EXISTS (SELECT 1 FROM logged_model_metrics m WHERE m.model_id = lm.model_id AND ${latestMetric('m', c.key, datasets)}${cond})`
      if (c.op === 'IS NULL') return sql`NOT ${exists(sql``)}`
      if (c.op === 'IS NOT NULL') return exists(sql``)
      // NaN matches no comparison, as for runs.
      return exists(sql` AND m.is_nan = 0 AND ${compare(sql.ref('m.value'), c, ops)}`)
    }
    case 'param':
      return keyed('logged_model_params', c, ops)
    case 'tag':
      return keyed('logged_model_tags', c, ops)
    case 'attribute':
      if (c.op === 'IS NULL') return sql`${attributeColumn(c.key)} IS NULL`
      if (c.op === 'IS NOT NULL') return sql`${attributeColumn(c.key)} IS NOT NULL`
      return compare(attributeColumn(c.key), c, ops)
    default:
      throw new Error(`logged model filters have no ${c.entity} entity`)
  }
}

function hasMetricComparison(expr: FilterExpr): boolean {
  return expr.kind === 'comparison' ? expr.entity === 'metric' : expr.items.some(hasMetricComparison)
}

interface OrderPlan {
  joins: RawBuilder<unknown>[]
  terms: RawBuilder<unknown>[]
}

function planOrder(orderBy: readonly LoggedModelOrderByClause[]): OrderPlan {
  const plan: OrderPlan = { joins: [], terms: [] }
  orderBy.forEach((clause, i) => {
    const dir = sql.raw(clause.ascending ? 'ASC' : 'DESC')
    if (clause.entity === 'attribute') {
      const col = attributeColumn(clause.key)
      plan.terms.push(sql`${col} IS NULL`, sql`${col} ${dir}`)
      return
    }
    if (clause.entity !== 'metric') throw new Error(`logged models cannot be ordered by ${clause.entity}`)
    const alias = `o${i}`
    const datasets: DatasetRef[] =
      clause.datasetName === undefined ? [] : [{ name: clause.datasetName, digest: clause.datasetDigest }]
    const a = sql.raw(alias)
    plan.joins.push(
      sql`LEFT JOIN logged_model_metrics ${a} ON ${a}.model_id = lm.model_id AND ${latestMetric(alias, clause.key, datasets)}`,
    )
    // No such metric last; NaN after numbers and before those, as for runs.
    plan.terms.push(sql`${a}.value IS NULL`, sql`${a}.is_nan`, sql`${a}.value ${dir}`)
  })
  // MLflow's tie-break: newest first, then by id, so that pages never overlap.
  plan.terms.push(sql`lm.creation_timestamp_ms DESC`, sql`lm.model_id ASC`)
  return plan
}

/** Ids of the models of the requested page, plus one more if there is a next page. */
export async function searchLoggedModelIds(
  db: Kysely<Database>,
  ops: DialectOps,
  query: LoggedModelSearchQuery,
): Promise<string[]> {
  const experimentKeys = query.experimentIds.flatMap((id) => {
    const key = toExperimentKey(id)
    return key === undefined ? [] : [key]
  })
  if (experimentKeys.length === 0) return []
  const where: Condition[] = [sql`lm.experiment_id IN (${sql.join(experimentKeys)})`]
  if (query.viewType !== 'ALL') {
    where.push(sql`lm.lifecycle_stage = ${query.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted'}`)
  }
  if (query.filter) where.push(compileFilter(query.filter, (c) => comparison(c, query.datasets, ops)))
  if (query.datasets.length > 0 && !(query.filter && hasMetricComparison(query.filter))) {
    // Datasets without a metric filter: the models evaluated on one of them (as MLflow does).
    where.push(
      sql`EXISTS (SELECT 1 FROM logged_model_metrics dm WHERE dm.model_id = lm.model_id${onDatasets('dm', query.datasets)})`,
    )
  }
  const order = planOrder(query.orderBy)
  const result = await sql<{ model_id: string }>`SELECT lm.model_id FROM logged_models lm ${
    order.joins.length > 0 ? sql.join(order.joins, sql` `) : sql``
  }
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${sql.join(order.terms)}
    LIMIT ${query.limit + 1} OFFSET ${query.offset}`.execute(db)
  return result.rows.map((r) => r.model_id)
}
