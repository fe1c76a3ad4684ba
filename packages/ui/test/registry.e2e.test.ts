/** The registry pages (models, a model, a version) in a real browser against a real keel server seeded through its REST API. */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, api, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'

let server: KeelServer
let browser: Browser
const runs: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' }

async function ok(method: 'GET' | 'POST' | 'PATCH', path: string, body: Record<string, unknown>) {
  const res = await api(server.url, method, path, body)
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`)
  return res.json
}

/** A run with params, metrics, git tags, a dataset and a READY logged model named `model`. */
async function seedRun(experimentId: string, name: string, lr: string, auc: number, commit: string): Promise<string> {
  const run = (
    await ok('POST', '/runs/create', { experiment_id: experimentId, run_name: name, start_time: Date.now() })
  ).run.info.run_id as string
  await ok('POST', '/runs/log-batch', {
    run_id: run,
    params: [
      { key: 'learning_rate', value: lr },
      { key: 'max_depth', value: '6' },
    ],
    metrics: [
      { key: 'auc', value: auc, timestamp: Date.now(), step: 0 },
      { key: 'logloss', value: 1 - auc, timestamp: Date.now(), step: 0 },
    ],
    tags: [
      { key: 'mlflow.source.git.commit', value: commit },
      { key: 'mlflow.source.git.branch', value: 'main' },
      { key: 'mlflow.source.git.repoURL', value: 'https://github.com/acme/credit' },
      { key: 'mlflow.source.name', value: 'train.py' },
    ],
  })
  await ok('POST', '/runs/log-inputs', {
    run_id: run,
    datasets: [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'loans-2024', digest: 'd41d8cd9', source_type: 'local', source: '{"uri":"loans.parquet"}' },
      },
    ],
  })
  const model = (await ok('POST', '/logged-models', { experiment_id: experimentId, name: 'model', source_run_id: run }))
    .model.info.model_id as string
  await ok('PATCH', `/logged-models/${model}`, { model_id: model, status: 'LOGGED_MODEL_READY' })
  return run
}

const register = (name: string, run: string) =>
  ok('POST', '/model-versions/create', { name, source: `runs:/${run}/model`, run_id: run })

beforeAll(async () => {
  server = await startKeelServer()
  browser = await launchBrowser()
  browser.context.setDefaultTimeout(10_000)
  const experiment = (await ok('POST', '/experiments/create', { name: 'credit-risk' })).experiment_id as string
  runs.a = await seedRun(experiment, 'xgb-baseline', '0.1', 0.81, '1111111aaaaaaa')
  runs.b = await seedRun(experiment, 'xgb-tuned', '0.05', 0.87, '2222222bbbbbbb')
  runs.c = await seedRun(experiment, 'xgb-more-data', '0.05', 0.89, '3333333ccccccc')
  runs.d = await seedRun(experiment, 'lgbm', '0.2', 0.84, '4444444ddddddd')
  await ok('POST', '/registered-models/create', {
    name: 'credit-scorer',
    description: 'Scores loan applications (probability of default).',
  })
  await register('credit-scorer', runs.a)
  await register('credit-scorer', runs.b)
  await ok('POST', '/registered-models/create', { name: 'fraud-detector' })
  await ok('POST', '/registered-models/create', { name: 'empty-model' })
  await register('fraud-detector', runs.d)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** The text of the newest audit-trail row. */
const newestEvent = (page: Page) => page.locator('.audit-trail tbody tr').first().textContent()
/** The page's errors, less the failed requests a test provokes on purpose (a refused alias, an unknown run). */
const unexpected = (errors: string[]) => errors.filter((e) => !/responded with a status of 40[04]/.test(e))
const versionOf = async (name: string, version: string) =>
  (await ok('GET', '/model-versions/get', { name, version })).model_version

describe('registry pages', () => {
  it('lists the registered models and searches them through the URL', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/models`)
    await expect.poll(() => page.getByRole('link', { name: 'credit-scorer', exact: true }).count()).toBe(1)
    expect(await page.getByRole('link', { name: 'fraud-detector' }).count()).toBe(1)
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'credit-scorer', exact: true }) })
    expect(await row.textContent()).toContain('v2')
    expect(await row.textContent()).toContain('probability of default')
    expect(await page.locator('tr', { has: page.getByRole('link', { name: 'empty-model' }) }).textContent()).toContain(
      'no versions',
    )
    await screenshot(page, 'registry-models')

    await page.getByLabel('Search models by name').fill('FRAUD')
    await page.getByRole('button', { name: 'Search' }).click()
    await expect.poll(() => page.getByRole('link', { name: 'credit-scorer', exact: true }).count()).toBe(0)
    // The list may be between answers (empty while the search loads): wait for the result, not the gap.
    await expect.poll(() => page.getByRole('link', { name: 'fraud-detector' }).count()).toBe(1)
    expect(new URL(page.url()).searchParams.get('q')).toBe('FRAUD')

    const shared = await browser.newPage()
    await shared.goto(page.url())
    await expect.poll(() => shared.getByRole('link', { name: 'fraud-detector' }).count()).toBe(1)
    expect(await shared.getByRole('link', { name: 'credit-scorer', exact: true }).count()).toBe(0)

    await shared.getByLabel('Search models by name').fill('nothing-like-this')
    await shared.getByRole('button', { name: 'Search' }).click()
    await expect.poll(() => shared.getByText('No model matches “nothing-like-this”').count()).toBe(1)
    expect(errors).toEqual([])
  })

  it("registers a run's model through the form: a run id into an existing model, a runs:/ URI into a new one", async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/models`)
    await page.getByRole('button', { name: 'Register a model' }).click()
    await page.getByLabel('Run ID or runs:/ URI').fill(runs.c)
    await page.getByLabel('Registered model name').fill('credit-scorer')
    await screenshot(page, 'registry-register-form')
    await page.getByRole('button', { name: 'Register', exact: true }).click()
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Registered' }).textContent())
      .toContain('credit-scorer v3')
    const v3 = await versionOf('credit-scorer', '3')
    expect(v3.run_id).toBe(runs.c)
    expect(v3.model_id).toBeTruthy()

    await page.getByRole('button', { name: 'Register a model' }).click()
    await page.getByLabel('Run ID or runs:/ URI').fill(`runs:/${runs.d}/model`)
    expect(await page.getByLabel('Logged model name').isDisabled()).toBe(true)
    await page.getByLabel('Registered model name').fill('lgbm-scorer')
    await page.getByRole('button', { name: 'Register', exact: true }).click()
    await expect.poll(() => page.getByRole('link', { name: 'lgbm-scorer', exact: true }).count()).toBe(1)

    // An unknown run: the error shows in the form, and no empty model is left behind.
    await page.getByRole('button', { name: 'Register a model' }).click()
    await page.getByLabel('Run ID or runs:/ URI').fill('0123456789abcdef')
    await page.getByLabel('Registered model name').fill('ghost-model')
    await page.getByRole('button', { name: 'Register', exact: true }).click()
    await expect.poll(() => page.locator('.register-form [role=alert]').textContent()).toMatch(/0123456789abcdef/)
    expect((await api(server.url, 'GET', '/registered-models/get', { name: 'ghost-model' })).status).toBe(404)
    await screenshot(page, 'registry-register-error')
    expect(unexpected(errors)).toEqual([])
  })

  it('sets an alias, moves it with a comment, and the audit trail shows who moved it from where to where', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    page.on('dialog', (d) => void d.accept())
    await page.goto(`${server.url}/models/credit-scorer`)
    await expect.poll(() => page.getByRole('heading', { name: 'credit-scorer' }).count()).toBe(1)
    await expect.poll(() => page.getByRole('link', { name: 'v3', exact: true }).count()).toBeGreaterThan(0)

    await page.getByRole('button', { name: 'Manage version 1' }).click()
    expect(new URL(page.url()).searchParams.get('manage')).toBe('1')
    const v1 = page.getByRole('form', { name: 'Set an alias on version 1' })
    await v1.getByLabel('Alias').fill('champion')
    await v1.getByRole('button', { name: 'Set alias' }).click()
    await expect.poll(() => page.locator('.model-header').textContent()).toContain('champion → v1')

    // Who acts: the name in the top bar goes with every request (X-Keel-User) into the trail.
    await page.getByLabel('Acting as').fill('dana')
    await page.getByRole('button', { name: 'Manage version 2' }).click()
    const v2 = page.getByRole('form', { name: 'Set an alias on version 2' })
    await v2.getByLabel('Alias').fill('champion')
    await v2.getByLabel('Comment (kept in the audit trail)').fill('v2 wins the backtest: AUC 0.87')
    await v2.getByRole('button', { name: 'Set alias' }).click()
    await expect.poll(() => page.locator('.model-header').textContent()).toContain('champion → v2')
    await expect.poll(() => newestEvent(page)).toContain('Set alias @champion')
    const row = (await newestEvent(page)) ?? ''
    expect(row).toContain('v1 → v2')
    expect(row).toContain('v2 wins the backtest: AUC 0.87')
    expect(row).toContain('dana')
    const trail = await fetch(`${server.url}/api/2.0/keel/registry/events?name=credit-scorer`)
    const moved = ((await trail.json()) as { events: { kind: string; actor: string; to?: string }[] }).events
    expect(moved.find((e) => e.kind === 'alias_set' && e.to === '2')?.actor).toBe('dana')
    expect(moved.find((e) => e.kind === 'alias_set' && e.to === '1')?.actor).toBe('unknown')
    await page.getByLabel('Acting as').fill('')
    expect(
      (await ok('GET', '/registered-models/alias', { name: 'credit-scorer', alias: 'champion' })).model_version.version,
    ).toBe('2')

    // A reserved alias: the server's message next to the input.
    await v2.getByLabel('Alias').fill('latest')
    await v2.getByRole('button', { name: 'Set alias' }).click()
    await expect.poll(() => v2.getByRole('alert').textContent()).toMatch(/reserved alias/)
    expect(await v2.getByLabel('Alias').getAttribute('aria-invalid')).toBe('true')
    await screenshot(page, 'registry-alias-error')

    // Delete an alias from its chip.
    await page.getByRole('form', { name: 'Set an alias on version 2' }).getByLabel('Alias').fill('challenger')
    await page.getByRole('button', { name: 'Set alias' }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Delete alias challenger' }).count()).toBe(1)
    await page.getByRole('button', { name: 'Delete alias challenger' }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Delete alias challenger' }).count()).toBe(0)
    await expect.poll(() => newestEvent(page)).toContain('Deleted alias @challenger')
    expect(unexpected(errors)).toEqual([])
  })

  it('moves versions through stages, archiving the one in Production, and shows who approved production', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/models/credit-scorer?manage=1`)
    const v1 = page.getByRole('form', { name: 'Move version 1 to a stage' })
    await v1.getByLabel('Stage', { exact: true }).selectOption('Production')
    await v1.getByRole('button', { name: 'Move to Production' }).click()
    await expect.poll(async () => (await versionOf('credit-scorer', '1')).current_stage).toBe('Production')

    await page.getByRole('button', { name: 'Manage version 2' }).click()
    const v2 = page.getByRole('form', { name: 'Move version 2 to a stage' })
    await v2.getByLabel('Stage', { exact: true }).selectOption('Production')
    await v2.getByLabel('Archive existing versions in that stage').check()
    await v2.getByLabel('Comment (kept in the audit trail)').fill('approved after the A/B test (ticket RISK-42)')
    await v2.getByRole('button', { name: 'Move to Production' }).click()
    await expect.poll(async () => (await versionOf('credit-scorer', '2')).current_stage).toBe('Production')
    expect((await versionOf('credit-scorer', '1')).current_stage).toBe('Archived')

    await expect.poll(() => page.locator('.approval').textContent()).toContain('v2 approved by unknown')
    expect(await page.locator('.approval').textContent()).toContain('approved after the A/B test (ticket RISK-42)')
    const production = page.locator('.audit-trail tr.event-production')
    await expect.poll(() => production.count()).toBe(2)
    expect(await production.first().textContent()).toContain('RISK-42')
    await expect
      .poll(() =>
        page
          .locator('tr', { has: page.getByRole('link', { name: 'v1', exact: true }) })
          .first()
          .textContent(),
      )
      .toContain('Archived')
    await page.getByRole('button', { name: 'Manage version 2' }).click()
    expect(new URL(page.url()).searchParams.get('manage')).toBeNull()
    await screenshot(page, 'registry-model')

    // The list shows the stages and aliases now.
    await page.getByRole('link', { name: 'Models', exact: true }).first().click()
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'credit-scorer', exact: true }) })
    await expect.poll(() => row.textContent()).toContain('Production v2')
    expect(await row.textContent()).toContain('champion → v2')
    await screenshot(page, 'registry-models-staged')
    expect(errors).toEqual([])
  })

  it('stays live: another user moving an alias shows up without losing what is typed', async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/models/credit-scorer?manage=3`)
    const form = page.getByRole('form', { name: 'Set an alias on version 3' })
    await form.getByLabel('Alias').fill('half-typed')
    await expect.poll(() => page.locator('.model-header').textContent()).toContain('champion → v2')
    const res = await fetch(`${server.url}/api/2.0/mlflow/registered-models/alias`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-keel-user': 'alice' },
      body: JSON.stringify({ name: 'credit-scorer', alias: 'champion', version: '3', comment: 'more data' }),
    })
    expect(res.status).toBe(200)
    await expect.poll(() => page.locator('.model-header').textContent(), { timeout: 12_000 }).toContain('champion → v3')
    await expect.poll(() => newestEvent(page)).toContain('alice')
    expect(await form.getByLabel('Alias').inputValue()).toBe('half-typed')
    expect(errors).toEqual([])
  })

  it("shows a version's lineage back to its run, its trail, and links to the run page", async () => {
    const page = await browser.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/models/credit-scorer`)
    await page.getByRole('link', { name: 'v2', exact: true }).first().click()
    await expect.poll(() => page.url()).toBe(`${server.url}/models/credit-scorer/versions/2`)
    await expect.poll(() => page.locator('.lineage').count()).toBe(1)
    const lineage = (await page.locator('.lineage').textContent()) ?? ''
    expect(lineage).toContain('2222222bbbbbbb')
    expect(lineage).toContain('main')
    expect(lineage).toContain('https://github.com/acme/credit')
    expect(lineage).toContain('train.py')
    expect(lineage).toContain('loans-2024')
    expect(lineage).toContain('d41d8cd9')
    expect(await page.getByRole('table', { name: 'Params at registration' }).textContent()).toContain(
      'learning_rate0.05',
    )
    expect(await page.getByRole('table', { name: 'Metrics at registration' }).textContent()).toContain('0.87')
    await expect.poll(() => page.locator('.kv').first().textContent()).toContain('mlflow-artifacts:')
    await expect.poll(() => page.locator('.audit-trail').textContent()).toContain('RISK-42')
    await screenshot(page, 'registry-version')

    // The version's own actions.
    const alias = page.getByRole('form', { name: 'Set an alias on version 2' })
    await alias.getByLabel('Alias').fill('v7')
    await alias.getByRole('button', { name: 'Set alias' }).click()
    await expect.poll(() => alias.getByRole('alert').textContent()).toMatch(/reserved/)

    // The URL alone reproduces the page, and the run link goes to the run page.
    const shared = await browser.newPage()
    await shared.goto(page.url())
    await expect.poll(() => shared.locator('.lineage').textContent()).toContain('2222222bbbbbbb')
    await page.getByRole('link', { name: 'Browse the run →' }).click()
    await expect.poll(() => page.url()).toBe(`${server.url}/runs/${runs.b}`)
    expect(unexpected(errors)).toEqual([])
  })

  it('shows designed not-found states for a missing model and version', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/models/no-such-model`)
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Not found/)
    await page.goto(`${server.url}/models/credit-scorer/versions/99`)
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Not found/)
    expect(
      await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'credit-scorer' }).count(),
    ).toBe(1)
    await screenshot(page, 'registry-version-not-found')
    await page.goto(`${server.url}/models/empty-model`)
    await expect.poll(() => page.getByText('No versions yet').count()).toBe(1)
  })
})
