/**
 * The monitoring pages in a real browser against a real keel server (`--monitor-interval 0`: the
 * monitor runs only when asked), seeded through the REST API: a stable stream then a shifted one
 * posted to the prediction log, a monitor with a log reference and alert rules (a webhook served
 * here, allowed by the server's --config, and the operator's action by name), `POST monitors/run`,
 * labels posted late.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRng } from '@keel/ml'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'

let server: KeelServer
let browser: Browser
let hook: Server
let hookUrl = ''
let monitorId = ''
const configDir = mkdtempSync(join(tmpdir(), 'keel-ui-monitoring-'))

async function keel(method: 'GET' | 'POST', path: string, body: Record<string, unknown>, base?: string): Promise<any> {
  let url = `${base ?? server.url}/api/2.0/${path}`
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

// ---- a seeded stream: 300 reference rows, 3 stable windows of 100, then 3 shifted ones ----
const random = createRng(11)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
const REFERENCE = 300
const WINDOW = 100
const STABLE = 3
const SHIFTED = 3
const T0 = Date.now() - 3 * 3_600_000 // within the last 24 hours
interface Row {
  id: string
  t: number
  x1: number
  x2: number
  kind: string
  out: number
  p: number[]
}
const rows: Row[] = []
for (let i = 0; i < REFERENCE + (STABLE + SHIFTED) * WINDOW + WINDOW; i++) {
  const shifted = i >= REFERENCE + STABLE * WINDOW
  const x1 = normal() + (shifted ? 1.5 : 0)
  const x2 = 5 + 2 * normal()
  const kind = shifted ? (random() < 0.7 ? 'c' : 'a') : ['a', 'b', 'c'][Math.floor(random() * 3)]!
  const score = 1 / (1 + Math.exp(-2 * x1))
  rows.push({ id: `r${i}`, t: T0 + i * 1000, x1, x2, kind, out: score > 0.5 ? 1 : 0, p: [1 - score, score] })
}
const record = (r: Row) => ({
  request_id: r.id,
  deployment: 'fraud',
  model_name: 'fraud-model',
  model_version: '1',
  model_uri: 'models:/fraud-model/1',
  variant: 'champion',
  timestamp_ms: r.t,
  latency_ms: 1,
  protocol: 'v2',
  inputs: [{ x1: r.x1, x2: r.x2, kind: r.kind }],
  outputs: [r.out],
  probabilities: [r.p],
  status_code: 200,
})
/** Rows of window k (1-based); the last WINDOW rows are logged later, by the pause/resume test. */
const windowRows = (k: number) => rows.slice(REFERENCE + (k - 1) * WINDOW, REFERENCE + k * WINDOW)
const logged = rows.slice(0, REFERENCE + (STABLE + SHIFTED) * WINDOW)

