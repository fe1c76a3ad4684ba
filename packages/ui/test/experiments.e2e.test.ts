/** The experiments page in a real browser against a real keel server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, api, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'

let server: KeelServer
let browser: Browser

beforeAll(async () => {
  server = await startKeelServer()
  browser = await launchBrowser()
  for (const name of ['iris-classifier', 'fraud-detection', 'churn'])
    await api(server.url, 'POST', '/experiments/create', { name })
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('experiments page', () => {
  it('is served at / by keel server, lists experiments and searches them through the URL', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(server.url)
    await expect.poll(() => page.getByRole('link', { name: 'iris-classifier' }).count()).toBe(1)
    expect(await page.getByRole('heading', { name: 'Experiments' }).count()).toBe(1)
    expect(await page.getByRole('link', { name: 'Default' }).count()).toBe(1)
    await screenshot(page, 'experiments-list')

    await page.getByLabel('Search experiments by name').fill('FRAUD')
    await page.getByRole('button', { name: 'Search' }).click()
    await expect.poll(() => page.getByRole('link', { name: 'fraud-detection' }).count()).toBe(1)
    expect(await page.getByRole('link', { name: 'iris-classifier' }).count()).toBe(0)
    expect(new URL(page.url()).searchParams.get('q')).toBe('FRAUD')

    // The URL alone reproduces the view.
    const shared = await browser.newPage()
    await shared.goto(page.url())
    await expect.poll(() => shared.getByRole('link', { name: 'fraud-detection' }).count()).toBe(1)
    expect(await shared.getByRole('link', { name: 'churn' }).count()).toBe(0)
    expect(errors).toEqual([])
  })

  it('creates, renames, deletes and restores an experiment', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    page.on('dialog', (d) => void d.accept())
    await page.goto(server.url)
    await page.getByRole('button', { name: 'New experiment' }).click()
    await page.getByLabel('Name', { exact: true }).fill('ui-made')
    await page.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => page.getByRole('link', { name: 'ui-made' }).count()).toBe(1)
    const made = await api(server.url, 'GET', '/experiments/get-by-name', { experiment_name: 'ui-made' })
    expect(made.json.experiment.lifecycle_stage).toBe('active')

    await page.getByRole('button', { name: 'Rename ui-made' }).click()
    await page.getByLabel('New name').fill('ui-renamed')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => page.getByRole('link', { name: 'ui-renamed' }).count()).toBe(1)

    await page.getByRole('button', { name: 'Delete ui-renamed' }).click()
    await expect.poll(() => page.getByRole('link', { name: 'ui-renamed' }).count()).toBe(0)
    const id = made.json.experiment.experiment_id
    expect(
      (await api(server.url, 'GET', '/experiments/get', { experiment_id: id })).json.experiment.lifecycle_stage,
    ).toBe('deleted')

    await page.getByLabel('Show').selectOption('DELETED_ONLY')
    await page.getByRole('button', { name: 'Restore' }).click()
    await expect
      .poll(
        async () =>
          (await api(server.url, 'GET', '/experiments/get', { experiment_id: id })).json.experiment.lifecycle_stage,
      )
      .toBe('active')
    await screenshot(page, 'experiments-restored')
    expect(errors).toEqual([])
  })

  it('shows a designed error for a duplicate name, not a blank page', async () => {
    const page = await browser.newPage()
    await page.goto(server.url)
    await page.getByRole('button', { name: 'New experiment' }).click()
    await page.getByLabel('Name', { exact: true }).fill('churn')
    await page.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/already exists/)
  })

  it('answers API paths with the API, never with the UI', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/no-such-endpoint`)
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error_code: string }).error_code).toBe('ENDPOINT_NOT_FOUND')
    const deep = await fetch(`${server.url}/experiments/1?sort=metrics.acc`)
    expect(deep.headers.get('content-type')).toMatch(/text\/html/)
    expect(await deep.text()).toMatch(/<div id="root">/)
    expect((await fetch(`${server.url}/assets/nope.js`)).status).toBe(404)
  })
})
