/**
 * Several stateless servers (issue 15, item 3): two `keel server` processes (the built CLI) on one
 * PostgreSQL database and one S3 bucket (moto), as behind a load balancer, with clients that
 * alternate between them under load. Nothing written through either is lost; a page token from
 * one works on the other; an artifact written through one is read through the other; a monitor's
 * windows, scheduled by both, are each processed once; a model server following an alias through
 * one replica sees a move made through the other.
 */
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelReply, keelCall } from './support/keel-api.js'
import { type KeelServer, startKeelServer } from './support/keel-server.js'
import { type ModelServerProcess, send, startModelServe } from './support/model-server.js'
import { type FreshPostgres, freshPostgres } from './support/postgres.js'
import { predictionRecord } from './support/prediction-records.js'
import { type S3Server, startS3Server } from './support/s3-server.js'
import { poll } from './support/poll.js'

let database: FreshPostgres
let s3: S3Server
let replicas: KeelServer[] = []
let served: ModelServerProcess | undefined

beforeAll(async () => {
  database = await freshPostgres({ migrated: false })
  s3 = await startS3Server()
  const args = [
    '--backend-store-uri',
    database.uri,
    '--artifacts-destination',
    `s3://${s3.bucket}/artifacts`,
    '--monitor-interval',
    '1',
  ]
  // Started together: the migrations run once, under the advisory lock, whichever comes first.
  replicas = await Promise.all([startKeelServer({ args, env: s3.env }), startKeelServer({ args, env: s3.env })])
}, 120_000)

afterAll(async () => {
  await served?.stop()
  await Promise.all(replicas.map((r) => r.close()))
  await s3?.close()
  await database?.drop()
})

/** The replica for the i-th call: they alternate, as a round-robin balancer sends them. */
const at = (i: number): KeelServer => replicas[i % replicas.length]!

