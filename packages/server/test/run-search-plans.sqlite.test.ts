/**
 * runs/search picks a plan by the data (walk the runs in the page's order and probe each, or start
 * from a selective filter's index entries and sort). On the small data of a test it would always
 * pick the same one, so this test forces each plan and checks that every page of every query is
 * the same as the one plain query (LEFT JOINs and ORDER BY, the planner left to itself), on data
 * with the awkward cases: ties on values and start times, NaN, missing metrics and params, runs of
 * another experiment, deleted runs.
 */
import { createRng } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RUN_SEARCH, parseFilter, parseOrderBy } from '../src/search/index.js'
import { type SqlDatabase, openDatabase } from '../src/sql/open-database.js'
import { type SearchTuning, searchRunIds } from '../src/sql/tracking/run-search-sql.js'
import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'
import type { RunSearchQuery, TrackingStore } from '../src/tracking/tracking-store.js'

let database: SqlDatabase
let store: TrackingStore
let experimentId: string

beforeAll(async () => {
  database = await openDatabase('sqlite:///:memory:')
  store = createSqlTrackingStore(database)
  await store.ensureDefaultExperiment('mlflow-artifacts:/0')
  const newExperiment = (name: string) =>
    store.experiments.create({ name, artifactLocation: (id) => `mlflow-artifacts:/${id}`, tags: [], time: 1 })
  experimentId = await newExperiment('plans')
  const other = await newExperiment('other')
  const r = createRng(5)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
  for (let i = 0; i < 240; i++) {
    const runId = `${i.toString(16).padStart(4, '0')}${'0'.repeat(24)}${Math.floor(r() * 0xffff)
      .toString(16)
      .padStart(4, '0')}`
    const exp = i % 8 === 7 ? other : experimentId
    await store.runs.create({
      runId,
      experimentId: exp,
      name: `run-${i}`,
      userId: 'tester',
      startTime: 1000 + Math.floor(i / 3) * 10, // three runs per start time
      artifactUri: `mlflow-artifacts:/${exp}/${runId}/artifacts`,
      tags: [],
    })
    const value = (): number => {
      const x = r()
      return x < 0.08 ? Number.NaN : Math.round(r() * 10) / 10 // NaN and many ties
    }
    const metrics = [
      ...(r() < 0.85 ? [{ key: 'acc', value: value(), timestamp: 1, step: 0 }] : []),
      ...(r() < 0.9 ? [{ key: 'loss', value: value(), timestamp: 1, step: 0 }] : []),
    ]
    const params = [
      { key: 'opt', value: pick(['adam', 'adam', 'adam', 'sgd', 'adamw']) },
      ...(r() < 0.8 ? [{ key: 'depth', value: String(1 + Math.floor(r() * 4)) }] : []),
      ...(i % 40 === 0 ? [{ key: 'rare', value: 'yes' }] : []),
    ]
    const tags = [{ key: 'team', value: pick(['a', 'b']) }]
    await store.runs.logBatch(runId, { metrics, params, tags })
    if (i % 25 === 3) await store.runs.setLifecycle(runId, 'deleted', 2)
  }
})

afterAll(async () => {
  await store.close()
})

const FILTERS = [
  undefined,
  "params.opt = 'adam'",
  "params.opt LIKE 'adam%'",
  "params.rare = 'yes'",
  "params.depth = '2' and metrics.acc > 0.3",
  'metrics.acc > 0.5',
  "metrics.loss <= 0.4 and tags.team = 'a' and params.opt != 'sgd'",
  "params.opt = 'sgd' and attributes.status = 'RUNNING'",
  "tags.team = 'b' and (params.depth = '1' or params.depth = '4')",
  'params.depth IS NULL',
]
const ORDERS = [[], ['metrics.acc ASC'], ['metrics.acc DESC'], ['metrics.loss']]
const PLANS: Record<string, SearchTuning> = { walk: { probeDrivesAt: 0 }, drive: { probeDrivesAt: Infinity }, auto: {} }

describe('runs/search plans give the same pages', () => {
  for (const filter of FILTERS) {
    for (const orderBy of ORDERS) {
      it(`${filter ?? '(no filter)'} / ${orderBy.join(',') || 'default order'}`, async () => {
        const parsed = parseFilter(filter, RUN_SEARCH)
        const query = (offset: number, limit: number): RunSearchQuery => ({
          experimentIds: [experimentId],
          ...(parsed ? { filter: parsed } : {}),
          orderBy: parseOrderBy(orderBy, RUN_SEARCH),
          viewType: 'ACTIVE_ONLY',
          offset,
          limit,
        })
        const all = await searchRunIds(database.db, database.ops, query(0, 1000), { generic: true })
        expect(all.length).toBeGreaterThan(0)
        for (const [name, tuning] of Object.entries(PLANS)) {
          for (const [offset, limit] of [
            [0, 1000],
            [0, 7],
            [5, 7],
            [Math.max(0, all.length - 4), 7],
            [all.length + 2, 3],
          ] as const) {
            const got = await searchRunIds(database.db, database.ops, query(offset, limit), tuning)
            expect(got, `${name} offset ${offset} limit ${limit}`).toEqual(all.slice(offset, offset + limit + 1))
          }
        }
      })
    }
  }
})
