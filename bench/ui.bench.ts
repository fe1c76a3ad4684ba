/**
 * UI benchmark: the runs table over 100,000 runs, in a real browser (Debian's /usr/bin/chromium,
 * headless, through playwright-core) against keel server.
 *
 *   (a) first rows: navigation to /experiments/<id> until the first rows of the runs table are
 *       painted. The table sets a `keel:runs-rows-painted` performance mark in the animation frame
 *       after it commits the rows of a query; its startTime is relative to the navigation start.
 *       Median of 5 fresh loads (a new browser context each: no cache, no state).
 *   (b) re-sort: time from clicking a metric column header (the server sorts: order_by
 *       metrics.accuracy DESC / ASC, alternating) to the re-sorted first rows painted, measured in
 *       the page with performance.now(). Median of 5. Each answer's first run is checked against
 *       the API's own answer for that order.
 *
 * Seeding goes through the API (runs/create, log-batch with 5 params, 10 metrics and a tag,
 * runs/update), 8 requests in flight. Goals: (a) under 1.5 s, (b) under 300 ms at 100,000 runs.
 *
 *   KEEL_BENCH_ONLY=ui npm run bench
 *   KEEL_BENCH_UI_RUNS=20000 ...         (fewer runs, for a quick look; default 100000)
 *   KEEL_BENCH_UI_CONTRAST=0 ...         (skip the 2,000-run contrast measurement; default 2000)
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { Client } from './lib/http.js'
import { REPO_ROOT, startKeel, stopAll } from './lib/servers.js'
import { median, round } from './lib/stats.js'
import { fmt, renderTable } from './lib/table.js'
import { seedUiExperiment } from './lib/ui-seed.js'

const CHROMIUM = process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium'
const RUNS = Number(process.env.KEEL_BENCH_UI_RUNS ?? 100_000)
const CONTRAST = Number(process.env.KEEL_BENCH_UI_CONTRAST ?? 2000)
const SAMPLES = 5
const IN_FLIGHT = 8
const GOALS = { firstRowsMs: 1500, resortMs: 300 }
const SORT_KEY = 'accuracy'

/** What the page exposes (the runs table sets __keelRunsPainted after it paints a query's rows). */
interface PageGlobals {
  __keelRunsPainted?: { key: string; at: number; firstRunId: string | undefined }
  __t0: number
}

const log = benchLog('ui')

interface SizeResult {
  readonly runs: number
  readonly seedSeconds: number
  readonly firstRowsMs: readonly number[]
  readonly resortMs: readonly number[]
  readonly apiSearchMs: { readonly defaultOrder: number; readonly metricOrder: number }
}