async function mlflow(i: number, path: string, body: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${at(i).url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const json = await res.json()
  expect(res.status, `${path} on replica ${i % 2}: ${JSON.stringify(json)}`).toBe(200)
  return json
}

async function keel(i: number, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<any> {
  const reply: KeelReply = await keelCall(at(i).url, method, path, body)
  expect(reply.status, `${path} on replica ${i % 2}: ${JSON.stringify(reply.json)}`).toBe(200)
  return reply.json
}

describe('two keel servers on one PostgreSQL and one S3', () => {
  it('ran the migrations once and both answer', async () => {
    for (const r of replicas) expect(r.output()).toMatch(/keel server listening/)
    const { experiments } = await mlflow(0, 'experiments/search', { max_results: 10 })
    expect(experiments.map((e: { name: string }) => e.name)).toEqual(['Default'])
  })

  it('loses no write from clients alternating between them', async () => {
    const { experiment_id } = await mlflow(0, 'experiments/create', { name: 'replicas' })
    const CLIENTS = 4
    const BATCHES = 30
    const PER_BATCH = 100
    const runIds = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const { run } = await mlflow(c, 'runs/create', { experiment_id, run_name: `client-${c}`, start_time: 1 })
        return run.info.run_id as string
      }),
    )
    await Promise.all(
      runIds.map(async (runId, c) => {
        for (let b = 0; b < BATCHES; b++) {
          const metrics = Array.from({ length: PER_BATCH }, (_, k) => ({
            key: 'loss',
            value: b * PER_BATCH + k,
            timestamp: 1,
            step: b * PER_BATCH + k,
          }))
          await mlflow(c + b, 'runs/log-batch', {
            run_id: runId,
            metrics,
            params: [{ key: `p${b}`, value: `${c}-${b}` }],
            tags: [{ key: `t${b % 5}`, value: String(b) }],
          })
        }
      }),
    )
    for (const [c, runId] of runIds.entries()) {
      for (const r of [0, 1]) {
        const res = await fetch(
          `${at(r).url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=25000`,
        )
        const history = (await res.json()) as { metrics: { step: number }[] }
        expect(new Set(history.metrics.map((m) => m.step)).size, `client ${c} on replica ${r}`).toBe(
          BATCHES * PER_BATCH,
        )
        const { run } = (await (await fetch(`${at(r).url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as any
        expect(run.data.params).toHaveLength(BATCHES)
        expect(run.data.metrics).toEqual([expect.objectContaining({ key: 'loss', value: BATCHES * PER_BATCH - 1 })])
      }
    }
  })

  it('continues a search on either replica with the page token the other gave', async () => {
    const { experiment_id } = await mlflow(1, 'experiments/create', { name: 'paging' })
    for (let i = 0; i < 11; i++)
      await mlflow(i, 'runs/create', { experiment_id, run_name: `r${i}`, start_time: 100 + i })
    const seen: string[] = []
    let token: string | undefined
    let page = 0
    do {
      const found = await mlflow(page++, 'runs/search', {
        experiment_ids: [experiment_id],
        max_results: 3,
        order_by: ['attributes.start_time ASC'],
        ...(token !== undefined && { page_token: token }),
      })
      seen.push(...(found.runs ?? []).map((r: { info: { run_name: string } }) => r.info.run_name))
      token = found.next_page_token
    } while (token)
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => `r${i}`))
    expect(page).toBe(4)
  })

  it('reads through one replica the artifact written through the other (one S3 bucket)', async () => {
    const body = `written through replica 0 at ${Date.now()}\n`.repeat(1000)
    const put = await fetch(`${at(0).url}/api/2.0/mlflow-artifacts/artifacts/replicas/note.txt`, {
      method: 'PUT',
      body,
    })
    expect(put.status).toBe(200)
    const got = await fetch(`${at(1).url}/api/2.0/mlflow-artifacts/artifacts/replicas/note.txt`)
    expect(got.status).toBe(200)
    expect(await got.text()).toBe(body)
  })

  it("processes each of a monitor's windows once, though both replicas schedule it", async () => {
    const T0 = 1_764_000_000_000
    const WINDOW = 40
    const record = (i: number) =>
      predictionRecord(i, {
        t0: T0,
        deployment: 'shared',
        inputs: (k) => ({ x: (k * 37) % 11, y: (k * 13) % 7 }),
        outputs: (k) => [k % 2],
      })
    const REFERENCE = 80
    const logThrough = async (from: number, to: number) => {
      for (let i = from; i < to; i += 20) {
        await keel(i / 20, 'POST', 'predictions/log-batch', {
          records: Array.from({ length: 20 }, (_, k) => record(i + k)),
        })
      }
    }
    await logThrough(0, REFERENCE)
    const { monitor } = await keel(0, 'POST', 'monitors/create', {
      name: 'shared-watch',
      deployment: 'shared',
      reference: { log: { start_time: T0, end_time: T0 + REFERENCE * 1000 } },
      window: { count: WINDOW },
    })
    // The rest of the log arrives in small batches through both replicas while both schedulers run.
    const TOTAL = REFERENCE + 6 * WINDOW
    await logThrough(REFERENCE, TOTAL)
    // Both schedulers have been queueing its due windows; now both replicas are asked at once too.
    await Promise.all([0, 1].map((r) => keel(r, 'POST', 'monitors/run', { monitor_id: monitor.monitor_id })))
    const listed = await Promise.all(
      [0, 1].map(async (r) => (await keel(r, 'GET', 'monitors/windows', { monitor_id: monitor.monitor_id })).windows),
    )
    const [windows] = listed as [{ window_id: number; rows: number; start_ms: number; end_ms: number }[]]
    // Numbered 1, 2, … exactly once, each of WINDOW rows, the same list through either replica; each
    // window follows the one before in the log (a window processed twice would repeat its span), and
    // together they cover the whole log after the reference, or all of it.
    expect(windows.map((w) => w.window_id)).toEqual(Array.from({ length: windows.length }, (_, i) => i + 1))
    expect(windows.every((w) => w.rows === WINDOW)).toBe(true)
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.start_ms).toBeGreaterThan(windows[i - 1]!.end_ms)
    expect([(TOTAL - REFERENCE) / WINDOW, TOTAL / WINDOW]).toContain(windows.length)
    expect(listed[1]).toEqual(windows)
  })

  it('a model server following an alias through one replica sees the move made through the other', async () => {
    const iris = loadIris()
    const sdk = (i: number) => createKeel({ trackingUri: at(i).url })
    await sdk(0).setExperiment('replicas-serving')
    for (const seed of [1, 2]) {
      const target = seed === 1 ? iris.target : iris.target.map((t) => (t + 1) % 3)
      const forest = new RandomForestClassifier({ nEstimators: 4, maxDepth: 3, seed }).fit(iris.data, target)
      const runId = await sdk(seed).withRun({}, async (run) => {
        await run.logModel(forest, { featureNames: iris.featureNames })
        return run.runId
      })
      await sdk(seed).registerModel(`runs:/${runId}/model`, 'shared-model')
    }
    await sdk(0).registry.setRegisteredModelAlias('shared-model', 'champion', '1')
    served = await startModelServe(
      ['-m', 'models:/shared-model@champion', '-w', '1', '--poll-interval', '100'],
      at(0).url,
    )
    const version = async () =>
      (await send(`${served!.url}/invocations`, 'POST', JSON.stringify({ instances: [iris.data[0]] }))).headers[
        'x-keel-model-version'
      ]
    expect(await version()).toBe('1')
    await sdk(1).registry.setRegisteredModelAlias('shared-model', 'champion', '2')
    await poll('the model server to follow the move', async () => (await version()) === '2', { withinMs: 60_000 })
  }, 120_000)
})
