/** The runs page in a real browser against a real keel server seeded through the REST API. */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, api, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'

let server: KeelServer
let browser: Browser
let small: string
let big: string
let running: string
const runIds: string[] = []

async function seedRun(
  experimentId: string,
  i: number,
  extra: { running?: boolean; metrics?: Record<string, number>; params?: Record<string, string> },
) {
  const start = 1_700_000_000_000 + i * 60_000
  const created = await api(server.url, 'POST', '/runs/create', {
    experiment_id: experimentId,
    run_name: `run-${String(i).padStart(4, '0')}`,
    start_time: start,
  })
  const runId = created.json.run.info.run_id as string
  const res = await api(server.url, 'POST', '/runs/log-batch', {
    run_id: runId,
    metrics: Object.entries(extra.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: start, step: 0 })),
    params: Object.entries(extra.params ?? {}).map(([key, value]) => ({ key, value })),
    tags: [{ key: 'team', value: i % 2 ? 'vision' : 'nlp' }],
  })
  expect(res.status).toBe(200)
  if (!extra.running)
    await api(server.url, 'POST', '/runs/update', {
      run_id: runId,
      status: 'FINISHED',
      end_time: start + 1000 * (30 + i),
    })
  return runId
}

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++
        out[i] = await fn(i)
      }
    }),
  )
  return out
}

/** The run ids of the rendered rows, top to bottom. */
async function rowIds(page: Page): Promise<string[]> {
  return page.$$eval('[role=row][data-run-id]', (rows) =>
    rows
      .map((r) => ({
        id: r.getAttribute('data-run-id')!,
        y: Number(/translateY\(([\d.]+)px\)/.exec((r as HTMLElement).style.transform)?.[1] ?? 0),
      }))
      .sort((a, b) => a.y - b.y)
      .map((r) => r.id),
  )
}

/** The column headers' texts (kind badge letter included: `Maccuracy` is the metric accuracy). */
async function headers(page: Page): Promise<string[]> {
  return page.$$eval('[role=columnheader]', (hs) => hs.map((h) => (h.textContent ?? '').replace(/[▲▼]/g, '').trim()))
}

async function groups(page: Page): Promise<string[]> {
  return page.$$eval('.runs-group', (gs) => gs.map((g) => (g.textContent ?? '').replace(/\s+/g, ' ').trim()))
}

async function apiOrder(experimentId: string, body: Record<string, unknown>): Promise<string[]> {
  const res = await api(server.url, 'POST', '/runs/search', {
    experiment_ids: [experimentId],
    max_results: 1000,
    ...body,
  })
  return (res.json.runs ?? []).map((r: { info: { run_id: string } }) => r.info.run_id)
}

