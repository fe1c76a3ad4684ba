/**
 * Windows' mergeable profiles, in-process through the app's request function, fed through
 * `/keel/predictions/log-batch`: the profile of a range of windows, merged from the profiles stored
 * with them, equals the profile of all their rows built directly (count, mean to 1e-9, quantiles
 * within the KLL bound; mean, std and quantile ranks also checked against NumPy), drift over the
 * range is reported (Wasserstein score near SciPy's), and bad input is answered 400 naming the field.
 * A window sampled for its drift report (here with a small cap) still has every row in its profile.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Monitor } from '@keel/contracts'
import { DatasetProfile, kllRankError, KLL_DEFAULT_K } from '@keel/monitoring'
import { createRng } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectRows } from '../src/monitoring/live/log-windows.js'
import { profileRows } from '../src/monitoring/live/window-profile.js'
import { openDatabase } from '../src/sql/open-database.js'
import { SqlPredictionLogStore } from '../src/sql/predictions/sql-prediction-log-store.js'
import { record as logRecord } from './conformance/prediction-log-store-conformance.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type KeelReply, keelCall, ok } from './support/keel-api.js'

const PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url))

let server: InProcessKeel
const scratch = mkdtempSync(join(tmpdir(), 'keel-monitor-profile-'))

beforeAll(async () => {
  server = await startKeelApp({ args: ['--monitor-interval', '0'] })
})

afterAll(async () => {
  await server?.close()
  rmSync(scratch, { recursive: true, force: true })
})

type Res = KeelReply
const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<Res> =>
  keelCall(server, method, path, body)

// ---- a seeded stream: a reference, 2 stable windows, 2 shifted ones ----
const random = createRng(11)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())

const T0 = 1_764_100_000_000
const DEPLOYMENT = 'profiled'
const REFERENCE = 1500
const WINDOW = 1500
const WINDOWS = 4

interface Row {
  t: number
  x1: number
  x2: number | null
  kind: string
  out: number
}
const rows: Row[] = []
for (let i = 0; i < REFERENCE + WINDOWS * WINDOW; i++) {
  const shifted = i >= REFERENCE + 2 * WINDOW
  const x1 = normal() + (shifted ? 1.5 : 0)
  const x2 = random() < 0.05 ? null : 5 + 2 * normal()
  const kind = ['a', 'b', 'c', 'd'][Math.floor(random() * 4)]!
  rows.push({ t: T0 + i * 10, x1, x2, kind, out: x1 > 0 ? 1 : 0 })
}
const record = (r: Row, i: number) => ({
  request_id: `p${i}`,
  deployment: DEPLOYMENT,
  model_name: 'm',
  model_version: '1',
  model_uri: 'models:/m/1',
  variant: 'champion',
  timestamp_ms: r.t,
  latency_ms: 1,
  protocol: 'v2',
  inputs: [{ x1: r.x1, ...(r.x2 !== null && { x2: r.x2 }), kind: r.kind }],
  outputs: [r.out],
  status_code: 200,
})
const windowRows = (k: number) => rows.slice(REFERENCE + (k - 1) * WINDOW, REFERENCE + k * WINDOW)
const table = (rs: readonly Row[]) => ({
  x1: rs.map((r) => r.x1),
  x2: rs.map((r) => r.x2),
  kind: rs.map((r) => r.kind),
  prediction: rs.map((r) => r.out),
})

/** NumPy's mean and std (ddof 0), and each answered quantile's rank (share of values <= it). */
function numpyCheck(values: number[], quantiles: number[]): { mean: number; std: number; ranks: number[] } {
  const file = join(scratch, `np-${Math.random()}.json`)
  writeFileSync(file, JSON.stringify({ values, quantiles }))
  const out = execFileSync(PYTHON, [
    '-c',
    'import json,sys\nimport numpy as np\nd=json.load(open(sys.argv[1]))\nv=np.array(d["values"])\nprint(json.dumps({"mean":float(v.mean()),"std":float(v.std()),"ranks":[float((v<=q).mean()) for q in d["quantiles"]]}))',
    file,
  ])
  return JSON.parse(out.toString())
}

