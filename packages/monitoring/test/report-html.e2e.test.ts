// The HTML report in a real browser (Debian's Chromium via playwright-core, as the UI tests): it
// loads with no errors and no network, filters, sorts and expands, and is screenshotted in light
// and dark to test-results/monitoring/ for people to look at.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, watchErrors, type Browser } from '../../ui/test/support/browser.js'
import { buildDriftReport, renderHtmlReport, type Table } from '../src/index.js'
import { rng } from './support/python-oracle.js'

const OUT = fileURLToPath(new URL('../../../test-results/monitoring/', import.meta.url))
const g = rng(7)

function transactions(n: number, later: boolean): Table {
  const amount = g.normals(n, later ? 140 : 100, later ? 45 : 30).map((x) => Math.max(1, x))
  return {
    amount: Float64Array.from(amount),
    customer_age: Float64Array.from(g.normals(n, 41, 12)),
    hour: Float64Array.from(g.ints(n, 0, 23)),
    merchant: g.pick(
      n,
      later ? ['grocery', 'travel', 'online', 'fuel', 'crypto'] : ['grocery', 'travel', 'online', 'fuel'],
      later ? [4, 1, 4, 2, 2] : [4, 2, 3, 2],
    ),
    country: g.pick(n, ['FR', 'DE', 'ES', 'IT']),
    card_present: g.pick(n, [true, false], later ? [1, 2] : [2, 1]),
    device_score: later
      ? Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : g.uniform()))
      : Array.from({ length: n }, () => g.uniform()),
    currency: Array.from({ length: n }, () => 'EUR'),
    ...(later ? {} : { legacy_flag: Float64Array.from(g.ints(n, 0, 1)) }),
  }
}

describe('HTML report in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('renders, filters, sorts and expands, light and dark', async () => {
    const report = buildDriftReport(transactions(5000, false), transactions(3000, true), {
      referenceName: 'train.parquet',
      currentName: 'last-week.parquet',
    })
    const html = renderHtmlReport(report)
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(/) // self-contained
    const page = await browser.newPage()
    const errors = watchErrors(page)
    const requests: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url())
    })
    await page.setContent(html, { waitUntil: 'load' })
    const names = () => page.$$eval('tbody.col:not([hidden]) .name', (els) => els.map((e) => e.textContent))
    expect(await names()).toHaveLength(report.columns.length)

    await page.fill('#filter', 'am')
    expect(await names()).toEqual(['amount'])
    await page.fill('#filter', '')
    await page.check('#only-drifted')
    const drifted = report.columns.filter((c) => c.drift.status === 'ok' && c.drift.drifted).map((c) => c.column)
    expect(await names()).toEqual(drifted)
    await page.uncheck('#only-drifted')

    await page.click('th[data-key="name"]')
    expect(await names()).toEqual(report.columns.map((c) => c.column).sort((a, b) => a.localeCompare(b)))
    await page.click('th[data-key="score"]')
    await page.click('th[data-key="drifted"]')
    await page.click('th[data-key="drifted"]') // descending: drifted first

    for (const name of ['amount', 'merchant']) await page.click(`tbody[data-name="${name}"] tr.row`)
    expect(await page.$$eval('tbody.col.open tr.detail svg.plot', (els) => els.length)).toBe(2)

    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(OUT, 'report-dark.png'), fullPage: true })
    expect(errors).toEqual([])
    expect(requests).toEqual([])
    await page.close()
  })
})
