/**
 * The jobs page (/jobs) in a real browser against a real keel server (`--monitor-interval 0`),
 * seeded through the REST API: a drifting prediction log, a monitor whose alert posts to a webhook
 * served here that always fails (allowed by the server's --config), `POST monitors/run`. The page
 * lists the windows' jobs (succeeded) and the webhooks' jobs waiting for their retry with their
 * attempts and last error; narrowing by kind and state goes in the URL; Cancel on a waiting job
 * cancels it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'

let server: KeelServer
let browser: Browser
let hook: Server
const configDir = mkdtempSync(join(tmpdir(), 'keel-ui-jobs-'))
const T0 = Date.now() - 3_600_000

async function keel(method: 'GET' | 'POST', path: string, body: Record<string, unknown>): Promise<any> {
  let url = `${server.url}/api/2.0/keel/${path}`
  const init: RequestInit = { method }
  if (method === 'GET') url += `?${new URLSearchParams(body as Record<string, string>)}`
  else {
    init.body = JSON.stringify(body)
    init.headers = { 'content-type': 'application/json' }
  }
  const res = await fetch(url, init)
  const json = await res.json()
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

const record = (i: number) => ({
  request_id: `r${i}`,
  deployment: 'fraud',
  model_name: 'fraud-model',
  model_version: '1',
  model_uri: 'models:/fraud-model/1',
  variant: 'champion',
  timestamp_ms: T0 + i * 1000,
  latency_ms: 1,
  protocol: 'v2',
  inputs: [{ x: i < 100 ? i % 10 : 50 + (i % 10) }],
  outputs: [0],
  status_code: 200,
})

beforeAll(async () => {
  hook = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(502).end())
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`
  const config = join(configDir, 'keel.json')
  writeFileSync(config, JSON.stringify({ webhooks: { allow: ['127.0.0.1'] } }))
  server = await startKeelServer({ args: ['--monitor-interval', '0', '--config', config] })
  browser = await launchBrowser()
  await keel('POST', 'predictions/log-batch', { records: Array.from({ length: 300 }, (_, i) => record(i)) })
  const { monitor } = await keel('POST', 'monitors/create', {
    name: 'fraud-watch',
    deployment: 'fraud',
    reference: { log: { start_time: T0, end_time: T0 + 100_000 } },
    window: { count: 100 },
    alert_rules: [{ rule_id: 'drift', kind: 'drift_share', threshold: 0.1, webhook_url: hookUrl }],
  })
  await keel('POST', 'monitors/run', { monitor_id: monitor.monitor_id })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await new Promise((r) => hook?.close(r))
  rmSync(configDir, { recursive: true, force: true })
})

describe('the jobs page', () => {
  it('lists the jobs with their state, attempts and last error; narrows by kind and state; cancels one', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/jobs`)
    const table = page.getByRole('table', { name: 'Jobs' })
    await table.waitFor()
    await expect.poll(() => table.locator('tbody tr').count()).toBe(4)
    const windowRows = table.locator('tbody tr', { hasText: 'monitor.window' })
    expect(await windowRows.count()).toBe(2)
    for (const text of await windowRows.allInnerTexts()) expect(text).toMatch(/succeeded\s+1\/3/)
    const hookRows = table.locator('tbody tr', { hasText: 'alert.webhook' })
    expect(await hookRows.count()).toBe(2)
    for (const text of await hookRows.allInnerTexts()) {
      expect(text).toMatch(/queued next try in \d+s\s+1\/5/)
      expect(text).toMatch(/webhook http:\/\/127\.0\.0\.1:\d+\/alerts: HTTP 502/)
    }
    await screenshot(page, 'jobs')

    await page.getByLabel('Kind').selectOption('alert.webhook')
    await expect.poll(() => page.url()).toMatch(/kind=alert\.webhook/)
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2)
    page.once('dialog', (d) => void d.accept())
    await hookRows.first().getByRole('button', { name: 'Cancel' }).click()
    await expect.poll(() => table.locator('tbody tr', { hasText: 'cancelled' }).count()).toBe(1)
    expect(await table.getByRole('button', { name: 'Cancel' }).count()).toBe(1)
    await page.getByLabel('State').selectOption('cancelled')
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1)
    const { jobs } = await keel('GET', 'jobs/list', { state: 'cancelled' })
    expect(jobs.map((j: any) => j.kind)).toEqual(['alert.webhook'])
    await screenshot(page, 'jobs-cancelled')
    expect(errors).toEqual([])
  })
})
