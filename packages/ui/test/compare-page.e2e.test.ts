/** The compare page in a real browser against a real keel server seeded through its REST API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, api, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'
import { createExperiment, createRun, finish, logCurves } from './run-seed.js'

let server: KeelServer
let browser: Browser
const ids: string[] = []

/** Three runs of a sweep: lr and optimizer vary, depth is shared; run 1 (lr 0.01, adam) is best. */
const SWEEP = [
  { name: 'sweep-lr-0.1', lr: '0.1', optimizer: 'sgd', final: 0.42, acc: 0.81 },
  { name: 'sweep-lr-0.01', lr: '0.01', optimizer: 'adam', final: 0.18, acc: 0.93 },
  { name: 'sweep-lr-0.001', lr: '0.001', optimizer: 'adam', final: 0.3, acc: 0.88 },
]

beforeAll(async () => {
  server = await startKeelServer()
  browser = await launchBrowser()
  const exp = await createExperiment(server.url, 'lr-sweep')
  for (const [i, s] of SWEEP.entries()) {
    const run = await createRun(server.url, exp, s.name, {
      params: { lr: s.lr, optimizer: s.optimizer, depth: '18' },
      tags: { sweep: 'lr', seed: String(i) },
    })
    await logCurves(
      server.url,
      run.runId,
      {
        val_loss: (step) => s.final + 2 * Math.exp(-step / (200 + i * 150)),
        accuracy: (step) => s.acc * (1 - Math.exp(-step / 300)),
      },
      2000 + i * 500,
    )
    await finish(server.url, run.runId)
    ids.push(run.runId)
  }
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('compare page', () => {
  it('overlays curves, draws parallel coordinates and a scatter, and highlights differences', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/compare?runs=${ids.join(',')}&metric=val_loss`)
    await expect.poll(() => page.getByRole('heading', { name: 'Compare 3 runs' }).count()).toBe(1)

    // The run list: a link and a colour swatch per run.
    const list = page.locator('.run-list')
    for (const [i, s] of SWEEP.entries()) {
      expect(await list.getByRole('link', { name: s.name }).getAttribute('href')).toBe(`/runs/${ids[i]}`)
    }
    expect(await list.locator('.swatch').count()).toBe(3)

    // Metric curves: one series per run, drawn on the canvas.
    await expect
      .poll(() => page.locator('.line-chart .legend-label').allTextContents())
      .toEqual(SWEEP.map((s) => s.name))
    const inked = () =>
      page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('.chart-canvas canvas')!
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
        let n = 0
        for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++
        return n
      })
    await expect.poll(inked).toBeGreaterThan(2000)

    // Parallel coordinates: axes = differing params (lr, optimizer) + the metric; a polyline per run.
    const pc = page.locator('.pcoords svg')
    expect(await pc.locator('.axis-title').allTextContents()).toEqual(['lr', 'optimizer', 'val_loss'])
    expect(await pc.locator('.pc-run').count()).toBe(3)
    expect(await pc.locator('.pc-run path').first().getAttribute('d')).toMatch(
      /^M[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+$/,
    )

    // Scatter: default lr × val_loss; pick other axes, stored in the URL.
    const scatter = page.locator('.scatter svg')
    expect(await scatter.locator('circle').count()).toBe(3)
    await page.getByLabel('Scatter X axis').selectOption('metric:accuracy')
    await page.getByLabel('Scatter Y axis').selectOption('param:optimizer')
    // The URL (and what it drives) updates a tick after each pick: poll, don't read once.
    await expect.poll(() => new URL(page.url()).searchParams.get('sx')).toBe('metric:accuracy')
    await expect.poll(() => new URL(page.url()).searchParams.get('sy')).toBe('param:optimizer')
    await expect
      .poll(() => scatter.locator('.axis-title').allTextContents())
      .toEqual(['accuracy (metric)', 'optimizer (param)'])
    expect(await scatter.locator('circle').count()).toBe(3)

    // Diff table: differing rows highlighted, best value per metric marked.
    const diff = page.locator('.diff-table')
    expect(await diff.locator('tr', { hasText: 'depth' }).getAttribute('data-differs')).toBe('false')
    expect(await diff.locator('tr', { hasText: /^lr/ }).getAttribute('data-differs')).toBe('true')
    expect(await diff.locator('tr.row-differs').count()).toBeGreaterThanOrEqual(4)
    const lossRow = diff.locator('tr', { hasText: 'val_loss' })
    expect(await lossRow.locator('td.best').count()).toBe(1)
    expect(await lossRow.locator('td').nth(2).getAttribute('class')).toBe('best')
    expect(await diff.locator('tr', { hasText: 'accuracy' }).locator('td').nth(2).getAttribute('class')).toBe('best')
    await page.locator('.compare-page').getByText('Metric curves').scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-page')

    // The box reflects the URL, which the router updates a tick after the click: poll, not check().
    await page.getByLabel('Only differences').click()
    await expect.poll(() => page.getByLabel('Only differences').isChecked()).toBe(true)
    await expect.poll(() => diff.locator('tr', { hasText: 'depth' }).count()).toBe(0)
    expect(new URL(page.url()).searchParams.get('diff')).toBe('only')
    await screenshot(page, 'compare-page-only-differences')

    // Another metric and a log scale, in the URL too.
    await page.getByLabel('Metric', { exact: true }).selectOption('accuracy')
    await page.getByLabel('Log scale').click()
    await expect.poll(() => page.getByLabel('Log scale').isChecked()).toBe(true)
    await expect.poll(() => new URL(page.url()).searchParams.get('metric')).toBe('accuracy')
    expect(await pc.locator('.axis-title').allTextContents()).toEqual(['lr', 'optimizer', 'accuracy'])
    expect(errors).toEqual([])
  })

  it('restores the view from a shared URL', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(
      `${server.url}/compare?runs=${ids.join(',')}&metric=accuracy&sx=param%3Alr&sy=metric%3Aval_loss&diff=only&smooth=0.6`,
    )
    await expect.poll(() => page.locator('.line-chart .legend-label').count()).toBe(3)
    expect(await page.getByLabel('Metric', { exact: true }).inputValue()).toBe('accuracy')
    expect(await page.getByLabel('Scatter X axis').inputValue()).toBe('param:lr')
    expect(await page.getByLabel('Scatter Y axis').inputValue()).toBe('metric:val_loss')
    expect(await page.getByLabel('Only differences').isChecked()).toBe(true)
    expect(await page.getByLabel('Smoothing').inputValue()).toBe('0.6')
    expect(await page.locator('.diff-table tr', { hasText: 'depth' }).count()).toBe(0)
    expect(errors).toEqual([])
  })

  it('updates running runs live and removes runs from the comparison', async () => {
    const exp = (await api(server.url, 'GET', '/experiments/get-by-name', { experiment_name: 'lr-sweep' })).json
      .experiment.experiment_id
    const live = await createRun(server.url, exp, 'live-sweep', {
      params: { lr: '0.05', optimizer: 'sgd', depth: '18' },
    })
    await logCurves(server.url, live.runId, { val_loss: (s) => 1 / (1 + s) }, 50)
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/compare?runs=${ids[0]},${live.runId}&metric=val_loss`)
    const cell = page.locator('.run-list tr', { hasText: 'live-sweep' }).locator('td.num')
    await expect.poll(() => cell.textContent()).toBe('0.02')
    await logCurves(server.url, live.runId, { val_loss: () => 0.0123 }, 10, { from: 50 })
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe('0.0123')
    await page.mouse.move(2, 2)
    await expect
      .poll(
        () =>
          page.locator('.line-chart .legend-item', { hasText: 'live-sweep' }).locator('.legend-value').textContent(),
        { timeout: 10_000 },
      )
      .toBe('0.0123')

    await page.getByRole('button', { name: 'Remove live-sweep from the comparison' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('runs')).toBe(ids[0])
    await expect.poll(() => page.getByRole('heading', { name: 'Compare 1 runs' }).count()).toBe(1)
    expect(errors).toEqual([])
  })

  it('shows designed states: no runs chosen, a run that does not exist', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/compare`)
    await expect.poll(() => page.getByText('No runs chosen').count()).toBe(1)
    await page.goto(`${server.url}/compare?runs=${ids[0]},${ids[1]},ffffffffffffffffffffffffffffffff`)
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/ffffffff.*could not be loaded/)
    await expect.poll(() => page.getByRole('heading', { name: 'Compare 2 runs' }).count()).toBe(1)
    await screenshot(page, 'compare-page-missing-run')
  })
})
