/**
 * The filter language on both engines: seeded random data shaped like sweeps (string and
 * numeric-looking params, missing keys, NaN and ±Infinity metrics, ties, strings that differ only in
 * case or outside ASCII, LIKE wildcards in the data), the same data written to a SQLite and a
 * PostgreSQL store, then seeded random filters and orders from the search grammars
 * (test/support/filter-writer.ts) run through the same store calls on both. Every case compares the
 * whole result (ids in order, the loaded runs, hasMore) and every page of it; run searches are also
 * checked against a plain TypeScript evaluation of the filter and order (the oracle).
 *
 * A failure prints the seed, the case and its filter, order and paging, so it reproduces with
 * KEEL_FUZZ_SEED=<seed> and that case number.
 */
import type { Metric, RunStatus, Tag, ViewType } from '@keel/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EXPERIMENT_SEARCH,
  LOGGED_MODEL_SEARCH,
  type FilterExpr,
  type OrderByClause,
  RUN_SEARCH,
  type SearchGrammar,
  parseFilter,
  parseOrderBy,
} from '../src/search/index.js'
import { type SqlDatabase, openDatabase } from '../src/sql/open-database.js'
import { type SearchTuning, searchRunIds } from '../src/sql/tracking/run-search-sql.js'
import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'
import type { PageResult, RunSearchQuery, TrackingStore } from '../src/tracking/tracking-store.js'
import { type OracleRun, oracleSearch } from './support/run-search-oracle.js'
import { FilterWriter, Random, STRING_CHARS, WORDS, writeOrderBy } from './support/filter-writer.js'
import { openFreshPostgres } from './support/postgres.js'

const SEED = Number(process.env.KEEL_FUZZ_SEED ?? 0x15f0)
const RUN_CASES = 400
const EXPERIMENT_CASES = 80
const MODEL_CASES = 80

// ---- the data: generated once, written to both stores ----

const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'ACTIVE_ONLY', 'ACTIVE_ONLY', 'ALL', 'DELETED_ONLY']
const NAMES = ['alpha', 'Alpha', 'ALPHA-2', 'alpha-10', 'b', 'B', 'a_b', 'a%b', 'a\\b', 'x_1', 'é', 'É', 'e', 'Ω', '😀']
const STRINGS = [
  ...NAMES,
  '1',
  '10',
  '2',
  '01',
  '1.0',
  '1e-3',
  '-1',
  ' 1',
  'adam',
  'Adam',
  'ADAM',
  '%',
  '_',
  '50%',
  'in',
  'null',
]
const USERS = ['alice', 'Alice', 'bob', 'Bob', 'ünal']
const STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SCHEDULED'] as const
const START_TIMES = [0, 1, 5, 5, 100, 1000, 1.7e12, 1.7e12 + 1]
const METRIC_VALUES = [0, 1, -1, 0.5, 0.5, 2.5, 1e9, -1e-9, 7, Number.NaN, Number.POSITIVE_INFINITY, -Infinity]
/** The generator's keys: its words alone (most of them) and a dotted pair. */
const KEYS = [...WORDS, 'acc.loss']

interface PlannedExperiment {
  readonly name: string
  readonly tags: Tag[]
  readonly time: number
  readonly deleted: boolean
}
interface PlannedModel {
  readonly modelId: string
  readonly name: string
  readonly modelType?: string
  readonly params: Tag[]
  readonly tags: Tag[]
  readonly time: number
  readonly status?: 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED'
  readonly deleted: boolean
}
interface Plan {
  readonly experiments: PlannedExperiment[]
  /** Runs of the first two experiments (index 0 or 1). */
  readonly runs: (OracleRun & {
    readonly status: RunStatus
    readonly experiment: 0 | 1
    readonly metricPoints: Metric[]
  })[]
  readonly models: PlannedModel[]
}

function randomString(random: Random): string {
  return Array.from({ length: random.int(4) }, () => random.pick(STRING_CHARS)).join('')
}

/** A value from the fixed list (so that values tie and filters hit) or a random string. */
const someString = (random: Random): string => (random.chance(0.75) ? random.pick(STRINGS) : randomString(random))