/** SciPy's Wasserstein distance over NumPy's std of the reference (Evidently's normed score). */
function scipyWasserstein(reference: number[], current: number[]): number {
  const file = join(scratch, `w-${Math.random()}.json`)
  writeFileSync(file, JSON.stringify([reference, current]))
  const out = execFileSync(PYTHON, [
    '-c',
    'import json,sys\nimport numpy as np\nfrom scipy.stats import wasserstein_distance\nr,c=json.load(open(sys.argv[1]))\nprint(wasserstein_distance(r,c)/np.std(r))',
    file,
  ])
  return Number(out.toString())
}

const Q = { p1: 0.01, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const

describe('monitor profiles', () => {
  let monitorId = ''
  let starts: number[] = []

  beforeAll(async () => {
    const records = rows.map(record)
    for (let i = 0; i < records.length; i += 1000)
      await ok(call('POST', 'predictions/log-batch', { records: records.slice(i, i + 1000) }))
    const { monitor } = await ok(
      call('POST', 'monitors/create', {
        name: 'prof',
        deployment: DEPLOYMENT,
        reference: { log: { start_time: T0, end_time: T0 + REFERENCE * 10 } },
        window: { count: WINDOW },
      }),
    )
    monitorId = monitor.monitor_id
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
    expect(run.windows.map((w: any) => w.rows)).toEqual([WINDOW, WINDOW, WINDOW, WINDOW])
    starts = run.windows.map((w: any) => w.start_ms)
  })

  it('merges the stored profiles of a range into the profile of all its rows', async () => {
    const { profile } = await ok(
      call('GET', 'monitors/profile', {
        monitor_id: monitorId,
        start_time: String(starts[0]),
        end_time: String(starts[3]),
      }),
    )
    expect(profile).toMatchObject({ monitor_id: monitorId, windows: 3, windows_without_profile: 0, rows: 3 * WINDOW })
    const all = [1, 2, 3].flatMap(windowRows)
    const direct = DatasetProfile.fromTable(table(all))
    const eps = kllRankError(KLL_DEFAULT_K)
    const byName = Object.fromEntries(profile.columns.map((c: any) => [c.column, c]))
    expect(Object.keys(byName).sort()).toEqual(['kind', 'prediction', 'x1', 'x2'])
    for (const name of ['x1', 'x2', 'prediction'] as const) {
      const got = byName[name]
      const want = direct.column(name)!
      expect(got.count).toBe(want.present)
      expect(got.nulls).toBe(want.missing)
      expect(Math.abs(got.mean - want.moments.mean)).toBeLessThan(1e-9)
      const values = all.map((r) => r[name === 'prediction' ? 'out' : name]).filter((v): v is number => v !== null)
      expect(got.count).toBe(values.length)
      const qs = Object.keys(Q).map((k) => got.quantiles[k])
      const np = numpyCheck(values, qs)
      expect(Math.abs(got.mean - np.mean)).toBeLessThan(1e-9)
      expect(Math.abs(got.std - np.std)).toBeLessThan(1e-9)
      Object.values(Q).forEach((q, i) => {
        // the merged sketch's quantile is within the KLL rank bound, of the true ranks and of the direct sketch's
        if (name !== 'prediction') expect(Math.abs(np.ranks[i]! - q)).toBeLessThanOrEqual(eps + 1 / values.length)
        const directRank = values.filter((v) => v <= want.quantile(q)).length / values.length
        expect(Math.abs(np.ranks[i]! - directRank)).toBeLessThanOrEqual(2 * eps + 1 / values.length)
      })
    }
    expect(byName.x2.nulls).toBe(all.filter((r) => r.x2 === null).length)
    expect(byName.kind).toMatchObject({ count: all.length, nulls: 0, distinct: 4, distinct_exact: true })
    const counts = new Map<string, number>()
    for (const r of all) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1)
    expect(Object.fromEntries(byName.kind.top_items.map((t: any) => [t.value, t.count]))).toEqual(
      Object.fromEntries(counts),
    )
  })

  it('reports drift over a range from the profiles: stable windows do not drift, shifted ones do', async () => {
    const reference = rows.slice(0, REFERENCE).map((r) => r.x1)
    const stable = (
      await ok(
        call('GET', 'monitors/profile', {
          monitor_id: monitorId,
          start_time: String(starts[0]),
          end_time: String(starts[2]),
        }),
      )
    ).profile
    const shifted = (
      await ok(call('GET', 'monitors/profile', { monitor_id: monitorId, start_time: String(starts[2]) }))
    ).profile
    expect(stable.windows).toBe(2)
    expect(shifted.windows).toBe(2)
    expect(stable.drift.drifted_columns).not.toContain('x1')
    expect(shifted.drift.drifted_columns).toContain('x1')
    expect(shifted.drift.drifted_columns).toContain('prediction')
    for (const [p, rs] of [
      [stable, [1, 2].flatMap(windowRows)],
      [shifted, [3, 4].flatMap(windowRows)],
    ] as const) {
      const x1 = p.drift.columns.find((c: any) => c.column === 'x1')
      expect(x1.test).toBe('wasserstein')
      // sketched on both sides (3,000 rows > the 1,000 kept exactly): near SciPy's exact score
      expect(
        Math.abs(
          x1.score -
            scipyWasserstein(
              reference,
              rs.map((r) => r.x1),
            ),
        ),
      ).toBeLessThan(0.02)
    }
    // no range: every window
    const whole = (await ok(call('GET', 'monitors/profile', { monitor_id: monitorId }))).profile
    expect(whole).toMatchObject({ windows: WINDOWS, rows: WINDOWS * WINDOW })
  })

  it('answers 400 naming the field for bad input, 404 for an unknown monitor', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /monitor_id/],
      [{ monitor_id: monitorId, start_time: 'soon' }, /start_time/],
      [{ monitor_id: monitorId, end_time: '1.5' }, /end_time/],
      [{ monitor_id: monitorId, start_time: String(starts[2]), end_time: String(starts[1]) }, /end_time/],
    ]
    for (const [query, field] of cases) {
      const res = await call('GET', 'monitors/profile', query)
      expect(res.status, JSON.stringify(query)).toBe(400)
      expect(res.json.message).toMatch(field)
    }
    expect((await call('GET', 'monitors/profile', { monitor_id: 'nope' })).status).toBe(404)
  })
})