async function apiFirst(url: string, experimentId: string, order?: string): Promise<{ id: string; ms: number }> {
  const started = performance.now()
  const res = await fetch(`${url}/api/2.0/mlflow/runs/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_ids: [experimentId], max_results: 250, ...(order && { order_by: [order] }) }),
  })
  const body = (await res.json()) as { runs: { info: { run_id: string } }[] }
  return { id: body.runs[0]!.info.run_id, ms: performance.now() - started }
}

/**
 * The UI's hashed assets as they were when the server started. keel server keeps index.html in
 * memory, and a build of the workspace during the (long) seeding replaces packages/server/dist/ui:
 * the pages then ask for assets that are gone. The browser gets them from this copy instead.
 */
let assets: string | undefined

function snapshotAssets(): void {
  assets = mkdtempSync(join(tmpdir(), 'keel-bench-ui-assets-'))
  cpSync(join(REPO_ROOT, 'packages/server/dist/ui/assets'), assets, { recursive: true })
}

async function newContext(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  await context.route('**/assets/**', async (route) => {
    const name = new URL(route.request().url()).pathname.replace(/^\/assets\//, '')
    const file = assets && join(assets, name)
    if (!file || name.includes('..') || !existsSync(file)) return route.continue()
    const type = name.endsWith('.js')
      ? 'text/javascript'
      : name.endsWith('.css')
        ? 'text/css'
        : 'application/octet-stream'
    return route.fulfill({ status: 200, contentType: type, body: readFileSync(file) })
  })
  return context
}

async function measure(
  browser: Browser,
  url: string,
  experimentId: string,
): Promise<Pick<SizeResult, 'firstRowsMs' | 'resortMs'>> {
  const pageUrl = `${url}/experiments/${experimentId}`
  const firstRowsMs: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const context = await newContext(browser)
    const page = await context.newPage()
    await page.goto(pageUrl)
    await page.waitForFunction(() => performance.getEntriesByName('keel:runs-rows-painted').length > 0, undefined, {
      timeout: 60_000,
    })
    firstRowsMs.push(await page.evaluate(() => performance.getEntriesByName('keel:runs-rows-painted')[0]!.startTime))
    await context.close()
  }

  const context = await newContext(browser)
  const page = await context.newPage()
  await page.goto(pageUrl)
  const header = page.getByRole('button', { name: new RegExp(`^Sort by metric ${SORT_KEY}\\b`) })
  await header.waitFor({ timeout: 60_000 })
  const resortMs: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const order = `metrics.${SORT_KEY} ${i % 2 === 0 ? 'DESC' : 'ASC'}`
    const key = JSON.stringify([experimentId, '', order])
    await header.evaluate((el) => {
      ;(globalThis as unknown as PageGlobals).__t0 = performance.now()
      ;(el as unknown as { click(): void }).click()
    })
    await page.waitForFunction((k) => (globalThis as unknown as PageGlobals).__keelRunsPainted?.key === k, key, {
      timeout: 60_000,
    })
    const painted = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals
      return { ...g.__keelRunsPainted!, t0: g.__t0 }
    })
    const expected = await apiFirst(url, experimentId, order)
    if (painted.firstRunId !== expected.id)
      throw new Error(`re-sort ${order}: first row ${painted.firstRunId}, the API says ${expected.id}`)
    resortMs.push(painted.at - painted.t0)
  }
  await context.close()
  return { firstRowsMs, resortMs }
}

async function benchSize(browser: Browser, runs: number): Promise<SizeResult> {
  const server = await startKeel()
  snapshotAssets()
  try {
    const client = new Client(server.url, IN_FLIGHT)
    const seeded = await seedUiExperiment(client, `ui-bench-${runs}`, runs, IN_FLIGHT)
    client.close()
    log(`seeded ${runs.toLocaleString('en-US')} runs in ${seeded.seconds.toFixed(1)} s`)
    // The API's own time for the two first pages (warm), for context.
    await apiFirst(server.url, seeded.experimentId)
    const defaultOrder = (await apiFirst(server.url, seeded.experimentId)).ms
    await apiFirst(server.url, seeded.experimentId, `metrics.${SORT_KEY} DESC`)
    const metricOrder = (await apiFirst(server.url, seeded.experimentId, `metrics.${SORT_KEY} DESC`)).ms
    const m = await measure(browser, server.url, seeded.experimentId)
    return { runs, seedSeconds: seeded.seconds, ...m, apiSearchMs: { defaultOrder, metricOrder } }
  } finally {
    await server.stop()
    if (assets) rmSync(assets, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium, or KEEL_CHROMIUM)`)
  stopServersOnSignals(log)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  const results: SizeResult[] = []
  try {
    for (const runs of [RUNS, ...(CONTRAST > 0 && CONTRAST !== RUNS ? [CONTRAST] : [])])
      results.push(await benchSize(browser, runs))
  } finally {
    await browser.close()
    await stopAll()
  }

  const main = results[0]!
  const status = (ms: number, goal: number) => (ms < goal ? 'MET' : 'NOT MET')
  const rows = results.flatMap((r) => [
    [
      `first rows painted (navigation)`,
      r.runs.toLocaleString('en-US'),
      fmt(median(r.firstRowsMs), 0),
      r.firstRowsMs.map((x) => fmt(x, 0)).join(' '),
      r === main ? `< ${GOALS.firstRowsMs}` : '',
      r === main ? status(median(r.firstRowsMs), GOALS.firstRowsMs) : '',
    ],
    [
      `re-sort on metrics.${SORT_KEY}`,
      r.runs.toLocaleString('en-US'),
      fmt(median(r.resortMs), 0),
      r.resortMs.map((x) => fmt(x, 0)).join(' '),
      r === main ? `< ${GOALS.resortMs}` : '',
      r === main ? status(median(r.resortMs), GOALS.resortMs) : '',
    ],
  ])
  console.log('\nUI: the runs table in headless Chromium (ms; median of 5)')
  console.log(renderTable(['measure', 'runs', 'median ms', 'samples', 'goal ms', 'status'], rows))
  for (const r of results) {
    console.log(
      `${r.runs.toLocaleString('en-US')} runs: seeded in ${r.seedSeconds.toFixed(1)} s through the API; runs/search (250 runs) answers in ${fmt(r.apiSearchMs.defaultOrder, 0)} ms (default order), ${fmt(r.apiSearchMs.metricOrder, 0)} ms (order by metrics.${SORT_KEY})`,
    )
  }

  const out = {
    benchmark: 'ui',
    date: new Date().toISOString(),
    machine: { ...machine(), chromium: browser.version() },
    config: { runs: RUNS, contrast: CONTRAST, samples: SAMPLES, seedInFlight: IN_FLIGHT, sortKey: SORT_KEY },
    results: results.map((r) => ({
      runs: r.runs,
      seedSeconds: round(r.seedSeconds, 1),
      firstRowsMs: { median: round(median(r.firstRowsMs), 1), samples: r.firstRowsMs.map((x) => round(x, 1)) },
      resortMs: { median: round(median(r.resortMs), 1), samples: r.resortMs.map((x) => round(x, 1)) },
      apiSearchMs: {
        defaultOrder: round(r.apiSearchMs.defaultOrder, 1),
        metricOrder: round(r.apiSearchMs.metricOrder, 1),
      },
    })),
    goals: {
      targets: GOALS,
      status: {
        firstRows: status(median(main.firstRowsMs), GOALS.firstRowsMs),
        resort: status(median(main.resortMs), GOALS.resortMs),
      },
    },
  }
  console.log(`results: ${writeResults('ui', out)}`)
}

runBench('ui', main)
