/**
 * Registry searches in SQL: filters on attributes and tags, MLflow's orders and tie-breaks.
 *
 * A tag comparison needs the tag (`tags.team != 'a'` leaves out models without a `team` tag, as in
 * MLflow), except for `mlflow.prompt.is_prompt`: MLflow's client appends
 * `tag.mlflow.prompt.is_prompt != 'true'` to every registered-model search to hide prompts, which
 * must not hide models that were never prompts, and `= 'false'` matches those too.
 */
import { sql, type RawBuilder } from 'kysely'
import type { Comparison, FilterExpr, OrderByClause } from '../../search/index.js'
import type { DialectOps } from '../dialect.js'
import { compare, compileFilter, type Condition } from '../tracking/filter-sql.js'

const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt'

function tagCondition(table: string, owner: RawBuilder<unknown>, c: Comparison, ops: DialectOps): Condition {
  const exists = (cond?: Condition) =>
    sql<boolean>`EXISTS (SELECT 1 FROM ${sql.table(table)} t WHERE ${owner} AND t.key = ${c.key}${cond ? sql` AND ${cond}` : sql``})`
  if (c.op === 'IS NULL') return sql`NOT ${exists()}`
  if (c.op === 'IS NOT NULL') return exists()
  // Only the two spellings of "not a prompt" match models without the tag (as in MLflow, where
  // `!= 'false'` asks for prompts and, like any other comparison, needs the tag).
  if (c.key === IS_PROMPT_TAG && ((c.op === '!=' && c.value === 'true') || (c.op === '=' && c.value === 'false'))) {
    return sql`NOT ${exists(sql`t.value = 'true'`)}`
  }
  return exists(compare(sql.ref('t.value'), c, ops))
}

const MODEL_COLUMNS: Record<string, string> = {
  name: 'rm.name',
  creation_timestamp: 'rm.creation_time',
  last_updated_timestamp: 'rm.last_updated_time',
}

const VERSION_COLUMNS: Record<string, string> = {
  name: 'mv.name',
  run_id: 'mv.run_id',
  source: 'mv.source',
  version_number: 'mv.version',
  creation_timestamp: 'mv.creation_time',
  last_updated_timestamp: 'mv.last_updated_time',
}

function column(columns: Record<string, string>, key: string) {
  const name = Object.hasOwn(columns, key) ? columns[key] : undefined
  if (!name) throw new Error(`registry attribute ${key} has no column`)
  return sql.ref(name)
}

export function modelFilter(filter: FilterExpr, ops: DialectOps): Condition {
  return compileFilter(filter, (c) =>
    c.entity === 'tag'
      ? tagCondition('registered_model_tags', sql`t.name = rm.name`, c, ops)
      : compare(column(MODEL_COLUMNS, c.key), c, ops),
  )
}

export function versionFilter(filter: FilterExpr, ops: DialectOps): Condition {
  return compileFilter(filter, (c) => {
    if (c.entity === 'tag')
      return tagCondition('model_version_tags', sql`t.name = mv.name AND t.version = mv.version`, c, ops)
    const value = c.key === 'version_number' ? Number(c.value) : c.value
    return compare(column(VERSION_COLUMNS, c.key), { ...c, value } as Comparison, ops)
  })
}

/** ORDER BY terms: the requested ones, then MLflow's default as the tie-break (name ASC). */
export function modelOrder(orderBy: readonly OrderByClause[]): RawBuilder<unknown> {
  const terms = orderBy.map((o) => sql`${column(MODEL_COLUMNS, o.key)} ${sql.raw(o.ascending ? 'ASC' : 'DESC')}`)
  return sql.join([...terms, sql`rm.name ASC`])
}

/** The requested terms, then MLflow's default: last_updated_timestamp DESC, name ASC, version DESC. */
export function versionOrder(orderBy: readonly OrderByClause[]): RawBuilder<unknown> {
  const terms = orderBy.map((o) => sql`${column(VERSION_COLUMNS, o.key)} ${sql.raw(o.ascending ? 'ASC' : 'DESC')}`)
  return sql.join([...terms, sql`mv.last_updated_time DESC`, sql`mv.name ASC`, sql`mv.version DESC`])
}
