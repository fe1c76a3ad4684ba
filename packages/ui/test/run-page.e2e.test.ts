/** The run page in a real browser against a real keel server seeded through its REST API. */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, api, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'
import { type SeededRun, createExperiment, createRun, logCurves, putArtifact, seedFullRun } from './run-seed.js'

let server: KeelServer
let browser: Browser
let full: SeededRun & { modelId: string }
let experimentId: string

beforeAll(async () => {
  server = await startKeelServer()
  browser = await launchBrowser()
  experimentId = await createExperiment(server.url, 'vision-baselines')
  full = await seedFullRun(server.url, experimentId)
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** Non-transparent pixels drawn on the chart canvases of the page (0 when nothing was drawn). */
async function inkedPixels(page: Page, scope = '.chart-canvas canvas'): Promise<number> {
  return page.evaluate((sel) => {
    let n = 0
    for (const c of document.querySelectorAll<HTMLCanvasElement>(sel)) {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++
    }
    return n
  }, scope)
}

const open = async (path: string) => {
  const page = await browser.newPage()
  const errors = watchErrors(page)
  await page.goto(`${server.url}${path}`)
  return { page, errors }
}

describe('run page', () => {
  it('shows the header, params, latest metrics, tags and lineage', async () => {
    const { page, errors } = await open(`/runs/${full.runId}`)
    await expect.poll(() => page.getByRole('heading', { name: 'resnet-lr-0.1' }).count()).toBe(1)
    expect(await page.locator('.run-title-row .badge').first().textContent()).toBe('finished')
    await expect.poll(() => page.locator('.run-facts').getByRole('link', { name: 'vision-baselines' }).count()).toBe(1)
    expect(await page.locator('.run-facts').textContent()).toMatch(/ada/)
    expect(await page.locator('.run-facts').textContent()).toMatch(/Duration\d/)

    const params = page.locator('#params')
    expect(await params.getByRole('row', { name: /optimizer adam/ }).count()).toBe(1)
    const lr = await page.locator('#metrics td[data-metric="loss"]').textContent()
    expect(Number(lr)).toBeCloseTo(2.5 * Math.exp(-2999 / 600) + 0.05 + 0.04 * Math.sin(2999 / 7), 4)
    expect(
      await page
        .locator('#metrics')
        .getByRole('row', { name: /accuracy/ })
        .textContent(),
    ).toMatch(/2999/)

    // User tags shown; system tags collapsed behind a summary.
    const tags = page.locator('#tags')
    expect(await tags.getByRole('row', { name: /team vision/ }).isVisible()).toBe(true)
    expect(await tags.locator('summary').textContent()).toMatch(/System tags \(\d+\)/)
    expect(await tags.getByText('mlflow.source.git.commit').isVisible()).toBe(false)
    await tags.locator('summary').click()
    expect(await tags.getByText('mlflow.source.git.commit').isVisible()).toBe(true)

    // Lineage: source, datasets, the logged model and its registry version.
    const lineage = page.locator('#lineage')
    const commit = lineage.getByRole('link', { name: '3f9c2a7d81b6' })
    expect(await commit.getAttribute('href')).toBe(
      'https://github.com/acme/vision/commit/3f9c2a7d81b64e0c9a5d2f1e7b8c6a4d3e2f1a0b',
    )
    expect(await lineage.textContent()).toMatch(/uncommitted changes/)
    expect(await lineage.textContent()).toMatch(/train\.py/)
    expect(await lineage.getByRole('row', { name: /imagenet-mini a1b2c3d4 training/ }).textContent()).toMatch(
      /s3:\/\/acme-data\/imagenet-mini\/train/,
    )
    expect(await lineage.getByRole('row', { name: /imagenet-mini-val/ }).textContent()).toMatch(/eval/)
    await expect.poll(() => lineage.getByRole('link', { name: 'vision-classifier v1' }).count()).toBe(1)
    expect(await lineage.getByRole('link', { name: 'vision-classifier v1' }).getAttribute('href')).toBe(
      '/models/vision-classifier/versions/1',
    )
    expect(await lineage.getByRole('row', { name: /resnet50/ }).textContent()).toContain(full.modelId)
    expect(await lineage.getByRole('row', { name: /resnet50/ }).textContent()).toMatch(/ready/)
    await screenshot(page, 'run-page-overview')
    expect(errors).toEqual([])
  })

  it('charts several metric keys with x axis, log scale, smoothing and zoom, all in the URL', async () => {
    const { page, errors } = await open(`/runs/${full.runId}#charts`)
    const charts = page.locator('#charts')
    // With nothing in the URL the first metric (by name) is charted.
    await expect
      .poll(() => charts.locator('.legend-item').allTextContents())
      .toEqual([expect.stringMatching(/^accuracy/)])
    await expect.poll(() => inkedPixels(page)).toBeGreaterThan(2000)

    await charts.getByLabel('Add metric').selectOption('loss')
    await expect.poll(() => charts.locator('.legend-label').allTextContents()).toEqual(['accuracy', 'loss'])
    expect(new URL(page.url()).searchParams.getAll('metric')).toEqual(['accuracy', 'loss'])
    // Clicking a metric's name in the Metrics table charts it too.
    await page.locator('#metrics').getByRole('button', { name: 'val_loss' }).click()
    await expect.poll(() => charts.locator('.legend-label').allTextContents()).toEqual(['accuracy', 'loss', 'val_loss'])

    await charts.getByLabel('Log scale').click()
    await expect.poll(() => charts.getByLabel('Log scale').isChecked()).toBe(true)
    await charts.getByLabel('Smoothing').fill('0.8')
    await charts.getByLabel('X axis').selectOption('time')
    await expect.poll(() => new URL(page.url()).searchParams.get('smooth')).toBe('0.8')
    const q = new URL(page.url()).searchParams
    expect(q.get('log')).toBe('1')
    expect(q.get('x')).toBe('time')
    await expect.poll(() => inkedPixels(page)).toBeGreaterThan(2000)
    await charts.getByLabel('X axis').selectOption('step')

    // Drag to zoom, then reset (button); double-click resets too.
    await expect.poll(() => new URL(page.url()).searchParams.get('x')).toBeNull()
    // Changing the x axis rebuilds the chart: wait for the new one to settle.
    const over = charts.locator('.u-over')
    await expect
      .poll(async () => {
        await over.scrollIntoViewIfNeeded({ timeout: 1000 }).catch(() => undefined)
        return over.boundingBox()
      })
      .not.toBeNull()
    const box = (await over.boundingBox())!
    const drag = async () => {
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 })
      await page.mouse.up()
    }
    await drag()
    await expect.poll(() => charts.getByRole('button', { name: 'Reset zoom' }).count()).toBe(1)
    await screenshot(page, 'run-page-charts-zoomed')
    await charts.getByRole('button', { name: 'Reset zoom' }).click()
    await expect.poll(() => charts.getByRole('button', { name: 'Reset zoom' }).count()).toBe(0)
    await drag()
    await expect.poll(() => charts.getByRole('button', { name: 'Reset zoom' }).count()).toBe(1)
    await over.dblclick()
    await expect.poll(() => charts.getByRole('button', { name: 'Reset zoom' }).count()).toBe(0)

    // The legend hides a series.
    await charts.locator('.legend-item', { hasText: 'val_loss' }).click()
    expect(await charts.locator('.legend-item', { hasText: 'val_loss' }).getAttribute('aria-pressed')).toBe('false')
    await charts.scrollIntoViewIfNeeded()
    await screenshot(page, 'run-page-charts')
    expect(errors).toEqual([])
  })

  it('browses artifacts and previews text, JSON, MLmodel, CSV, images and large files; downloads answer 200', async () => {
    const { page, errors } = await open(`/runs/${full.runId}#artifacts`)
    const box = page.locator('#artifacts')
    const preview = box.locator('.artifact-preview')
    await expect.poll(() => box.getByRole('button', { name: /notes\.txt/ }).count()).toBe(1)

    await box.getByRole('button', { name: /notes\.txt/ }).click()
    await expect.poll(() => preview.locator('pre').textContent()).toMatch(/Trained on imagenet-mini/)
    expect(new URL(page.url()).searchParams.get('artifact')).toBe('notes.txt')
    const href = await preview.getByRole('link', { name: 'Download' }).getAttribute('href')
    const download = await fetch(`${server.url}${href}`)
    expect(download.status).toBe(200)
    expect(await download.text()).toMatch(/Baseline run/)

    await box.getByRole('button', { name: /metrics\.json/ }).click()
    await expect
      .poll(() => preview.locator('pre[data-kind="json"]').textContent())
      .toMatch(/\{\n {2}"accuracy": 0\.94,\n/)

    await box.getByRole('button', { name: 'model/' }).click()
    await box.getByRole('button', { name: /MLmodel/ }).click()
    await expect
      .poll(() => preview.locator('pre[data-kind="yaml"]').textContent())
      .toMatch(/flavors:\n {2}python_function:/)
    await screenshot(page, 'run-page-artifact-mlmodel')
    await box.getByRole('button', { name: /model\.pkl/ }).click()
    await expect.poll(() => preview.textContent()).toMatch(/No preview for this file type/)
    expect(
      (await fetch(`${server.url}${await preview.getByRole('link', { name: 'Download' }).getAttribute('href')}`))
        .status,
    ).toBe(200)

    await box.getByRole('button', { name: 'eval/' }).click()
    await box.getByRole('button', { name: /predictions\.csv/ }).click()
    const table = preview.locator('table.csv-table')
    await expect.poll(() => table.locator('thead th').allTextContents()).toEqual(['id', 'label', 'score', 'comment'])
    expect(await table.locator('tbody tr').count()).toBe(500)
    expect(await table.locator('tbody tr').first().textContent()).toBe('0cat0.0000row 0, quoted')
    expect(await preview.textContent()).toMatch(/First 500 rows shown/)
    await screenshot(page, 'run-page-artifact-csv')

    await box.getByRole('button', { name: 'plots/' }).click()
    await box.getByRole('button', { name: /gradient\.png/ }).click()
    const img = preview.locator('img')
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(96)
    await screenshot(page, 'run-page-artifact-image')

    await box.getByRole('button', { name: 'logs/' }).click()
    await box.getByRole('button', { name: /big\.log/ }).click()
    await expect
      .poll(() => preview.getByRole('note').textContent())
      .toMatch(/Large file: previewing the first 1\.0 MB of 1\.2 MB/)
    expect(((await preview.locator('pre').textContent()) ?? '').length).toBeLessThanOrEqual(1024 * 1024)
    expect(errors).toEqual([])
  })

  it('restores the whole view from a shared URL', async () => {
    const { page, errors } = await open(
      `/runs/${full.runId}?metric=loss&metric=val_loss&x=time&log=1&smooth=0.5&artifact=model%2FMLmodel`,
    )
    const charts = page.locator('#charts')
    await expect.poll(() => charts.locator('.legend-label').allTextContents()).toEqual(['loss', 'val_loss'])
    expect(await charts.getByLabel('Log scale').isChecked()).toBe(true)
    expect(await charts.getByLabel('Smoothing').inputValue()).toBe('0.5')
    expect(await charts.getByLabel('X axis').inputValue()).toBe('time')
    // The artifact's folder is opened and the file previewed.
    await expect.poll(() => page.locator('#artifacts pre[data-kind="yaml"]').textContent()).toMatch(/flavors:/)
    expect(await page.locator('#artifacts [aria-current="true"]').textContent()).toMatch(/MLmodel/)
    expect(await page.locator('#artifacts').getByRole('button', { name: 'model/' }).getAttribute('aria-expanded')).toBe(
      'true',
    )
    expect(errors).toEqual([])
  })

  it('updates a RUNNING run live, keeping the chart zoom and the artifact selection', async () => {
    const run = await createRun(server.url, experimentId, 'live-run', {
      params: { lr: '0.01' },
      startTime: Date.now() - 120_000,
    })
    const t0 = Date.now() - 100_000
    await logCurves(server.url, run.runId, { loss: (s) => 1 / (1 + s) }, 100, { t0 })
    await putArtifact(server.url, run.artifactUri, 'progress.txt', 'epoch 1\n')
    const { page, errors } = await open(`/runs/${run.runId}?metric=loss&artifact=progress.txt`)
    await expect
      .poll(() => page.locator('#metrics td[data-metric="loss"]').textContent())
      .toBe(String(Number((1 / 100).toPrecision(6))))
    expect(await page.locator('.run-title-row').textContent()).toMatch(/running.*live/)
    await expect.poll(() => page.locator('#artifacts pre').textContent()).toMatch(/epoch 1/)

    // Zoom in, then let the run log more.
    const over = page.locator('#charts .u-over')
    await over.scrollIntoViewIfNeeded()
    const box = (await over.boundingBox())!
    await page.mouse.move(box.x + box.width * 0.3, box.y + 50)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.6, box.y + 50, { steps: 4 })
    await page.mouse.up()
    await expect.poll(() => page.getByRole('button', { name: 'Reset zoom' }).count()).toBe(1)

    await page.mouse.move(5, 5) // the legend shows the values under the cursor; away from it, the last ones
    await logCurves(server.url, run.runId, { loss: () => 0.123456 }, 50, { from: 100, t0 })
    await expect
      .poll(() => page.locator('#metrics td[data-metric="loss"]').textContent(), { timeout: 10_000 })
      .toBe('0.123456')
    // The chart got the new points (its legend shows the last value) and kept its zoom.
    await expect.poll(() => page.locator('#charts .legend-value').textContent(), { timeout: 10_000 }).toBe('0.123456')
    expect(await page.getByRole('button', { name: 'Reset zoom' }).count()).toBe(1)
    expect(await page.locator('#artifacts [aria-current="true"]').textContent()).toMatch(/progress\.txt/)
    expect(await page.locator('#metrics').getByRole('row', { name: /loss/ }).textContent()).toMatch(/149/)
    await screenshot(page, 'run-page-live')

    await api(server.url, 'POST', '/runs/update', { run_id: run.runId, status: 'FINISHED', end_time: Date.now() })
    await expect
      .poll(() => page.locator('.run-title-row .badge').first().textContent(), { timeout: 10_000 })
      .toBe('finished')
    expect(errors).toEqual([])
  })

  it('draws a 100k-point history without stalling', async () => {
    const run = await createRun(server.url, experimentId, 'long-run')
    await logCurves(
      server.url,
      run.runId,
      { 'train/loss': (s) => 1 / Math.sqrt(1 + s) + 0.05 * Math.sin(s / 50) },
      100_000,
    )
    const { page, errors } = await open(`/runs/${run.runId}?smooth=0.9`)
    const started = Date.now()
    await expect
      .poll(() => page.locator('#charts .legend-label').allTextContents(), { timeout: 20_000 })
      .toEqual(['train/loss'])
    await expect.poll(() => inkedPixels(page), { timeout: 20_000 }).toBeGreaterThan(2000)
    const loaded = Date.now() - started
    // The page stays responsive: a long task would delay this round trip.
    const t = Date.now()
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))))
    expect(Date.now() - t).toBeLessThan(500)
    expect(loaded).toBeLessThan(15_000)
    await screenshot(page, 'run-page-100k')
    expect(errors).toEqual([])
  }, 120_000)

  it('shows designed states: an unknown run, a run without metrics or artifacts', async () => {
    const { page } = await open('/runs/0123456789abcdef0123456789abcdef')
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Not found/)
    await screenshot(page, 'run-page-not-found')
    const bare = await createRun(server.url, experimentId, 'bare-run')
    await api(server.url, 'POST', '/runs/update', { run_id: bare.runId, status: 'FAILED', end_time: Date.now() })
    const { page: p2, errors } = await open(`/runs/${bare.runId}`)
    await expect.poll(() => p2.locator('#charts').textContent()).toMatch(/No metrics logged yet/)
    await expect.poll(() => p2.locator('#artifacts').textContent()).toMatch(/No artifacts/)
    expect(await p2.locator('#params').textContent()).toMatch(/No params logged/)
    expect(await p2.locator('.run-title-row .badge').first().textContent()).toBe('failed')
    await screenshot(p2, 'run-page-empty')
    expect(errors).toEqual([])
  })
})