beforeAll(async () => {
  hook = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(204).end())
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`
  const config = join(configDir, 'keel.json')
  writeFileSync(
    config,
    JSON.stringify({
      actions: { retrain: { command: [process.execPath, '-e', 'process.exit(3)'] } },
      webhooks: { allow: ['127.0.0.1'] },
    }),
  )
  server = await startKeelServer({ args: ['--monitor-interval', '0', '--config', config] })
  browser = await launchBrowser()
  browser.context.setDefaultTimeout(10_000)
  await keel('POST', 'mlflow/registered-models/create', { name: 'fraud-model' })
  for (let i = 0; i < logged.length; i += 500)
    await keel('POST', 'keel/predictions/log-batch', { records: logged.slice(i, i + 500).map(record) })
  // The reference rows' labels (the model right 95% of the time): CBPE calibrates on them.
  const truth = (r: Row, wrong: number) => (random() < wrong ? 1 - r.out : r.out)
  await keel('POST', 'keel/predictions/labels', {
    labels: rows.slice(0, REFERENCE).map((r) => ({ request_id: r.id, label: truth(r, 0.05) })),
  })
  const { monitor } = await keel('POST', 'keel/monitors/create', {
    name: 'fraud-live',
    deployment: 'fraud',
    model_name: 'fraud-model',
    reference: { log: { start_time: T0, end_time: T0 + REFERENCE * 1000 } },
    window: { count: WINDOW },
    task: 'classification',
    alert_rules: [
      { rule_id: 'drift', kind: 'drift_share', threshold: 0.3, webhook_url: hookUrl },
      { rule_id: 'retrain', kind: 'prediction_drift', action: 'retrain' },
    ],
  })
  monitorId = monitor.monitor_id
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await new Promise((r) => hook?.close(r))
  rmSync(configDir, { recursive: true, force: true })
})

const cell = (page: Page, column: string, windowId: number) =>
  page.locator(`.heatmap-cell[data-column="${column}"][data-window="${windowId}"]`)
const cellState = async (page: Page, column: string, windowId: number) =>
  (await cell(page, column, windowId).getAttribute('class'))?.match(/heatmap-(ok|drifted|error|missing)/)?.[1]
const monitorUrl = () => `${server.url}/monitoring/${monitorId}`

describe('monitoring pages', () => {
  it('before any run: the designed empty state; after POST monitors/run the page fills in by itself (live)', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(monitorUrl())
    await expect.poll(() => page.getByText('No windows yet').count()).toBe(1)
    expect(await page.locator('.state-empty').first().textContent()).toContain('every 100 rows')
    await screenshot(page, 'monitoring-empty')

    const run = await keel('POST', 'keel/monitors/run', { monitor_id: monitorId })
    expect(run.windows.map((w: any) => w.window_id)).toEqual([1, 2, 3, 4, 5, 6])
    // Labels arrive late: the stable windows' model is right 95% of the time, the shifted ones' 60%.
    const labels = [1, 2, 3, 4, 5, 6].flatMap((k) =>
      windowRows(k).map((r) => ({ request_id: r.id, label: random() < (k > STABLE ? 0.4 : 0.05) ? 1 - r.out : r.out })),
    )
    await keel('POST', 'keel/predictions/labels', { labels })
    await expect.poll(() => page.locator('.heatmap-cell').count(), { timeout: 15_000 }).toBe(4 * 6)
    expect(errors).toEqual([])
  })

  it('renders the seeded windows: drift after the shift in the heatmap, the line and the header', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(monitorUrl())
    await expect.poll(() => page.locator('.heatmap-cell').count()).toBe(24)
    expect(await page.locator('.heatmap-label').allTextContents()).toEqual(['x1', 'x2', 'kind', 'prediction (output)'])
    for (let k = 1; k <= 6; k++) {
      const expected = k > STABLE ? 'drifted' : 'ok'
      expect(await cellState(page, 'x1', k), `x1 in window ${k}`).toBe(expected)
      expect(await cellState(page, 'prediction', k), `prediction in window ${k}`).toBe(expected)
      expect(await cellState(page, 'x2', k), `x2 in window ${k}`).toBe('ok')
    }
    // Each cell names its test and score as the API stored them.
    const { windows } = await keel('GET', 'keel/monitors/windows', { monitor_id: monitorId })
    const w5x1 = windows.find((w: any) => w.window_id === 5).columns.find((c: any) => c.column === 'x1')
    expect(await cell(page, 'x1', 5).getAttribute('aria-label')).toContain(`ks p-value`)
    expect(w5x1.drifted).toBe(true)
    // The header, the latest verdict, the line chart and the performance section.
    expect(await page.getByRole('heading', { name: /fraud-live/ }).count()).toBe(1)
    expect(await page.locator('.facts').textContent()).toContain('every 100 rows')
    expect(await page.locator('.section-head').first().textContent()).toMatch(/Latest window #6:\s*drift/)
    expect(await page.getByRole('img', { name: /Share of drifted columns per window/ }).count()).toBe(1)
    await expect
      .poll(() => page.getByRole('img', { name: /Performance per window/ }).count(), { timeout: 20_000 })
      .toBe(1)
    const legend = await page.getByLabel('Legend of Performance per window').textContent()
    expect(legend).toMatch(/^accuracy\s*0\.\d+/)
    // The CBPE estimate (calibrated on the labelled reference) with its band, as the API gives it.
    const { windows: perf } = await keel('GET', 'keel/monitors/performance', { monitor_id: monitorId })
    const estimated = Object.keys(perf[0].estimated.metrics)
    expect(estimated.length).toBeGreaterThan(0)
    expect(legend).toContain(`${estimated[0]} (cbpe estimate)`)
    if (perf[0].estimated.lower) expect(legend).toContain(`${estimated[0]} lower`)
    // Another metric, from the picker (kept in the URL).
    await page.getByLabel('Metric', { exact: true }).selectOption('f1_macro')
    await expect
      .poll(() => page.getByLabel('Legend of Performance per window').textContent())
      .toMatch(/^f1_macro\s*0\.\d+/)
    expect(new URL(page.url()).searchParams.get('metric')).toBe('f1_macro')
    // The newest window drifted most in some column: it is selected by default.
    expect(await page.locator('#distribution-title').textContent()).toMatch(/in window #6/)
    await screenshot(page, 'monitoring-monitor')
    expect(errors).toEqual([])
  })

  it("clicking a heatmap cell shows that column's histograms in that window, and puts it in the URL", async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(monitorUrl())
    await cell(page, 'kind', 5).click()
    await expect.poll(() => page.locator('#distribution-title').textContent()).toMatch(/^kind in window #5/)
    expect(new URL(page.url()).searchParams.get('col')).toBe('kind')
    expect(new URL(page.url()).searchParams.get('win')).toBe('5')
    // The bars are the shares of each category in the reference and in window 5's rows.
    const share = (rs: Row[], c: string) => rs.filter((r) => r.kind === c).length / rs.length
    const pct = (s: number) => `${Math.round(s * 100)}%`
    for (const c of ['a', 'b', 'c']) {
      const title = await page.locator(`.histogram-group[data-label="${c}"] title`).textContent()
      const ref = share(rows.slice(0, REFERENCE), c)
      const cur = share(windowRows(5), c)
      expect(title).toBe(
        `${c}: reference ${ref * 100 >= 10 || ref === 0 ? pct(ref) : `${(ref * 100).toFixed(1)}%`}, current ${cur * 100 >= 10 || cur === 0 ? pct(cur) : `${(cur * 100).toFixed(1)}%`}`,
      )
    }
    expect(await page.locator('.histogram .chart-legend').textContent()).toMatch(
      /reference\s*300 rows.*current window\s*100 rows/,
    )
    await screenshot(page, 'monitoring-distribution-categorical')

    await cell(page, 'x1', 2).click()
    await expect.poll(() => page.locator('#distribution-title').textContent()).toMatch(/^x1 in window #2\s*no drift/)
    const groups = await page.locator('.histogram-group').count()
    expect(groups).toBeGreaterThan(3)
    expect(await page.locator('.histogram-group').first().getAttribute('data-label')).toMatch(/–/)
    await screenshot(page, 'monitoring-distribution-numeric')
    expect(errors).toEqual([])
  })

  it("the alerts table shows the fired alerts with their webhook status and the action's exit code", async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(monitorUrl())
    const table = page.locator('.alerts-table')
    await expect.poll(() => table.locator('tbody tr').count()).toBe(6)
    const rowsText = await table.locator('tbody tr').allTextContents()
    const drift = rowsText.filter((t) => /drift share/.test(t))
    expect(drift).toHaveLength(3)
    for (const t of drift) expect(t).toContain('204')
    const retrain = rowsText.filter((t) => /retrain/.test(t))
    expect(retrain).toHaveLength(3)
    for (const t of retrain) expect(t).toContain('exit 3')
    expect(rowsText.map((t) => t.match(/#(\d)/)?.[1]).sort()).toEqual(['4', '4', '5', '5', '6', '6'])
    // A window link in the table selects that window above.
    await table.getByRole('button', { name: '#4' }).first().click()
    await expect.poll(() => new URL(page.url()).searchParams.get('win')).toBe('4')
    await page.locator('#alerts-title').scrollIntoViewIfNeeded()
    await screenshot(page, 'monitoring-alerts')
    expect(errors).toEqual([])
  })

  it('pauses and resumes from the header; "Run now" processes a new window', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(monitorUrl())
    await page.getByRole('button', { name: 'Pause' }).click()
    await expect.poll(() => page.locator('h1 .status-badge').textContent()).toBe('paused')
    expect((await keel('GET', 'keel/monitors/get', { monitor_id: monitorId })).monitor.status).toBe('paused')
    expect(await page.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(true)
    await screenshot(page, 'monitoring-paused')
    await page.getByRole('button', { name: 'Resume' }).click()
    await expect.poll(() => page.locator('h1 .status-badge').textContent()).toBe('active')
    expect((await keel('GET', 'keel/monitors/get', { monitor_id: monitorId })).monitor.status).toBe('active')

    await keel('POST', 'keel/predictions/log-batch', { records: windowRows(7).map(record) })
    await page.getByRole('button', { name: 'Run now' }).click()
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Ran:' }).textContent())
      .toContain('1 new window')
    await expect.poll(() => page.locator('.heatmap-cell[data-window="7"]').count()).toBe(4)
    expect(errors).toEqual([])
  })

  it('an unknown monitor: a designed not-found state with the way back', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/monitoring/no-such-monitor`)
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Not found/)
    expect(await page.getByRole('alert').textContent()).toContain('RESOURCE_DOES_NOT_EXIST')
    expect(
      await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'Monitoring' }).count(),
    ).toBe(1)
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([])
  })

  it('the URL state (column, window, time range) survives a reload', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${monitorUrl()}?col=x2&win=3`)
    await page.getByLabel('Time range').selectOption('24h')
    await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('24h')
    await expect.poll(() => page.locator('#distribution-title').textContent()).toMatch(/^x2 in window #3/)
    await page.reload()
    await expect.poll(() => page.locator('#distribution-title').textContent()).toMatch(/^x2 in window #3/)
    expect(await page.getByLabel('Time range').inputValue()).toBe('24h')
    expect(await page.getByLabel('Column', { exact: true }).inputValue()).toBe('x2')
    expect(await page.getByLabel('Window', { exact: true }).inputValue()).toBe('3')
    expect(await cell(page, 'x2', 3).getAttribute('aria-selected')).toBe('true')
    // The last hour has none of these windows (their rows are hours old).
    await page.getByLabel('Time range').selectOption('1h')
    await expect.poll(() => page.getByText('No window in this time range').count()).toBe(1)
    expect(errors).toEqual([])
  })

  it('the overview lists the deployment and its monitor; the model page and the nav lead there', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/models/fraud-model`)
    await expect.poll(() => page.getByRole('link', { name: 'Monitors' }).count()).toBe(1)
    await screenshot(page, 'monitoring-model-link')
    await page.getByRole('link', { name: 'Monitors' }).click()
    await expect.poll(() => page.url()).toContain('/monitoring?model=fraud-model')
    await expect.poll(() => page.getByRole('link', { name: 'fraud-live' }).count()).toBe(1)
    const row = page.locator('.monitors-table tbody tr')
    // The last window (#7, shifted rows) drifted; the alert rules fired on it (2 firing) and before.
    await expect.poll(() => row.textContent()).toMatch(/#7 ended .*drift\s*66\.7% of columns: x1, kind.*2 firing/)
    expect(await row.textContent()).toContain('active')
    expect(await row.textContent()).toMatch(/8 fired/)
    const deployment = page.locator('table[aria-labelledby="deployments-title"] tbody tr')
    expect(await deployment.textContent()).toContain(String(REFERENCE + 7 * WINDOW))
    expect(await deployment.textContent()).toContain('champion')
    await screenshot(page, 'monitoring-overview')

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Monitoring' }).click()
    await expect.poll(() => page.getByRole('heading', { name: 'Monitoring', exact: true }).count()).toBe(1)
    await page.getByRole('link', { name: 'fraud-live' }).click()
    await expect.poll(() => page.locator('.heatmap-cell').count()).toBe(28)
    // Dark colour scheme: the app is light-only; the pages must stay readable (nothing turns dark-on-dark).
    await page.emulateMedia({ colorScheme: 'dark' })
    await screenshot(page, 'monitoring-monitor-dark')
    expect(errors).toEqual([])
  })
})
