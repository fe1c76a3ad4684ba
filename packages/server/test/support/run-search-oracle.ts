/**
 * search-runs evaluated in plain TypeScript over runs held in memory, MLflow's semantics written
 * out once, without SQL: the oracle of the differential search tests (run-search-fuzz.postgres.test.ts).
 *
 * - A comparison on a metric, param or tag needs the key: a run without it matches no comparison
 *   (`!=` included) and only `IS NULL`. A NaN metric matches no comparison.
 * - Strings compare by their UTF-8 bytes; LIKE is case-sensitive with `%` and `_` (one character)
 *   and no escape character; ILIKE folds ASCII letters only.
 * - A dataset comparison matches when one of the run's inputs matches (a missing context never).
 * - Order: each clause puts runs without the value last (then NaN after numbers for a metric); then
 *   newest start time first, then run id.
 */
import type { ViewType } from '@keel/contracts'
import type { Comparison, FilterExpr, OrderByClause } from '../../src/search/index.js'

export interface OracleRun {
  readonly runId: string
  readonly name: string
  readonly userId: string
  readonly status: string
  readonly startTime: number
  readonly endTime?: number
  readonly artifactUri: string
  readonly deleted: boolean
  /** The latest value of each metric key. */
  readonly metrics: Readonly<Record<string, number>>
  readonly params: Readonly<Record<string, string>>
  readonly tags: Readonly<Record<string, string>>
  readonly inputs: readonly { readonly name: string; readonly digest: string; readonly context?: string | undefined }[]
}

type Value = string | number | undefined

/** Byte order of the UTF-8 encodings (what SQLite and PostgreSQL's "C" collation compare). */
function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)))
}

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase())

function likeRegExp(pattern: string): RegExp {
  let source = ''
  for (const ch of pattern) {
    if (ch === '%') source += '.*'
    else if (ch === '_') source += '.'
    else source += ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 'su')
}

/** SQL's answer for a present value (undefined: NULL, no match). */
function matches(actual: Value, c: Comparison): boolean {
  if (c.op === 'IS NULL') return actual === undefined
  if (c.op === 'IS NOT NULL') return actual !== undefined
  if (actual === undefined || (typeof actual === 'number' && Number.isNaN(actual))) return false
  const value = c.value
  switch (c.op) {
    case 'LIKE':
      return likeRegExp(String(value)).test(String(actual))
    case 'ILIKE':
      return likeRegExp(asciiLower(String(value))).test(asciiLower(String(actual)))
    case 'IN':
    case 'NOT IN': {
      const list = (Array.isArray(value) ? value : [value]) as (string | number)[]
      const found = list.some((v) => compareValues(actual, v) === 0)
      return c.op === 'IN' ? found : !found
    }
    default: {
      const cmp = compareValues(actual, value as string | number)
      switch (c.op) {
        case '=':
          return cmp === 0
        case '!=':
          return cmp !== 0
        case '<':
          return cmp < 0
        case '<=':
          return cmp <= 0
        case '>':
          return cmp > 0
        case '>=':
          return cmp >= 0
        default:
          throw new Error(`oracle: comparator ${c.op}`)
      }
    }
  }
}

const ATTRIBUTES: Record<string, (r: OracleRun) => Value> = {
  run_id: (r) => r.runId,
  run_name: (r) => r.name,
  user_id: (r) => r.userId,
  status: (r) => r.status,
  artifact_uri: (r) => r.artifactUri,
  start_time: (r) => r.startTime,
  end_time: (r) => r.endTime,
  lifecycle_stage: (r) => (r.deleted ? 'deleted' : 'active'),
}

function attribute(r: OracleRun, key: string): Value {
  const read = ATTRIBUTES[key]
  if (!read) throw new Error(`oracle: attribute ${key}`)
  return read(r)
}

const own = (record: Readonly<Record<string, unknown>>, key: string) => Object.hasOwn(record, key)

function holds(r: OracleRun, expr: FilterExpr): boolean {
  if (expr.kind !== 'comparison') {
    return expr.kind === 'and' ? expr.items.every((e) => holds(r, e)) : expr.items.some((e) => holds(r, e))
  }
  switch (expr.entity) {
    case 'metric':
      return matches(own(r.metrics, expr.key) ? r.metrics[expr.key] : undefined, expr)
    case 'param':
      return matches(own(r.params, expr.key) ? r.params[expr.key] : undefined, expr)
    case 'tag':
      return matches(own(r.tags, expr.key) ? r.tags[expr.key] : undefined, expr)
    case 'attribute':
      return matches(attribute(r, expr.key), expr)
    case 'dataset':
      return r.inputs.some((i) =>
        matches(expr.key === 'context' ? i.context : expr.key === 'digest' ? i.digest : i.name, expr),
      )
    default:
      throw new Error(`oracle: runs have no ${expr.entity} entity`)
  }
}

/** The value a clause orders on, as [group, value]: group 0 for values, 1 for NaN, 2 for none. */
function sortKey(r: OracleRun, clause: OrderByClause): [number, string | number] {
  const value =
    clause.entity === 'attribute'
      ? attribute(r, clause.key)
      : clause.entity === 'metric'
        ? own(r.metrics, clause.key)
          ? r.metrics[clause.key]
          : undefined
        : clause.entity === 'param'
          ? own(r.params, clause.key)
            ? r.params[clause.key]
            : undefined
          : own(r.tags, clause.key)
            ? r.tags[clause.key]
            : undefined
  if (value === undefined) return [2, 0]
  if (typeof value === 'number' && Number.isNaN(value)) return [1, 0]
  return [0, value]
}

/** The ids of the runs `filter` selects in `orderBy`'s order. */
export function oracleSearch(
  runs: readonly OracleRun[],
  filter: FilterExpr | undefined,
  orderBy: readonly OrderByClause[],
  viewType: ViewType,
): string[] {
  const selected = runs.filter(
    (r) =>
      (viewType === 'ALL' || r.deleted === (viewType === 'DELETED_ONLY')) && (filter === undefined || holds(r, filter)),
  )
  selected.sort((a, b) => {
    for (const clause of orderBy) {
      const [ga, va] = sortKey(a, clause)
      const [gb, vb] = sortKey(b, clause)
      if (ga !== gb) return ga - gb
      const cmp = compareValues(va, vb)
      if (cmp !== 0) return clause.ascending ? cmp : -cmp
    }
    return b.startTime - a.startTime || compareValues(a.runId, b.runId)
  })
  return selected.map((r) => r.runId)
}
