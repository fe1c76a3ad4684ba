/**
 * search-runs in SQL: one query selects the ids of a page (filters as EXISTS sub-queries, order
 * terms as LEFT JOINs on the latest metric, param or tag), then run-loader fetches the page.
 */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely'
import type { Comparison, FilterExpr, OrderByClause } from '../../search/index.js'
import type { RunSearchQuery } from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { INDEXED_VALUE_PREFIX } from '../migrations/0001-tracking.js'
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

const INDEXED_PREFIX = sql.raw(String(INDEXED_VALUE_PREFIX))

/**
 * A param's or tag's value compared. On PostgreSQL the (key, value) index holds each value's first
 * INDEXED_VALUE_PREFIX characters (migration 0001), so an equality or IN also names those, and a
 * LIKE its literal start: the comparison is then a range of that index, and the whole value is
 * checked on the row. SQLite's index holds whole values.
 */
function valueCompare(alias: string, c: Comparison, ops: DialectOps): Condition {
  const value = sql.ref(`${alias}.value`)
  const cond = compare(value, c, ops)
  if (ops.name !== 'postgres') return cond
  const start = (v: unknown) => [...String(v)].slice(0, INDEXED_VALUE_PREFIX).join('')
  if (c.op === '=' || c.op === 'IN') {
    const values = (Array.isArray(c.value) ? c.value : [c.value]).map(String)
    const prefixes = values.map(start)
    // A value shorter than the prefix equals its row's value exactly when it equals that row's
    // prefix (a longer row value has a prefix of full length), so the index answers alone: read
    // from the index only, and estimated by the index's statistics. Checking the whole value too
    // made PostgreSQL multiply two estimates of one condition (120 rows estimated, 16,205 found)
    // and read all 49,946 entries of a bitmap to count 500.
    if (values.every((v) => [...v].length < INDEXED_VALUE_PREFIX)) {
      return sql<SqlBool>`left(${value}, ${INDEXED_PREFIX}) IN (${sql.join(prefixes)})`
    }
    return sql<SqlBool>`left(${value}, ${INDEXED_PREFIX}) IN (${sql.join(prefixes)}) AND ${cond}`
  }
  // A LIKE's literal start (up to its first wildcard) is a range of the index too.
  const literal = c.op === 'LIKE' ? start(/^[^%_]*/.exec(String(c.value))?.[0]) : ''
  if (literal === '') return cond
  return sql<SqlBool>`left(${value}, ${INDEXED_PREFIX}) LIKE ${`${literal.replaceAll('\\', '\\\\')}%`} AND ${cond}`
}