beforeAll(async () => {
  server = await startKeelServer()
  browser = await launchBrowser()
  small = (await api(server.url, 'POST', '/experiments/create', { name: 'image-classifier' })).json.experiment_id
  big = (await api(server.url, 'POST', '/experiments/create', { name: 'sweep-1200' })).json.experiment_id
  const lrs = ['0.1', '0.01', '0.001']
  for (let i = 0; i < 12; i++) {
    const acc = Math.round((0.5 + 0.45 * Math.sin(i * 1.7) ** 2) * 1000) / 1000
    runIds.push(
      await seedRun(small, i, {
        running: i === 11,
        metrics: {
          accuracy: acc,
          loss: Math.round((1 - acc) * 1000) / 1000,
          f1_score: Math.round(acc * 0.97 * 1000) / 1000,
        },
        params: { lr: lrs[i % 3]!, optimizer: i % 2 ? 'adam' : 'sgd', batch_size: String(32 * (1 + (i % 4))) },
      }),
    )
  }
  running = runIds[11]!
  await pool(1200, 8, (i) =>
    seedRun(big, i, { metrics: { score: (i * 7919) % 1000 }, params: { seed: String(i % 10) } }),
  )
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const open = async (path: string) => {
  const page = await browser.newPage()
  const errors = watchErrors(page)
  await page.goto(`${server.url}${path}`)
  return { page, errors }
}

describe('runs page', () => {
  it('shows the runs with the default columns: name, status, start time, duration, first metrics', async () => {
    const { page, errors } = await open(`/experiments/${small}`)
    await expect.poll(() => page.locator('[role=row][data-run-id]').count()).toBe(12)
    expect(await page.getByRole('heading', { name: 'image-classifier' }).count()).toBe(1)
    expect(await headers(page)).toEqual(
      expect.arrayContaining(['Run name', 'Status', 'Started', 'Duration', 'Maccuracy', 'Mf1_score', 'Mloss']),
    )
    // Newest first (the API's default order).
    expect(await rowIds(page)).toEqual(await apiOrder(small, {}))
    expect(await page.getByTestId('runs-loaded').textContent()).toMatch(/12 runs \(all loaded\)/)
    expect(await page.locator(`[data-run-id="${running}"]`).textContent()).toMatch(/running/)
    await screenshot(page, 'runs-default')
    expect(errors).toEqual([])
  })

  it('sorts on a metric on the server when a header is clicked, in the order the API gives', async () => {
    const { page, errors } = await open(`/experiments/${small}`)
    await page.getByRole('button', { name: /^Sort by metric accuracy/ }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('order')).toBe('metrics.accuracy DESC')
    const expected = await apiOrder(small, { order_by: ['metrics.accuracy DESC'] })
    await expect.poll(() => rowIds(page)).toEqual(expected)
    await page.getByRole('button', { name: /^Sort by metric accuracy/ }).click()
    await expect.poll(() => rowIds(page)).toEqual(await apiOrder(small, { order_by: ['metrics.accuracy ASC'] }))
    expect(await page.locator('[role=columnheader][aria-sort=ascending]').count()).toBe(1)
    await page.getByRole('button', { name: /^Sort by Run name/ }).click()
    await expect.poll(() => rowIds(page)).toEqual(await apiOrder(small, { order_by: ['attributes.run_name ASC'] }))
    expect(errors).toEqual([])
  })

  it('picks columns among the experiment keys, with search', async () => {
    const keys = (await (
      await fetch(`${server.url}/api/2.0/keel/experiments/keys?experiment_id=${small}`)
    ).json()) as Record<string, string[]>
    expect(keys).toEqual({
      params: ['batch_size', 'lr', 'optimizer'],
      metrics: ['accuracy', 'f1_score', 'loss'],
      tags: expect.arrayContaining(['team']),
    })
    const { page, errors } = await open(`/experiments/${small}`)
    await page.getByRole('button', { name: /^Columns/ }).click()
    await page.getByLabel('Search columns').fill('opt')
    expect(await page.getByRole('checkbox', { name: 'Param lr', exact: true }).count()).toBe(0)
    // The URL changes in a transition: click, then wait for the box to follow.
    const toggle = async (name: string, checked: boolean) => {
      const box = page.getByRole('checkbox', { name, exact: true })
      await box.click()
      await expect.poll(() => box.isChecked()).toBe(checked)
    }
    await toggle('Param optimizer', true)
    await page.getByLabel('Search columns').fill('')
    await toggle('Metric loss', false)
    await toggle('Tag team', true)
    await screenshot(page, 'runs-column-picker')
    await page.keyboard.press('Escape')
    expect(new URL(page.url()).searchParams.get('cols')).toBe(
      'attributes.status,attributes.start_time,attributes.duration,metrics.accuracy,metrics.f1_score,params.optimizer,tags.team',
    )
    await expect.poll(() => headers(page)).toContain('Poptimizer')
    expect(await headers(page)).not.toContain('Mloss')
    expect(await page.locator(`[data-run-id="${runIds[1]}"]`).textContent()).toMatch(/adam.*vision/)
    expect(errors).toEqual([])
  })

  it("filters on the server, and shows the parser's position and caret for a malformed filter", async () => {
    const { page, errors } = await open(`/experiments/${small}`)
    await page.getByLabel('Filter runs').fill("metrics.accuracy > 0.7 and params.optimizer = 'adam'")
    await page.getByRole('button', { name: 'Filter', exact: true }).click()
    const expected = await apiOrder(small, { filter: "metrics.accuracy > 0.7 and params.optimizer = 'adam'" })
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(12)
    await expect.poll(() => rowIds(page)).toEqual(expected)

    await page.getByLabel('Filter runs').fill('metrics.accuracy >> 0.7')
    await page.getByRole('button', { name: 'Filter', exact: true }).click()
    const bad = await api(server.url, 'POST', '/runs/search', {
      experiment_ids: [small],
      filter: 'metrics.accuracy >> 0.7',
    })
    expect(bad.status).toBe(400)
    const alert = page.locator('#runs-filter-error')
    await expect.poll(() => alert.textContent()).toBe(bad.json.message)
    expect(bad.json.message).toMatch(/\^/)
    expect(await page.getByLabel('Filter runs').getAttribute('aria-invalid')).toBe('true')
    await screenshot(page, 'runs-filter-error')
    expect(errors.filter((e) => !/400 \(Bad Request\)/.test(e))).toEqual([])
  })

  it('groups the runs under a header per value of a param, with counts', async () => {
    const { page, errors } = await open(`/experiments/${small}`)
    await page.getByLabel('Group by').selectOption('lr')
    await expect.poll(() => groups(page)).toEqual(['lr = 0.001 4 runs', 'lr = 0.01 4 runs', 'lr = 0.1 4 runs'])
    expect(new URL(page.url()).searchParams.get('group')).toBe('lr')
    await screenshot(page, 'runs-grouped')
    expect(errors).toEqual([])
  })

  it('selects runs with checkboxes and shift-click ranges, and compares them', async () => {
    const { page, errors } = await open(`/experiments/${small}`)
    await expect.poll(() => rowIds(page).then((ids) => ids.length)).toBe(12)
    const ids = await rowIds(page)
    await page.locator(`[data-run-id="${ids[1]}"] input[type=checkbox]`).click()
    await page.locator(`[data-run-id="${ids[4]}"] input[type=checkbox]`).click({ modifiers: ['Shift'] })
    await expect.poll(() => page.locator('[role=row][aria-selected=true]').count()).toBe(4)
    expect(new URL(page.url()).searchParams.get('sel')!.split(',').sort()).toEqual(ids.slice(1, 5).sort())
    await screenshot(page, 'runs-selected')
    // The box reflects the URL, which the router updates a tick after the click: click and poll.
    await page.getByLabel('Select all loaded runs').click()
    await expect.poll(() => page.getByLabel('Select all loaded runs').isChecked()).toBe(true)
    await expect.poll(() => page.locator('[role=row][aria-selected=true]').count()).toBe(12)
    await page.getByLabel('Select all loaded runs').click()
    await expect.poll(() => page.getByLabel('Select all loaded runs').isChecked()).toBe(false)
    await page.locator(`[data-run-id="${ids[0]}"] input[type=checkbox]`).click()
    await page.locator(`[data-run-id="${ids[2]}"] input[type=checkbox]`).click()
    await page.getByRole('link', { name: 'Compare (2)' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe('/compare')
    expect(new URL(page.url()).searchParams.get('runs')!.split(',').sort()).toEqual([ids[0], ids[2]].sort())
    expect(errors).toEqual([])
  })

  it('navigates with the keyboard: arrows move, space selects, enter opens the run', async () => {
    const { page, errors } = await open(`/experiments/${small}`)
    await expect.poll(() => rowIds(page).then((ids) => ids.length)).toBe(12)
    const ids = await rowIds(page)
    await page.getByRole('grid', { name: 'Runs' }).focus()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowDown')
    expect(await page.getByRole('grid').getAttribute('aria-activedescendant')).toBe(`run-row-${ids[2]}`)
    await page.keyboard.press('Space')
    await expect.poll(() => page.locator(`[data-run-id="${ids[2]}"]`).getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press('End')
    expect(await page.getByRole('grid').getAttribute('aria-activedescendant')).toBe(`run-row-${ids[11]}`)
    await page.keyboard.press('Home')
    await page.keyboard.press('Enter')
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/runs/${ids[0]}`)
    expect(errors).toEqual([])
  })

  it('reproduces the whole view from its URL in a new page', async () => {
    const { page } = await open(`/experiments/${small}`)
    await page.getByRole('button', { name: /^Sort by metric loss/ }).click()
    await page.getByLabel('Filter runs').fill("params.optimizer = 'sgd'")
    await page.getByRole('button', { name: 'Filter', exact: true }).click()
    await page.getByLabel('Group by').selectOption('batch_size')
    await page.getByRole('button', { name: /^Columns/ }).click()
    await page.getByRole('checkbox', { name: 'Param lr', exact: true }).click()
    await expect.poll(() => page.getByRole('checkbox', { name: 'Param lr', exact: true }).isChecked()).toBe(true)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('[role=row][data-run-id]').count()).toBe(6)
    const first = (await rowIds(page))[0]!
    await page.locator(`[data-run-id="${first}"] input[type=checkbox]`).click()
    await expect.poll(() => page.locator('[role=row][aria-selected=true]').count()).toBe(1)
    const url = page.url()
    const before = { rows: await rowIds(page), headers: await headers(page), groups: await groups(page) }

    const shared = await browser.newPage()
    const errors = watchErrors(shared)
    await shared.goto(url)
    await expect.poll(() => rowIds(shared)).toEqual(before.rows)
    expect(await headers(shared)).toEqual(before.headers)
    expect(await groups(shared)).toEqual(before.groups)
    expect(await shared.locator('[role=row][aria-selected=true]').getAttribute('data-run-id')).toBe(first)
    expect(await shared.getByLabel('Filter runs').inputValue()).toBe("params.optimizer = 'sgd'")
    await screenshot(shared, 'runs-shared-url')
    expect(errors).toEqual([])
  })

  it('updates a running run live, without a reload and without losing the selection', async () => {
    const { page, errors } = await open(`/experiments/${small}`)
    const row = page.locator(`[data-run-id="${running}"]`)
    await expect.poll(() => row.count()).toBe(1)
    await row.locator('input[type=checkbox]').click()
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true))
    const res = await api(server.url, 'POST', '/runs/log-batch', {
      run_id: running,
      metrics: [{ key: 'accuracy', value: 0.987654, timestamp: Date.now(), step: 5 }],
    })
    expect(res.status).toBe(200)
    await expect.poll(() => row.textContent(), { timeout: 15_000, interval: 250 }).toMatch(/0\.987654/)
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true)
    expect(await row.getAttribute('aria-selected')).toBe('true')
    await screenshot(page, 'runs-live')
    expect(errors).toEqual([])
  })

  it('loads 1,200 runs a page at a time as the table scrolls', async () => {
    const { page, errors } = await open(`/experiments/${big}`)
    const loaded = page.getByTestId('runs-loaded')
    await expect.poll(() => loaded.textContent()).toMatch(/^250 runs loaded, more as you scroll/)
    const grid = page.getByRole('grid', { name: 'Runs' })
    expect(await page.locator('[role=row][data-run-id]').count()).toBeLessThan(80) // virtualised
    await expect
      .poll(
        async () => {
          await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight))
          return loaded.textContent()
        },
        { timeout: 30_000, interval: 300 },
      )
      .toMatch(/^1,200 runs \(all loaded\)/)
    const all = await apiOrder(big, {})
    const last = all.slice(0, 1000).at(-1)
    expect(all.length).toBe(1000)
    await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await expect.poll(async () => (await rowIds(page)).length).toBeGreaterThan(10)
    expect(await page.locator(`[data-run-id="${last}"]`).count()).toBe(0)
    await screenshot(page, 'runs-paged-end')
    expect(errors).toEqual([])
  })
})
