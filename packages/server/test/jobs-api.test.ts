/**
 * The work queue through the API (`/keel/jobs/...`) and the SDK, in-process, on both queues: the
 * durable default and BullMQ on a real redis-server started here. A live monitor's windows are
 * jobs keyed (monitor, window number) and alerts' webhooks are jobs: a webhook that keeps failing
 * shows its attempts and last error while it waits for its retry, and cancelling it through the
 * API stops it. Lists filter by state and kind and page with tokens; a bad token or id is a 400
 * naming it, an unknown job a 404. With Redis killed, `/ready` and the queue's routes answer 503
 * naming Redis, a monitor run is refused rather than acknowledged, and all recovers once it is back.
 */
import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JobClient } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelReply, keelCall, ok } from './support/keel-api.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type RedisServer, startRedisServer } from './support/redis-server.js'
import { driftingAt100, predictionRecord } from './support/prediction-records.js'
import { poll } from './support/poll.js'

const T0 = 1_764_000_000_000
const scratch = mkdtempSync(join(tmpdir(), 'keel-jobs-api-'))
const config = join(scratch, 'keel.json')
writeFileSync(config, JSON.stringify({ webhooks: { allow: ['127.0.0.1'] } }))
let hook: Server
let hookUrl = ''
let hookCalls = 0
let redis: RedisServer