function keyed(table: 'params' | 'tags', c: Comparison, ops: DialectOps): Condition {
  const withKey = (cond?: Condition) =>
    sql`SELECT kv.run_uuid FROM ${sql.table(table)} kv WHERE kv.key = ${c.key}${cond ? sql` AND ${cond}` : sql``}`
  if (c.op === 'IS NULL') return runsWhere(withKey(), true)
  if (c.op === 'IS NOT NULL') return runsWhere(withKey())
  return runsWhere(withKey(valueCompare('kv', c, ops)))
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
    default:
      throw new Error(`run filters have no ${c.entity} entity`)
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
 * A comparison ANDed at the top of the filter on a metric, param or tag becomes a probe: a join on
 * that table's (run, key) row, which is unique per run, so the join keeps the semantics of EXISTS.
 */
function joinable(c: FilterExpr): c is Comparison & { entity: keyof typeof KEYED_TABLES } {
  return c.kind === 'comparison' && c.entity in KEYED_TABLES && c.op !== 'IS NULL' && c.op !== 'IS NOT NULL'
}

interface Probe {
  readonly item: Comparison & { entity: keyof typeof KEYED_TABLES }
  readonly alias: RawBuilder<unknown>
  /** `table alias` for a FROM list. */
  readonly table: RawBuilder<unknown>
  /** The probe's row for the run whose id is `run` (a column of a table joined before it). */
  readonly on: (run: RawBuilder<unknown>) => Condition
  /** Its matching rows in any experiment, from the (key, value, run_uuid) index alone. */
  readonly matches: RawBuilder<unknown>
}

/**
 * Probes, cheapest to test first: an equality on a param or tag is one search of the covering
 * (key, value, run_uuid) index and usually the most selective; other param and tag comparisons
 * read the (run, key) row; metric comparisons last.
 */
function planProbes(filter: FilterExpr | undefined, ops: DialectOps): { probes: Probe[]; rest: FilterExpr[] } {
  const items = filter === undefined ? [] : filter.kind === 'and' ? filter.items : [filter]
  const rank = (c: Comparison): number => (c.entity === 'metric' ? 2 : c.op === '=' ? 0 : 1)
  const picked = items.filter(joinable).sort((a, b) => rank(a) - rank(b))
  const rest = items.filter((c) => !joinable(c))
  const probes = picked.map((item, i): Probe => {
    const name = KEYED_TABLES[item.entity]
    const alias = sql.raw(`f${i}`)
    const cond =
      item.entity === 'metric'
        ? sql`${alias}.is_nan = 0 AND ${compare(sql.ref(`f${i}.value`), item, ops)}`
        : valueCompare(`f${i}`, item, ops)
    // An equality is answered by the covering index alone; left to itself SQLite would take the
    // (run_uuid, key) primary key, then read the table row for the value.
    const covering = ops.name === 'sqlite' && rank(item) === 0
    return {
      item,
      alias,
      table: covering
        ? sql`${sql.table(name)} ${alias} INDEXED BY ${sql.raw(`${name}_key_value`)}`
        : sql`${sql.table(name)} ${alias}`,
      on: (run) => sql<boolean>`${alias}.run_uuid = ${run} AND ${alias}.key = ${item.key} AND ${cond}`,
      matches: sql`SELECT 1 FROM ${sql.table(name)} ${alias} WHERE ${alias}.key = ${item.key} AND ${cond}`,
    }
  })
  return { probes, rest }
}

/**
 * How a page is found: by walking the runs in the page's order and probing each (cheap when many
 * runs match: the walk stops after about `want / share of runs matching` steps), or, when a probe
 * matches fewer than PROBE_DRIVES_AT rows (or 5 per run wanted), by starting from that probe's
 * index entries and sorting its few runs. Counting is capped, so deciding reads a few hundred index
 * entries. (At 10,000 runs a filter matching 1,600 took 4.5 ms driven and ~1 ms walked.)
 */
async function pickDriver(
  db: Kysely<Database>,
  ops: DialectOps,
  probes: readonly Probe[],
  want: number,
  drivesAt: number | undefined,
): Promise<Probe | undefined> {
  const cap = drivesAt ?? Math.max(PROBE_DRIVES_AT, 5 * want)
  if (cap <= 0) return undefined
  let best: { probe: Probe; n: number } | undefined
  for (const probe of probes) {
    const limit = Number.isFinite(cap) ? cap : ops.noLimit
    const r = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM (${probe.matches} LIMIT ${limit}) m`.execute(db)
    const n = Number(r.rows[0]?.n ?? cap)
    if (n < cap && (best === undefined || n < best.n)) best = { probe, n }
  }
  return best?.probe
}

const PROBE_DRIVES_AT = 500

/**
 * `FROM` and conditions that visit the tables in this order: `first` is walked, each of its rows
 * probed (cheapest probe first), then its runs row read. SQLite loops over a CROSS JOIN's tables
 * in the order written. PostgreSQL reorders any join by its estimates (`ops.reordersJoins`), and
 * its estimates of the probes multiply badly (a param equality written as `left(value, 200) IN
 * (...) AND value = ...` for the index was estimated at 120 rows of 16,205 at 100k runs, so it
 * drove from params and sorted 12,423 rows for a page of 100: 205 ms); there each probe is an
 * `EXISTS (... OFFSET 0)`, which the planner keeps as a test of each row (OFFSET stops it from
 * becoming a join), so the walk stays in `first`'s order and stops when the page is full (6-10 ms).
 */
function fromInOrder(
  first: { from: RawBuilder<unknown>; run: RawBuilder<unknown> },
  probes: readonly Probe[],
  withRuns: boolean,
  ops: DialectOps,
): { from: RawBuilder<unknown>; on: Condition[] } {
  const joined = ops.reordersJoins ? [] : probes
  const tested = ops.reordersJoins ? probes : []
  const tables = [first.from, ...joined.map((p) => p.table), ...(withRuns ? [sql`runs`] : [])]
  const on = [
    ...joined.map((p) => p.on(first.run)),
    ...tested.map((p) => sql<boolean>`EXISTS (SELECT 1 FROM ${p.table} WHERE ${p.on(first.run)} OFFSET 0)`),
  ]
  if (withRuns) on.push(sql<boolean>`runs.run_uuid = ${first.run}`)
  return { from: sql.join(tables, sql` CROSS JOIN `), on }
}

const RUNS_FIRST = { from: sql`runs`, run: sql.ref('runs.run_uuid') }
const TAIL = sql`runs.start_time DESC, runs.run_uuid ASC`

/**
 * For tests, which compare the plans on data too small to choose them: `probeDrivesAt` replaces the
 * count under which a probe drives (0: always walk; Infinity: a probe always drives), `generic`
 * answers every order with the one plain query that other orders use.
 */
export interface SearchTuning {
  readonly probeDrivesAt?: number
  readonly generic?: boolean
}

/** Ids of the runs of the requested page, plus one more if there is a next page. */
export async function searchRunIds(
  db: Kysely<Database>,
  ops: DialectOps,
  query: RunSearchQuery,
  tuning: SearchTuning = {},
): Promise<string[]> {
  const experimentKeys = query.experimentIds.flatMap((id) => {
    const key = toExperimentKey(id)
    return key === undefined ? [] : [key]
  })
  if (experimentKeys.length === 0) return []
  const where: Condition[] = [sql`runs.experiment_id IN (${sql.join(experimentKeys)})`]
  if (query.viewType !== 'ALL') {
    where.push(sql`runs.lifecycle_stage = ${query.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted'}`)
  }
  const { probes, rest } = planProbes(query.filter, ops)
  for (const item of rest) where.push(compileFilter(item, (c) => comparison(c, ops)))
  const want = query.limit + 1
  const only = query.orderBy.length === 1 ? query.orderBy[0] : undefined
  if (!tuning.generic && (only?.entity === 'metric' || query.orderBy.length === 0)) {
    const driver =
      probes.length > 0 ? await pickDriver(db, ops, probes, query.offset + want, tuning.probeDrivesAt) : undefined
    const others = probes.filter((p) => p !== driver)
    if (only?.entity === 'metric') return searchByMetric(db, { ops, driver, others, where }, only, query.offset, want)
    return pageRows(db, ordered(ops, driver, others, where, TAIL), want, query.offset)
  }
  const order = planOrder(query.orderBy)
  const joins = [...probes.map((p) => sql`JOIN ${p.table} ON ${p.on(sql.ref('runs.run_uuid'))}`), ...order.joins]
  const result = await sql<{
    run_uuid: string
  }>`SELECT runs.run_uuid FROM runs ${joins.length > 0 ? sql.join(joins, sql` `) : sql``}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${sql.join(order.terms)}
    LIMIT ${want} OFFSET ${query.offset}`.execute(db)
  return result.rows.map((r) => r.run_uuid)
}

interface Segment {
  /** `FROM … WHERE …` of the segment's rows. */
  readonly from: RawBuilder<unknown>
  readonly order: RawBuilder<unknown>
}

/**
 * The runs matching `where` and every probe, in `order` (which ends with the runs' start time):
 * walked from runs in start-time order (the runs_experiment_stage_start index), or from the driver.
 */
function ordered(
  ops: DialectOps,
  driver: Probe | undefined,
  others: readonly Probe[],
  where: readonly Condition[],
  order: RawBuilder<unknown>,
): Segment {
  const f = driver
    ? fromInOrder({ from: driver.table, run: sql`${driver.alias}.run_uuid` }, others, true, ops)
    : fromInOrder(RUNS_FIRST, others, false, ops)
  const conds = [...(driver ? [driver.on(sql`${driver.alias}.run_uuid`)] : []), ...f.on, ...where]
  return { from: sql`FROM ${f.from} WHERE ${sql.join(conds, sql` AND `)}`, order }
}

async function pageRows(db: Kysely<Database>, segment: Segment, limit: number, offset: number): Promise<string[]> {
  const rows = await sql<{ run_uuid: string }>`SELECT runs.run_uuid ${segment.from} ORDER BY ${segment.order}
    LIMIT ${limit} OFFSET ${offset}`.execute(db)
  return rows.rows.map((r) => r.run_uuid)
}

/**
 * Ordered by one metric (the runs table's most common sort), read in three segments in MLflow's
 * order: runs with a number, then runs whose value is NaN, then runs without the metric. Without a
 * selective probe, the numbers are walked in order on the (key, value, run_uuid) index of
 * latest_metrics, each run probed (cheapest probe first) before its runs row is read, so that a page
 * costs about its own rows and not a sort of every run. Each segment is counted only when the page
 * reaches past it.
 */
async function searchByMetric(
  db: Kysely<Database>,
  plan: { ops: DialectOps; driver: Probe | undefined; others: readonly Probe[]; where: readonly Condition[] },
  clause: OrderByClause,
  offset: number,
  want: number,
): Promise<string[]> {
  const { ops, driver, others, where } = plan
  const dir = sql.raw(clause.ascending ? 'ASC' : 'DESC')
  const base = sql.join(where, sql` AND `)
  const withMetric = (isNan: 0 | 1): Segment => {
    if (driver) {
      const inner = ordered(ops, driver, others, where, TAIL)
      return {
        from: sql`${inner.from} AND EXISTS (SELECT 1 FROM latest_metrics o WHERE o.run_uuid = runs.run_uuid AND o.key = ${clause.key} AND o.is_nan = ${isNan})`,
        order: isNan
          ? TAIL
          : sql`(SELECT o.value FROM latest_metrics o WHERE o.run_uuid = runs.run_uuid AND o.key = ${clause.key}) ${dir}, ${TAIL}`,
      }
    }
    // latest_metrics stays the outer loop (fromInOrder), so the index gives the order.
    const f = fromInOrder({ from: sql`latest_metrics o`, run: sql.ref('o.run_uuid') }, others, true, ops)
    const conds = [sql`o.key = ${clause.key}`, sql`o.is_nan = ${isNan}`, ...f.on, base]
    return {
      from: sql`FROM ${f.from} WHERE ${sql.join(conds, sql` AND `)}`,
      order: isNan ? TAIL : sql`o.value ${dir}, ${TAIL}`,
    }
  }
  const missing = ordered(ops, driver, others, where, TAIL)
  const segments: Segment[] = [
    withMetric(0),
    withMetric(1),
    {
      from: sql`${missing.from} AND NOT EXISTS (SELECT 1 FROM latest_metrics o WHERE o.run_uuid = runs.run_uuid AND o.key = ${clause.key})`,
      order: TAIL,
    },
  ]
  const out: string[] = []
  let skip = offset
  for (const segment of segments) {
    if (out.length >= want) break
    const rows = await pageRows(db, segment, want - out.length, skip)
    out.push(...rows)
    if (out.length >= want) break
    if (rows.length > 0) {
      skip = 0
    } else if (skip > 0) {
      // The page starts after this segment: skip past all of it.
      const count = await sql<{ n: number }>`SELECT COUNT(*) AS n ${segment.from}`.execute(db)
      skip = Math.max(0, skip - Number(count.rows[0]?.n ?? 0))
    }
  }
  return out
}