function keyValues(random: Random, chance: number): Tag[] {
  const out = new Map<string, string>()
  for (const key of KEYS) if (random.chance(chance)) out.set(key, someString(random))
  if (random.chance(0.1)) out.set(randomString(random), someString(random))
  return [...out].map(([key, value]) => ({ key, value }))
}

/**
 * Now and then a value as long as MLflow allows (params 6,000 characters, tags 8,000), some of them
 * sharing their first few hundred characters: PostgreSQL's indexes hold only a value's start.
 */
function longValue(random: Random, length: number): Record<string, string> {
  if (!random.chance(0.06)) return {}
  const head = random.pick(['', 'x'.repeat(250), 'é😀'.repeat(150)])
  const tail = Array.from({ length }, () => random.pick(STRING_CHARS)).join('')
  return { note: [...(head + tail)].slice(0, length).join('') }
}

function plan(seed: number): Plan {
  const random = new Random(seed)
  const experiments: PlannedExperiment[] = Array.from({ length: 30 }, (_, i) => ({
    name: i < 2 ? `sweep-${i}` : `${random.pick(NAMES)}-${i}`,
    tags: keyValues(random, 0.2),
    time: random.pick([1, 1, 2, 50, 1.7e12]),
    deleted: i >= 2 && random.chance(0.2),
  }))
  const runs: Plan['runs'] = []
  for (let i = 0; i < 180; i++) {
    const hex = Math.floor(random.next() * 0xffffffff)
      .toString(16)
      .padStart(8, '0')
    const runId = `${hex}${i.toString(16).padStart(4, '0')}`.padEnd(32, random.pick(['0', 'a', 'f']))
    const startTime = random.pick(START_TIMES)
    const points: Metric[] = []
    const latest: Record<string, number> = {}
    for (const key of KEYS) {
      if (!random.chance(0.6)) continue
      // A few points per key; the largest step is the latest value.
      const steps = 1 + random.int(3)
      for (let step = 0; step < steps; step++) {
        const value = random.chance(0.85) ? random.pick(METRIC_VALUES) : random.int(10) / 4
        // Timestamps differ between runs: a logged model's metrics, from several runs, load in
        // (key, step, timestamp) order, which must not tie.
        points.push({ key, value, step, timestamp: 1000 * i + step })
        latest[key] = value
      }
    }
    const inputs = random.chance(0.6)
      ? [random.pick(['train', 'Train', 'eval', 'é'])].map((name) => ({
          name,
          digest: random.pick(['d1', 'D1', 'abc']),
          context: random.chance(0.8) ? random.pick(['training', 'Training', 'eval', '%']) : undefined,
        }))
      : []
    runs.push({
      runId,
      experiment: i % 6 === 5 ? 1 : 0,
      name: someString(random),
      userId: random.pick(USERS),
      status: random.pick(STATUSES),
      startTime,
      ...(random.chance(0.7) && { endTime: startTime + random.pick([0, 1, 10]) }),
      artifactUri: `mlflow-artifacts:/${random.pick(['x', 'X', 'a_b'])}/${runId}`,
      deleted: random.chance(0.1),
      metrics: latest,
      metricPoints: points,
      params: {
        ...Object.fromEntries(keyValues(random, 0.5).map((t) => [t.key, t.value])),
        ...longValue(random, 6000),
      },
      tags: { ...Object.fromEntries(keyValues(random, 0.35).map((t) => [t.key, t.value])), ...longValue(random, 8000) },
      inputs,
    })
  }
  const models: PlannedModel[] = Array.from({ length: 40 }, (_, i) => ({
    modelId: `m-${i.toString().padStart(3, '0')}-${random.pick(['a', 'B', 'c'])}`,
    name: someString(random),
    ...(random.chance(0.7) && { modelType: random.pick(['sklearn', 'Sklearn', 'onnx', '%']) }),
    params: keyValues(random, 0.4),
    tags: keyValues(random, 0.3),
    time: random.pick([1, 2, 2, 30]),
    ...(random.chance(0.5) && { status: random.pick(['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const) }),
    deleted: random.chance(0.1),
  }))
  return { experiments, runs, models }
}

/** Writes the plan; returns the two sweep experiments' ids. */
async function write(store: TrackingStore, data: Plan): Promise<string[]> {
  await store.ensureDefaultExperiment('mlflow-artifacts:/0')
  const ids: string[] = []
  for (const e of data.experiments) {
    const id = await store.experiments.create({
      name: e.name,
      artifactLocation: (x) => `mlflow-artifacts:/${x}`,
      tags: e.tags,
      time: e.time,
    })
    if (e.deleted) await store.experiments.setLifecycle(id, 'deleted', e.time + 1)
    ids.push(id)
  }
  const sweep = ids[0]!
  for (const m of data.models) {
    await store.loggedModels.create({
      modelId: m.modelId,
      experimentId: sweep,
      name: m.name,
      artifactLocation: `mlflow-artifacts:/${sweep}/models/${m.modelId}`,
      time: m.time,
      ...(m.modelType !== undefined && { modelType: m.modelType }),
      params: m.params,
      tags: m.tags,
    })
    if (m.status) await store.loggedModels.setStatus(m.modelId, m.status, m.time + 1)
  }
  for (const [i, r] of data.runs.entries()) {
    const experimentId = ids[r.experiment]!
    await store.runs.create({
      runId: r.runId,
      experimentId,
      name: r.name,
      userId: r.userId,
      startTime: r.startTime,
      artifactUri: r.artifactUri,
      tags: [],
    })
    // Some runs' points also belong to a logged model, on a dataset (search-logged-models reads them).
    const model = i % 3 === 0 ? data.models[i % data.models.length] : undefined
    const metrics = r.metricPoints.map((p, n) =>
      model && n % 2 === 0
        ? { ...p, modelId: model.modelId, datasetName: r.inputs[0]?.name ?? 'train', datasetDigest: 'd1' }
        : p,
    )
    await store.runs.logBatch(r.runId, {
      metrics,
      params: Object.entries(r.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(r.tags).map(([key, value]) => ({ key, value })),
    })
    if (r.inputs.length > 0) {
      await store.runs.logInputs(
        r.runId,
        r.inputs.map((d) => ({
          dataset: { name: d.name, digest: d.digest, sourceType: 'local', source: '{}' },
          tags: d.context === undefined ? [] : [{ key: 'mlflow.data.context', value: d.context }],
        })),
        [],
      )
    }
    await store.runs.update(r.runId, { status: r.status, ...(r.endTime !== undefined && { endTime: r.endTime }) })
    if (r.deleted) await store.runs.setLifecycle(r.runId, 'deleted', 3)
  }
  for (const m of data.models) if (m.deleted) await store.loggedModels.delete(m.modelId, m.time + 2)
  return ids.slice(0, 2)
}

// ---- the stores ----

const data = plan(SEED)
let sqlite: TrackingStore
let postgres: TrackingStore
let databases: { sqlite: SqlDatabase; postgres: SqlDatabase }
let sweeps: string[]

beforeAll(async () => {
  databases = { sqlite: await openDatabase('sqlite:///:memory:'), postgres: await openFreshPostgres() }
  sqlite = createSqlTrackingStore(databases.sqlite)
  postgres = createSqlTrackingStore(databases.postgres)
  sweeps = await write(sqlite, data)
  expect(await write(postgres, data)).toEqual(sweeps)
}, 120_000)

afterAll(async () => {
  await sqlite?.close()
  await postgres?.close()
})

// ---- the cases ----

const PLANS: Record<string, SearchTuning> = {
  walk: { probeDrivesAt: 0 },
  drive: { probeDrivesAt: Infinity },
  generic: { generic: true },
}

interface Case {
  readonly n: number
  readonly filterText: string
  readonly filter: FilterExpr | undefined
  readonly orderText: string[]
  readonly orderBy: OrderByClause[]
  readonly viewType: ViewType
  readonly pageSize: number
}

/**
 * A LIKE or ILIKE on a run's param, tag or name whose pattern is that value with some characters
 * turned into wildcards (or, for ILIKE, into the other case): random filters rarely build a pattern
 * that matches a value holding a backslash, `%` or `_`.
 */
function targetedLike(random: Random): string {
  const run = random.pick(data.runs)
  // Keys are quoted with backticks, which double inside.
  const quoted = (key: string) => `\`${key.replaceAll('`', '``')}\``
  const fields: [string, string][] = [
    ['run_name', run.name],
    ...Object.entries(run.params).map(([k, v]): [string, string] => [`params.${quoted(k)}`, v]),
    ...Object.entries(run.tags).map(([k, v]): [string, string] => [`tags.${quoted(k)}`, v]),
  ]
  // Half the time a value with a backslash or a wildcard of its own, if the run has one.
  const special = fields.filter(([, v]) => /[\\%_]/.test(v) || v.length > 1000)
  const [field, value] = random.pick(special.length > 0 && random.chance(0.5) ? special : fields)
  const op = random.pick(['LIKE', 'ILIKE', '='])
  if (value.length > 1000) {
    // A long value: equal, or its start and a wildcard (wildcards all along would make every
    // engine's matcher backtrack for long).
    const text = op === '=' ? value : `${[...value].slice(0, 300).join('')}%`
    return `${field} ${op} '${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
  }
  let pattern = [...value]
    .map((ch) => {
      if (op === '=') return ch
      if (random.chance(0.2)) return random.pick(['_', '%'])
      return op === 'ILIKE' && random.chance(0.5) ? random.pick([ch.toUpperCase(), ch.toLowerCase()]) : ch
    })
    .join('')
  if (op !== '=' && random.chance(0.3)) pattern += '%'
  return `${field} ${op} '${pattern.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function drawCase(random: Random, grammar: SearchGrammar, n: number): Case {
  let filterText = ''
  if (grammar === RUN_SEARCH && random.chance(0.25)) {
    filterText = targetedLike(random)
  } else if (random.chance(0.9)) {
    const writer = new FilterWriter(random, grammar)
    writer.expr(random.int(3), false)
    filterText = writer.text
  }
  // Clauses on distinct fields (a repeated field is refused).
  const clauses = new Map<string, string>()
  for (let i = random.pick([0, 1, 1, 1, 2]); i > 0; i--) {
    const { clause, expected } = writeOrderBy(random, grammar)
    clauses.set(`${expected.entity}.${expected.key}`, clause)
  }
  const orderText = [...clauses.values()]
  return {
    n,
    filterText,
    filter: parseFilter(filterText || undefined, grammar),
    orderText,
    orderBy: parseOrderBy(orderText, grammar),
    viewType: random.pick(VIEW_TYPES),
    pageSize: random.pick([1, 3, 7, 20, 50]),
  }
}

const describeCase = (c: Case, extra = ''): string =>
  `seed ${SEED} case ${c.n}: filter ${JSON.stringify(c.filterText)} order_by ${JSON.stringify(c.orderText)} ` +
  `view ${c.viewType} page size ${c.pageSize}${extra}`

type Outcome<T> = { items: T[]; hasMore: boolean } | { error: string }

/** The Default experiment is created at the time each store was opened: its times differ. */
function sameTimes<T>(item: T): T {
  const e = item as { experimentId?: string; creationTime?: number; lastUpdateTime?: number }
  return e.experimentId === '0' && e.creationTime !== undefined ? { ...item, creationTime: 0, lastUpdateTime: 0 } : item
}

async function outcome<T>(search: () => Promise<PageResult<T>>): Promise<Outcome<T>> {
  try {
    const page = await search()
    return { items: page.items.map(sameTimes), hasMore: page.hasMore }
  } catch (err) {
    const e = err as { code?: string; message?: string }
    return { error: `${e.code ?? 'no code'}: ${e.message}` }
  }
}

/**
 * The whole result on both engines, equal, then its pages of `pageSize` on both, each equal to its
 * slice of the whole. Returns the ids of the whole result (undefined when both engines refused).
 */
async function compareEngines<T>(
  c: Case,
  search: (store: TrackingStore, offset: number, limit: number) => Promise<PageResult<T>>,
  id: (item: T) => string,
): Promise<string[] | undefined> {
  const all = await outcome(() => search(sqlite, 0, 1000))
  expect(await outcome(() => search(postgres, 0, 1000)), describeCase(c)).toEqual(all)
  if ('error' in all) return undefined
  const ids = all.items.map(id)
  const pages = Math.min(6, Math.ceil(ids.length / c.pageSize) + 1)
  for (let page = 0; page < pages; page++) {
    const offset = page * c.pageSize
    const expected = { ids: ids.slice(offset, offset + c.pageSize), hasMore: offset + c.pageSize < ids.length }
    for (const [engine, store] of [
      ['sqlite', sqlite],
      ['postgres', postgres],
    ] as const) {
      const got = await search(store, offset, c.pageSize)
      expect({ ids: got.items.map(id), hasMore: got.hasMore }, describeCase(c, ` ${engine} offset ${offset}`)).toEqual(
        expected,
      )
    }
  }
  return ids
}

describe(`search on SQLite and PostgreSQL give the same results (seed ${SEED})`, () => {
  it(`runs: ${RUN_CASES} random filters and orders, every page, and the oracle`, async () => {
    const random = new Random(SEED + 1)
    let matched = 0
    for (let n = 0; n < RUN_CASES; n++) {
      const c = drawCase(random, RUN_SEARCH, n)
      const experimentIds = random.chance(0.8) ? [sweeps[0]!] : sweeps
      const query = (offset: number, limit: number): RunSearchQuery => ({
        experimentIds,
        ...(c.filter && { filter: c.filter }),
        orderBy: c.orderBy,
        viewType: c.viewType,
        offset,
        limit,
      })
      const ids = await compareEngines(
        c,
        (store, offset, limit) => store.runs.search(query(offset, limit)),
        (run) => run.info.runId,
      )
      expect(ids, describeCase(c)).toBeDefined()
      // The data is too small for the planner's choice to vary: each plan, forced, on both engines.
      if (n % 4 === 0) {
        for (const [plan, tuning] of Object.entries(PLANS)) {
          for (const engine of ['sqlite', 'postgres'] as const) {
            const { db, ops } = databases[engine]
            const got = await searchRunIds(db, ops, query(0, 1000), tuning)
            expect(got, describeCase(c, ` ${engine} plan ${plan}`)).toEqual(ids)
          }
        }
      }
      if (ids && ids.length > 0) matched++
      const inScope = data.runs.filter((r) => experimentIds.includes(sweeps[r.experiment]!))
      expect(ids, `${describeCase(c)} (oracle)`).toEqual(oracleSearch(inScope, c.filter, c.orderBy, c.viewType))
    }
    // The cases are not vacuous: most filters select some runs.
    expect(matched).toBeGreaterThan(RUN_CASES / 3)
  }, 300_000)

  it(`experiments: ${EXPERIMENT_CASES} random filters and orders, every page`, async () => {
    const random = new Random(SEED + 2)
    for (let n = 0; n < EXPERIMENT_CASES; n++) {
      const c = drawCase(random, EXPERIMENT_SEARCH, n)
      const ids = await compareEngines(
        c,
        (store, offset, limit) =>
          store.experiments.search({
            ...(c.filter && { filter: c.filter }),
            orderBy: c.orderBy,
            viewType: c.viewType,
            offset,
            limit,
          }),
        (e) => e.experimentId,
      )
      expect(ids, describeCase(c)).toBeDefined()
    }
  }, 120_000)

  it(`logged models: ${MODEL_CASES} random filters, orders and datasets, every page`, async () => {
    const random = new Random(SEED + 3)
    for (let n = 0; n < MODEL_CASES; n++) {
      const c = drawCase(random, LOGGED_MODEL_SEARCH, n)
      const datasets = random.pick([[], [], [{ name: 'train' }], [{ name: 'eval', digest: 'd1' }, { name: 'é' }]])
      const orderBy = c.orderBy.map((o) =>
        o.entity === 'metric' && random.chance(0.3) ? { ...o, datasetName: 'train', datasetDigest: 'd1' } : o,
      )
      const ids = await compareEngines(
        { ...c, orderText: [...c.orderText, `datasets ${JSON.stringify(datasets)}`] },
        (store, offset, limit) =>
          store.loggedModels.search({
            experimentIds: [sweeps[0]!],
            ...(c.filter && { filter: c.filter }),
            orderBy,
            viewType: c.viewType,
            datasets,
            offset,
            limit,
          }),
        (m) => m.info.modelId,
      )
      expect(ids, describeCase(c)).toBeDefined()
    }
  }, 120_000)
})
