/**
 * `keel db copy` (sql/copy-database.ts): a laptop's SQLite store, filled through the API (runs,
 * metrics, the registry with aliases, users and the audit log, the prediction log, a monitor and
 * its windows), copied into an empty PostgreSQL database; keel on the copy answers every read as
 * keel on the original did, and takes new writes (its counters moved past the copied ids); the copy
 * copies back into a new SQLite file. A
 * non-empty target is refused, and a copy that fails midway leaves the target empty.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyDatabase } from '../src/sql/copy-database.js'
import { openDatabase } from '../src/sql/open-database.js'
import { type KeelReply, keelCall } from './support/keel-api.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'
import { type FreshPostgres, freshPostgres } from './support/postgres.js'
import { predictionRecord } from './support/prediction-records.js'

const ADMIN = { username: 'admin', password: 'copy-admin-password-1' }
const AUTH = {
  args: ['--app-name', 'basic-auth', '--monitor-interval', '0'],
  env: { MLFLOW_AUTH_ADMIN_USERNAME: ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password },
}
const authorization = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`

let original: InProcessKeel
let copy: InProcessKeel | undefined
let target: FreshPostgres
let monitorId = ''

/** The app's fetch with the admin's credentials on every request. */
const as = (app: InProcessKeel) => ({
  url: app.url,
  fetch: ((input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers)
    headers.set('authorization', authorization)
    return app.fetch(input, { ...init, headers })
  }) as typeof fetch,
})

const T0 = 1_764_000_000_000
const record = (i: number) =>
  predictionRecord(i, {
    t0: T0,
    deployment: 'copied',
    inputs: (k) => ({ x: (k * 37) % 11, label: k % 3 === 0 ? null : `c${k % 4}` }),
    outputs: (k) => [k % 2],
  })

async function keel(app: InProcessKeel, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) {
  const reply: KeelReply = await keelCall(as(app), method, path, body)
  expect(reply.status, `${path}: ${JSON.stringify(reply.json)}`).toBe(200)
  return reply.json
}

beforeAll(async () => {
  original = await startKeelApp(AUTH)
  const sdk = createKeel({ trackingUri: original.url, fetch: original.fetch, ...ADMIN })
  await sdk.setExperiment('copied-experiment')
  const iris = loadIris()
  for (const seed of [1, 2, 3]) {
    await sdk.withRun({ runName: `run-${seed}` }, async (run) => {
      await run.logParams({ seed: String(seed), note: seed === 2 ? 'ünïcode ✓' : 'plain' })
      for (let step = 0; step < 50; step++) await run.logMetric('loss', 1 / (step + seed), { step })
      await run.logMetric('odd', seed === 3 ? Number.NaN : seed, { step: 0 })
      await run.setTag('team', seed % 2 ? 'a' : 'b')
      if (seed === 1) {
        const forest = new RandomForestClassifier({ nEstimators: 3, maxDepth: 3, seed }).fit(iris.data, iris.target)
        await run.logModel(forest, { featureNames: iris.featureNames })
        await sdk.registerModel(`runs:/${run.runId}/model`, 'iris')
      }
    })
  }
  await sdk.registry.setRegisteredModelAlias('iris', 'champion', '1')
  await api(as(original), 'POST', '/users/create', { username: 'alice', password: 'alice-password-123' })
  await keel(original, 'POST', 'predictions/log-batch', { records: Array.from({ length: 60 }, (_, i) => record(i)) })
  const { monitor } = await keel(original, 'POST', 'monitors/create', {
    name: 'copied-watch',
    deployment: 'copied',
    reference: { log: { start_time: T0, end_time: T0 + 20_000 } },
    window: { count: 20 },
  })
  monitorId = monitor.monitor_id
  await keel(original, 'POST', 'monitors/run', { monitor_id: monitorId })
  target = await freshPostgres({ migrated: false })
}, 120_000)

afterAll(async () => {
  await copy?.close()
  await original?.close()
  await target?.drop()
})

/** What a user reads of the store, through the API. */
async function reads(app: InProcessKeel): Promise<unknown> {
  const target = as(app)
  const { json: experiments } = await api(target, 'POST', '/experiments/search', { max_results: 100 })
  const ids = experiments.experiments.map((e: { experiment_id: string }) => e.experiment_id)
  const { json: runs } = await api(target, 'POST', '/runs/search', {
    experiment_ids: ids,
    max_results: 100,
    order_by: ['metrics.loss ASC'],
  })
  const histories = []
  for (const r of runs.runs) {
    const { json } = await api(target, 'GET', '/metrics/get-history', { run_id: r.info.run_id, metric_key: 'loss' })
    histories.push(json)
  }
  const { json: models } = await api(target, 'GET', '/registered-models/search', { max_results: 100 })
  const { json: alias } = await api(target, 'GET', '/registered-models/alias', { name: 'iris', alias: 'champion' })
  const { json: users } = await api(target, 'GET', '/users/list', {})
  const predictions = await keel(app, 'GET', 'predictions/search', { deployment: 'copied', max_results: '1000' })
  const windows = await keel(app, 'GET', 'monitors/windows', { monitor_id: monitorId })
  return { experiments, runs, histories, models, alias, users, predictions, windows }
}