beforeAll(async () => {
  // A receiver that always fails: deliveries wait for their retries.
  hook = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      hookCalls++
      res.writeHead(503).end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`
  redis = await startRedisServer()
}, 30_000)

afterAll(async () => {
  await new Promise((r) => hook?.close(r))
  await redis?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

const record = (i: number) => predictionRecord(i, { t0: T0, inputs: driftingAt100 })

function suite(name: string, args: () => string[]) {
  describe(name, () => {
    let server: InProcessKeel
    let monitorId = ''
    const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<KeelReply> =>
      keelCall(server, method, path, body)

    beforeAll(async () => {
      server = await startKeelApp({ args: ['--monitor-interval', '0', '--config', config, ...args()] })
      await ok(call('POST', 'predictions/log-batch', { records: Array.from({ length: 300 }, (_, i) => record(i)) }))
      const { monitor } = await ok(
        call('POST', 'monitors/create', {
          name: `watch-${name.replace(/\W/g, '')}`,
          deployment: 'd1',
          reference: { log: { start_time: T0, end_time: T0 + 100_000 } },
          window: { count: 100 },
          alert_rules: [{ rule_id: 'hook', kind: 'drift_share', threshold: 0.1, webhook_url: hookUrl }],
        }),
      )
      monitorId = monitor.monitor_id
    }, 30_000)

    afterAll(async () => {
      await server?.close()
    })

    it("a monitor's windows are jobs keyed by (monitor, window number); its webhook a job waiting for its retry", async () => {
      const calls = hookCalls
      const run = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
      expect(run.windows.map((w: any) => w.window_id)).toEqual([1, 2])
      expect(run.alerts[0].webhook).toEqual({ url: hookUrl, status: 503, error: 'HTTP 503' })
      expect(hookCalls - calls).toBe(4) // each alert's first attempt: a post and one more at once
      const windows = await ok(call('GET', 'jobs/list', { kind: 'monitor.window' }))
      expect(windows.jobs.map((j: any) => j.job_id).sort()).toEqual([
        `monitor-window.${monitorId}.1`,
        `monitor-window.${monitorId}.2`,
      ])
      for (const j of windows.jobs) {
        expect(j).toMatchObject({ kind: 'monitor.window', state: 'succeeded', attempts: 1, max_attempts: 3 })
        expect(j.result).toMatchObject({ stored: true })
      }
      const hooks = await ok(call('GET', 'jobs/list', { kind: 'alert.webhook' }))
      expect(hooks.jobs).toHaveLength(2)
      for (const j of hooks.jobs) {
        expect(j).toMatchObject({ state: 'queued', attempts: 1, max_attempts: 5 })
        expect(j.last_error).toBe(`webhook ${hookUrl}: HTTP 503`)
        expect(j.run_at_ms).toBeGreaterThan(j.created_ms)
      }
      // A second run queues nothing: the windows' ids are taken.
      expect((await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))).windows).toEqual([])
      expect((await ok(call('GET', 'jobs/list', { kind: 'monitor.window' }))).jobs).toHaveLength(2)
    })

    it('cancels a job waiting for its retry through the API and the SDK; an ended job stays as it was', async () => {
      const client = new JobClient({ trackingUri: server.url, fetch: server.fetch })
      const { items } = await client.list({ kind: 'alert.webhook', state: 'queued' })
      expect(items).toHaveLength(2)
      const cancelled = await ok(call('POST', 'jobs/cancel', { job_id: items[0]!.jobId }))
      expect(cancelled.job).toMatchObject({ job_id: items[0]!.jobId, state: 'cancelled' })
      expect(await client.cancel(items[1]!.jobId)).toMatchObject({ state: 'cancelled', attempts: 1 })
      expect((await client.get(items[1]!.jobId)).state).toBe('cancelled')
      expect((await client.list({ state: 'queued', kind: 'alert.webhook' })).items).toEqual([])
      const [window] = (await client.list({ kind: 'monitor.window' })).items
      expect(await client.cancel(window!.jobId)).toMatchObject({ state: 'succeeded' })
    })

    it('pages with tokens; refuses a bad token, state or id with 400 naming it; 404 for an unknown job', async () => {
      const first = await ok(call('GET', 'jobs/list', { max_results: '1' }))
      expect(first.jobs).toHaveLength(1)
      const seen = [first.jobs[0].job_id]
      let token = first.next_page_token
      while (token) {
        const page = await ok(call('GET', 'jobs/list', { max_results: '1', page_token: token }))
        seen.push(...page.jobs.map((j: any) => j.job_id))
        token = page.next_page_token
      }
      const all = (await ok(call('GET', 'jobs/list', {}))).jobs.map((j: any) => j.job_id)
      expect(seen).toEqual(all)
      expect(all).toHaveLength(4)
      const badToken = await call('GET', 'jobs/list', { page_token: 'garbage' })
      expect([badToken.status, badToken.json.message]).toEqual([400, expect.stringMatching(/page_token/)])
      const badState = await call('GET', 'jobs/list', { state: 'sleeping' })
      expect([badState.status, badState.json.message]).toEqual([400, expect.stringMatching(/state/)])
      const badMax = await call('GET', 'jobs/list', { max_results: '5000' })
      expect([badMax.status, badMax.json.message]).toEqual([400, expect.stringMatching(/max_results/)])
      const badId = await call('GET', 'jobs/get', { job_id: 'a b' })
      expect([badId.status, badId.json.message]).toEqual([400, expect.stringMatching(/'job_id'/)])
      const missing = await call('POST', 'jobs/cancel', { job_id: 'no-such-job' })
      expect([missing.status, missing.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST'])
      expect((await server.fetch(`${server.url}/ready`)).status).toBe(200)
    })
  })
}

suite('the durable queue (default)', () => [])
suite('BullMQ on Redis (--queue redis://...)', () => ['--queue', redis.url])

describe('Redis down under a server', () => {
  it('answers 503 naming Redis on /ready, the jobs routes and a monitor run; recovers once Redis is back', async () => {
    const down = await startRedisServer()
    const server = await startKeelApp({ args: ['--monitor-interval', '0', '--queue', down.url] })
    try {
      const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) =>
        keelCall(server, method, path, body)
      await ok(call('POST', 'predictions/log-batch', { records: Array.from({ length: 200 }, (_, i) => record(i)) }))
      const { monitor } = await ok(
        call('POST', 'monitors/create', {
          name: 'w',
          deployment: 'd1',
          reference: { log: { start_time: T0, end_time: T0 + 100_000 } },
          window: { count: 100 },
        }),
      )
      await down.kill()
      const ready = await server.fetch(`${server.url}/ready`)
      expect(ready.status).toBe(503)
      expect(await ready.text()).toMatch(
        /^not ready: the job queue's Redis \(redis:\/\/127\.0\.0\.1:\d+\/0\) is unreachable/,
      )
      const list = await call('GET', 'jobs/list', {})
      expect([list.status, list.json.error_code]).toEqual([503, 'TEMPORARILY_UNAVAILABLE'])
      const run = await call('POST', 'monitors/run', { monitor_id: monitor.monitor_id })
      expect(run.status).toBe(503)
      expect(run.json.message).toMatch(/Redis .* is unreachable/)
      await down.restart()
      await poll(
        '/ready to answer 200 once Redis is back',
        async () => (await server.fetch(`${server.url}/ready`)).status === 200,
        {
          withinMs: 5_000,
        },
      )
      const again = await ok(call('POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
      expect(again.windows.map((w: any) => w.window_id)).toEqual([1])
    } finally {
      await server.close()
      await down.stop()
    }
  }, 60_000)
})
