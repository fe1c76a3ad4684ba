import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely'
import type { Comparison, FilterExpr, OrderByClause } from '../../search/index.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { compare, compileFilter, nullsLast, type Condition } from './filter-sql.js'

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  name: 'experiments.name',
  experiment_id: 'experiments.experiment_id',
  creation_time: 'experiments.creation_time',
  last_update_time: 'experiments.last_update_time',
  lifecycle_stage: 'experiments.lifecycle_stage',
}

function attributeColumn(key: string) {
  const column = ATTRIBUTE_COLUMNS[key]
  if (!column) throw new Error(`experiment attribute ${key} has no column`)
  return sql.ref(column)
}

function comparison(c: Comparison, ops: DialectOps): Condition {
  if (c.entity === 'tag') {
    const exists = (cond: Condition | undefined) =>
      sql<boolean>`EXISTS (SELECT 1 FROM experiment_tags et WHERE et.experiment_id = experiments.experiment_id AND et.key = ${c.key}${
        cond ? sql` AND ${cond}` : sql``
      })`
    if (c.op === 'IS NULL') return sql`NOT ${exists(undefined)}`
    if (c.op === 'IS NOT NULL') return exists(undefined)
    return exists(compare(sql.ref('et.value'), c, ops))
  }
  return compare(attributeColumn(c.key), c, ops)
}

export function compileExperimentFilter(
  _eb: ExpressionBuilder<Database, 'experiments'>,
  filter: FilterExpr,
  ops: DialectOps,
): Condition {
  return compileFilter(filter, (c) => comparison(c, ops))
}

export function experimentOrderBy<O>(
  q: SelectQueryBuilder<Database, 'experiments', O>,
  orderBy: readonly OrderByClause[],
): SelectQueryBuilder<Database, 'experiments', O> {
  let out = q
  for (const clause of orderBy) {
    out = out.orderBy(nullsLast(attributeColumn(clause.key), clause.ascending))
  }
  // MLflow's default and tie-break: newest first, then by id.
  return out.orderBy('experiments.creation_time', 'desc').orderBy('experiments.experiment_id', 'asc')
}
