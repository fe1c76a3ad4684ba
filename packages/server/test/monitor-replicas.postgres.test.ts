/**
 * A live monitor on two keel servers sharing one PostgreSQL database (in-process, each with its
 * scheduler every second and its queue workers): every window is processed exactly once across
 * them. Each due window is a job keyed (monitor, window number) in the durable queue, so both
 * servers queue it and one runs it; each window is stored once, numbered 1, 2, … without a gap,
 * its job ran once (one attempt), and each alert's webhook reached the receiver once.
 */
import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keelCall, ok } from './support/keel-api.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type FreshPostgres, freshPostgres } from './support/postgres.js'
import { driftingAt100, predictionRecord } from './support/prediction-records.js'
import { poll } from './support/poll.js'

const T0 = Date.now() - 3_600_000
const WINDOWS = 8
const scratch = mkdtempSync(join(tmpdir(), 'keel-replicas-'))
const config = join(scratch, 'keel.json')
writeFileSync(config, JSON.stringify({ webhooks: { allow: ['127.0.0.1'] } }))

let database: FreshPostgres
let servers: InProcessKeel[] = []
let hook: Server
let hookUrl = ''
const received: string[] = []

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      received.push(JSON.parse(body).alert_id)
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`
  database = await freshPostgres()
  servers = [
    await startKeelApp({ backendStoreUri: database.uri, args: ['--monitor-interval', '1', '--config', config] }),
    await startKeelApp({ backendStoreUri: database.uri, args: ['--monitor-interval', '1', '--config', config] }),
  ]
}, 60_000)

afterAll(async () => {
  for (const s of servers) await s.close()
  await database?.drop()
  await new Promise((r) => hook?.close(r))
  rmSync(scratch, { recursive: true, force: true })
})

const record = (i: number) => predictionRecord(i, { t0: T0, inputs: driftingAt100 })

describe('a monitor on two servers sharing one database', () => {
  it('processes every window exactly once, and delivers each alert once', async () => {
    const [a, b] = servers as [InProcessKeel, InProcessKeel]
    await ok(
      keelCall(a, 'POST', 'predictions/log-batch', {
        records: Array.from({ length: 100 + WINDOWS * 50 }, (_, i) => record(i)),
      }),
    )
    const { monitor } = await ok(
      keelCall(b, 'POST', 'monitors/create', {
        name: 'shared',
        deployment: 'd1',
        reference: { log: { start_time: T0, end_time: T0 + 100_000 } },
        window: { count: 50 },
        alert_rules: [{ rule_id: 'hook', kind: 'drift_share', threshold: 0.1, webhook_url: hookUrl }],
      }),
    )
    const windows: any[] = await poll(
      `${WINDOWS} windows`,
      async () => {
        const found = (await ok(keelCall(a, 'GET', 'monitors/windows', { monitor_id: monitor.monitor_id }))).windows
        return found.length >= WINDOWS && found
      },
      { withinMs: 30_000 },
    )
    expect(windows.map((w: any) => w.window_id)).toEqual(Array.from({ length: WINDOWS }, (_, i) => i + 1))
    const jobs = (await ok(keelCall(b, 'GET', 'jobs/list', { kind: 'monitor.window' }))).jobs
    expect(jobs.map((j: any) => j.job_id).sort()).toEqual(
      Array.from({ length: WINDOWS }, (_, i) => `monitor-window.${monitor.monitor_id}.${i + 1}`).sort(),
    )
    for (const j of jobs) expect([j.state, j.attempts, j.result.stored]).toEqual(['succeeded', 1, true])
    const { alerts } = await ok(keelCall(a, 'GET', 'monitors/alerts', { monitor_id: monitor.monitor_id }))
    expect(alerts).toHaveLength(WINDOWS)
    const hooks: any[] = await poll(
      'every webhook delivered',
      async () => {
        const found = (await ok(keelCall(a, 'GET', 'jobs/list', { kind: 'alert.webhook' }))).jobs
        return found.length === WINDOWS && found.every((j: any) => j.state === 'succeeded') && found
      },
      { withinMs: 30_000 },
    )
    expect(hooks.map((j: any) => [j.state, j.attempts])).toEqual(Array(WINDOWS).fill(['succeeded', 1]))
    expect(received.sort()).toEqual(alerts.map((x: any) => x.alert_id).sort())
  }, 60_000)
})