describe('a sampled window', () => {
  it('profiles every row page by page while the drift report gets a capped sample', async () => {
    const database = await openDatabase('sqlite:///:memory:')
    try {
      const log = new SqlPredictionLogStore(database.db, database.ops)
      // 2,500 requests of 2 rows each: three pages of the log, 5,000 rows
      const records = Array.from({ length: 2500 }, (_, i) =>
        logRecord(`s${i}`, { timestampMs: T0 + i, inputs: [{ x: i }, { x: -i }], outputs: [1, 0] }),
      )
      for (let i = 0; i < records.length; i += 500) await log.logBatch(records.slice(i, i + 500))
      const monitor = { deployment: 'iris' } as Monitor
      const profile = new DatasetProfile()
      const range = {
        after: { timestampMs: T0 - 1, seq: -1 },
        end: { timestampMs: T0 + 10_000, seq: Number.MAX_SAFE_INTEGER },
        startMs: T0,
        endMs: T0 + 10_001,
      }
      const sample = await collectRows(log, monitor, range, 100, (rows) =>
        profileRows(profile, rows, { inputs: ['x'], prediction: 'prediction' }),
      )
      expect(sample.items).toHaveLength(100)
      expect(sample.seen).toBe(5000)
      expect(profile.rows).toBe(5000)
      const x = profile.column('x')!
      expect(x.present).toBe(5000)
      expect(x.moments.mean).toBeCloseTo(0, 9)
      expect(x.moments.min).toBe(-2499)
      expect(x.moments.max).toBe(2499)
      expect(profile.column('prediction')!.moments.mean).toBeCloseTo(0.5, 12)
    } finally {
      await database.close()
    }
  })
})
