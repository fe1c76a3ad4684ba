/**
 * PostgreSQL going away under load (in-process keel on its own throwaway cluster, since the test
 * stops it): while it is down, requests fail with 503 TEMPORARILY_UNAVAILABLE (never a 500, never
 * a crash); once it is back, they succeed again on the same server, and every write acknowledged
 * before, during or after the outage is in the store.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresCluster, startPostgresCluster } from './support/postgres-cluster.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { poll } from './support/poll.js'

let cluster: PostgresCluster
let keel: InProcessKeel

beforeAll(async () => {
  cluster = await startPostgresCluster()
  const client = new pg.Client({ connectionString: cluster.uri() })
  await client.connect()
  await client.query('CREATE DATABASE keel')
  await client.end()
  keel = await startKeelApp({ backendStoreUri: cluster.uri('keel'), args: ['--monitor-interval', '0'] })
}, 120_000)

afterAll(async () => {
  await keel?.close()
  cluster?.destroy()
})

async function call(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await keel.fetch(`${keel.url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}

describe('keel on PostgreSQL while PostgreSQL restarts', () => {
  it('answers 503 while it is down, recovers when it is back, and loses nothing acknowledged', async () => {
    const created = await call('runs/create', { experiment_id: '0', start_time: 1 })
    expect(created.status).toBe(200)
    const runId = (created.json.run as { info: { run_id: string } }).info.run_id

    const acknowledged: number[] = []
    const statuses = new Map<number, number>()
    const errors: string[] = []
    let step = 0
    const state: { phase: 'before' | 'down' | 'after'; afterOk: number; sawUnavailableWhileDown: boolean } = {
      phase: 'before',
      afterOk: 0,
      sawUnavailableWhileDown: false,
    }

    const writer = (async () => {
      while (state.phase !== 'after' || state.afterOk < 20) {
        const s = step++
        const { status, json } = await call('runs/log-metric', {
          run_id: runId,
          key: 'loss',
          value: s,
          timestamp: 1,
          step: s,
        })
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (status === 200) {
          acknowledged.push(s)
          if (state.phase === 'after') state.afterOk++
        } else {
          errors.push(`${status} ${String(json.error_code)}: ${String(json.message)}`)
          if (status === 503 && state.phase === 'down') state.sawUnavailableWhileDown = true
          // A client backs off on 503 before retrying.
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
    })()

    // Let some writes through, then take PostgreSQL down until a request has seen the outage.
    while (acknowledged.length < 20) await new Promise((resolve) => setImmediate(resolve))
    await cluster.stop()
    state.phase = 'down'
    await poll('a request to see PostgreSQL down', () => state.sawUnavailableWhileDown, { everyMs: 10 })
    // Readiness says so, naming the store (a balancer stops sending requests here).
    const down = await keel.fetch(`${keel.url}/ready`)
    expect(down.status).toBe(503)
    expect(await down.text()).toMatch(
      /^not ready: the backend store \(postgresql:\/\/keel:\*\*\*@127\.0\.0\.1:\d+\/keel\)/,
    )
    await cluster.start()
    state.phase = 'after'
    await writer

    // Only successes and 503s: never a 500, never a crash.
    expect([...statuses.keys()].sort()).toEqual([200, 503])
    expect(errors.every((e) => e.startsWith('503 TEMPORARILY_UNAVAILABLE'))).toBe(true)
    expect(state.afterOk).toBe(20)
    expect((await keel.fetch(`${keel.url}/ready`)).status).toBe(200)

    const history = await keel.fetch(
      `${keel.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=25000`,
    )
    expect(history.status).toBe(200)
    const steps = new Set(((await history.json()) as { metrics: { step: number }[] }).metrics.map((m) => m.step))
    expect(acknowledged.filter((s) => !steps.has(s))).toEqual([])

    // The audit log has a record of every acknowledged write, those whose record waited for the
    // store included (written once it answered again).
    const auditedOk = async (): Promise<number> => {
      let count = 0
      let token: string | undefined
      do {
        const page = await keel.fetch(
          `${keel.url}/api/2.0/keel/audit/search?max_results=1000${token ? `&page_token=${token}` : ''}`,
        )
        expect(page.status).toBe(200)
        const json = (await page.json()) as { records: { path: string; status: number }[]; next_page_token?: string }
        count += json.records.filter((r) => r.path.endsWith('/runs/log-metric') && r.status === 200).length
        token = json.next_page_token
      } while (token)
      return count
    }
    await poll('the audit records that waited', async () => (await auditedOk()) >= acknowledged.length, {
      everyMs: 100,
    })
    expect(await auditedOk()).toBe(acknowledged.length)
  })
})