describe('keel db copy: SQLite into PostgreSQL', () => {
  it('copies every row, and keel on the copy reads as keel on the original', async () => {
    const before = (await reads(original)) as Record<string, any>
    // What is compared holds what was written (so an empty read on both sides cannot pass).
    expect(before.runs.runs).toHaveLength(3)
    expect(before.histories.map((h: { metrics: unknown[] }) => h.metrics.length)).toEqual([50, 50, 50])
    expect(before.models.registered_models.map((m: { name: string }) => m.name)).toEqual(['iris'])
    expect(before.alias.model_version.version).toBe('1')
    expect(before.users.users.map((u: { username: string }) => u.username).sort()).toEqual(['admin', 'alice'])
    expect(before.predictions.records).toHaveLength(60)
    expect(before.windows.windows.length).toBeGreaterThanOrEqual(2)
    const source = await openDatabase(`sqlite:///${original.dbPath}`)
    const into = await openDatabase(target.uri)
    const progress: string[] = []
    try {
      const tables = await copyDatabase(source, into, (p) => {
        if (p.copied === p.total) progress.push(p.table)
      })
      const rows = Object.fromEntries(tables.map((t) => [t.table, t.rows]))
      expect(rows.runs).toBe(3)
      expect(rows.metrics).toBe(3 * 51)
      expect(rows.prediction_log ?? rows.predictions).toBeGreaterThanOrEqual(60)
      expect(progress).toEqual(tables.map((t) => t.table))
      // Parents before children.
      expect(progress.indexOf('experiments')).toBeLessThan(progress.indexOf('runs'))
      expect(progress.indexOf('runs')).toBeLessThan(progress.indexOf('metrics'))
    } finally {
      await source.close()
      await into.close()
    }
    copy = await startKeelApp({ ...AUTH, backendStoreUri: target.uri })
    expect(await reads(copy)).toEqual(before)
  })

  it('takes new writes on the copy: ids continue after the copied ones', async () => {
    const { json } = await api(as(copy!), 'POST', '/experiments/create', { name: 'after-the-copy' })
    const { json: all } = await api(as(copy!), 'POST', '/experiments/search', { max_results: 100 })
    const ids = all.experiments.map((e: { experiment_id: string }) => Number(e.experiment_id))
    expect(Number(json.experiment_id)).toBe(Math.max(...ids))
    expect(new Set(ids).size).toBe(ids.length)
    const sdk = createKeel({ trackingUri: copy!.url, fetch: copy!.fetch, ...ADMIN })
    const versions = await sdk.registry.searchModelVersions({ filter: "name = 'iris'" })
    expect(versions.items.map((v) => v.version)).toEqual(['1'])
  })

  it('copies back from PostgreSQL into a new SQLite file', async () => {
    // PostgreSQL's metrics declare no foreign key to runs (migration 0012); SQLite's do, and check
    // each row as it arrives (copyOrder follows both sides' keys).
    const dataDir = await mkdtemp(join(tmpdir(), 'keel-copy-back-'))
    const source = await openDatabase(target.uri)
    const into = await openDatabase(`sqlite:///${join(dataDir, 'keel.db')}`)
    let back: InProcessKeel | undefined
    try {
      const tables = (await copyDatabase(source, into)).map((t) => t.table)
      expect(tables.indexOf('runs')).toBeLessThan(tables.indexOf('metrics'))
      await into.close()
      back = await startKeelApp({ ...AUTH, dataDir })
      expect(await reads(back)).toEqual(await reads(copy!))
    } finally {
      await source.close()
      await into.close()
      await back?.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('refuses a target that already holds data, naming the table', async () => {
    const source = await openDatabase(`sqlite:///${original.dbPath}`)
    const into = await openDatabase(target.uri)
    try {
      await expect(copyDatabase(source, into)).rejects.toThrow(/target is not empty \(\w+ holds \d+ rows?\)/)
    } finally {
      await source.close()
      await into.close()
    }
  })

  it('leaves the target empty when the copy fails midway', async () => {
    const empty = await freshPostgres({ migrated: false })
    const source = await openDatabase(`sqlite:///${original.dbPath}`)
    const into = await openDatabase(empty.uri)
    try {
      await expect(
        copyDatabase(source, into, (p) => {
          if (p.table === 'metrics' && p.copied > 0) throw new Error('interrupted')
        }),
      ).rejects.toThrow('interrupted')
      for (const { name } of await into.ops.tables(into.db as never)) {
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(name)}`.execute(into.db)
        expect(rows[0]?.n, name).toBe(0)
      }
    } finally {
      await source.close()
      await into.close()
      await empty.drop()
    }
  })
})
