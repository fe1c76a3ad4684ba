import { KeelError } from '@keel/contracts'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TrackingClient } from '../src/tracking-client.js'
import { type FakeMlflow, startFakeMlflow } from './support/fake-mlflow.js'

let fake: FakeMlflow
let client: TrackingClient
const API = '/api/2.0/mlflow'

beforeAll(async () => {
  fake = await startFakeMlflow()
  client = new TrackingClient({ trackingUri: fake.url, retry: { initialDelayMs: 1 } })
})
afterAll(() => fake.close())
afterEach(() => fake.reset())

describe('experiments', () => {
  it('creates, gets and finds experiments by name; undefined when missing', async () => {
    const id = await client.createExperiment('exp-a', { tags: { team: 'ml' } })
    expect(fake.calls('POST', `${API}/experiments/create`)[0]?.body).toEqual({
      name: 'exp-a',
      tags: [{ key: 'team', value: 'ml' }],
    })
    expect((await client.getExperiment(id)).name).toBe('exp-a')
    expect((await client.getExperimentByName('exp-a'))?.experimentId).toBe(id)
    expect(fake.calls('GET', `${API}/experiments/get-by-name`)[0]?.query).toEqual([['experiment_name', 'exp-a']])
    expect(await client.getExperimentByName('nope')).toBeUndefined()
  })

  it('surfaces other errors of get-by-name', async () => {
    fake.script('GET', `${API}/experiments/get-by-name`, {
      status: 403,
      body: { error_code: 'PERMISSION_DENIED', message: 'no' },
    })
    await expect(client.getExperimentByName('x')).rejects.toBeInstanceOf(KeelError)
  })

  it('maps search options to snake_case and pages', async () => {
    fake.script('POST', `${API}/experiments/search`, {
      status: 200,
      body: { experiments: [{ experiment_id: '0', name: 'Default' }], next_page_token: 'n2' },
    })
    const page = await client.searchExperiments({
      filter: "name LIKE 'a%'",
      maxResults: 5,
      orderBy: ['name'],
      viewType: 'ALL',
    })
    expect(fake.requests[0]?.body).toEqual({
      filter: "name LIKE 'a%'",
      max_results: 5,
      order_by: ['name'],
      view_type: 'ALL',
    })
    expect(page.nextPageToken).toBe('n2')
    expect(page.items[0]).toMatchObject({ experimentId: '0', name: 'Default', tags: [] })
  })

  it('renames with experiments/update', async () => {
    fake.script('POST', `${API}/experiments/update`, { status: 200, body: {} })
    await client.renameExperiment('3', 'new')
    expect(fake.requests[0]?.body).toEqual({ experiment_id: '3', new_name: 'new' })
  })
})

describe('runs', () => {
  it('creates a run with user_id from the mlflow.user tag and a start time', async () => {
    const run = await client.createRun({
      experimentId: '0',
      runName: 'r',
      tags: [{ key: 'mlflow.user', value: 'ann' }],
    })
    const body = fake.calls('POST', `${API}/runs/create`)[0]?.body
    expect(body).toMatchObject({
      experiment_id: '0',
      user_id: 'ann',
      run_name: 'r',
      tags: [{ key: 'mlflow.user', value: 'ann' }],
    })
    expect(typeof body.start_time).toBe('number')
    expect(run.info).toMatchObject({ runName: 'r', status: 'RUNNING', experimentId: '0' })
    const info = await client.updateRun(run.info.runId, { status: 'FINISHED', endTime: 5 })
    expect(info.status).toBe('FINISHED')
    expect(fake.calls('POST', `${API}/runs/update`)[0]?.body).toEqual({
      run_id: run.info.runId,
      status: 'FINISHED',
      end_time: 5,
    })
  })

  it('logs single values with their wire shapes, NaN as "NaN"', async () => {
    const { info } = await client.createRun()
    await client.logMetric(info.runId, 'loss', Number.NaN, { step: 3, timestamp: 7 })
    await client.logParam(info.runId, 'lr', 0.01)
    await client.setTag(info.runId, 'k', 'v')
    expect(fake.calls('POST', `${API}/runs/log-metric`)[0]?.body).toEqual({
      run_id: info.runId,
      key: 'loss',
      value: 'NaN',
      timestamp: 7,
      step: 3,
    })
    expect(fake.calls('POST', `${API}/runs/log-parameter`)[0]?.body).toEqual({
      run_id: info.runId,
      key: 'lr',
      value: '0.01',
    })
    expect(fake.calls('POST', `${API}/runs/set-tag`)[0]?.body).toEqual({ run_id: info.runId, key: 'k', value: 'v' })
  })

  it('splits a large logBatch into requests within the limits', async () => {
    const { info } = await client.createRun()
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'm', value: i, step: i, timestamp: 1 }))
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]))
    await client.logBatch(info.runId, { metrics, params, tags: { a: 'b' } })
    const calls = fake.calls('POST', `${API}/runs/log-batch`)
    expect(calls.map((c) => [c.body.params.length, c.body.tags.length, c.body.metrics.length])).toEqual([
      [100, 1, 899],
      [100, 0, 900],
      [50, 0, 701],
    ])
    expect(calls[0]?.body.metrics[0]).toEqual({ key: 'm', value: 0, timestamp: 1, step: 0 })
    expect(fake.runs.get(info.runId)?.data.metrics).toHaveLength(2500)
  })

  it('searches one page, and all pages with searchAllRuns', async () => {
    const path = `${API}/runs/search`
    const wireRun = (id: string) => ({ info: { run_id: id, experiment_id: '1' } })
    fake.script(
      'POST',
      path,
      { status: 200, body: { runs: [wireRun('a')], next_page_token: 't1' } },
      { status: 200, body: { runs: [wireRun('b')], next_page_token: '' } },
    )
    const pages = []
    for await (const page of client.searchAllRuns({
      experimentIds: ['1'],
      orderBy: ['metrics.acc DESC'],
      maxResults: 1,
    }))
      pages.push(page)
    expect(pages.map((p) => p.items.map((r) => r.info.runId))).toEqual([['a'], ['b']])
    expect(fake.calls('POST', path).map((r) => r.body)).toEqual([
      { experiment_ids: ['1'], order_by: ['metrics.acc DESC'], max_results: 1 },
      { experiment_ids: ['1'], order_by: ['metrics.acc DESC'], max_results: 1, page_token: 't1' },
    ])
  })

  it('follows page tokens of the metric history', async () => {
    const path = `${API}/metrics/get-history`
    const m = (step: number) => ({ key: 'loss', value: step, timestamp: 1, step })
    fake.script(
      'GET',
      path,
      { status: 200, body: { metrics: [m(0), m(1)], next_page_token: 'p2' } },
      { status: 200, body: { metrics: [m(2)] } },
    )
    const history = await client.getMetricHistory('r1', 'loss')
    expect(history.map((x) => x.step)).toEqual([0, 1, 2])
    expect(fake.calls('GET', path).map((r) => r.query)).toEqual([
      [
        ['run_id', 'r1'],
        ['metric_key', 'loss'],
        ['max_results', '25000'],
      ],
      [
        ['run_id', 'r1'],
        ['metric_key', 'loss'],
        ['max_results', '25000'],
        ['page_token', 'p2'],
      ],
    ])
  })

  it('logs inputs with datasets in wire shape', async () => {
    fake.script('POST', `${API}/runs/log-inputs`, { status: 200, body: {} })
    await client.logInputs('r1', [
      {
        tags: [{ key: 'mlflow.data.context', value: 'train' }],
        dataset: { name: 'd', digest: 'x', sourceType: 'local', source: '/d.csv' },
      },
    ])
    expect(fake.requests[0]?.body).toEqual({
      run_id: 'r1',
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'train' }],
          dataset: { name: 'd', digest: 'x', source_type: 'local', source: '/d.csv' },
        },
      ],
    })
  })

  it('lists artifacts across pages', async () => {
    const path = `${API}/artifacts/list`
    fake.script(
      'GET',
      path,
      { status: 200, body: { files: [{ path: 'a', is_dir: true }], next_page_token: 'x' } },
      { status: 200, body: { files: [{ path: 'b.txt', file_size: 3 }] } },
    )
    expect(await client.listArtifacts('r1', 'dir')).toEqual([
      { path: 'a', isDir: true },
      { path: 'b.txt', isDir: false, fileSize: 3 },
    ])
  })
})

describe('logged models', () => {
  const model = { info: { model_id: 'm-1', experiment_id: '1', name: 'model', status: 'LOGGED_MODEL_PENDING' } }

  it('creates with the first 100 params and logs the rest to /params in chunks', async () => {
    fake.script('POST', `${API}/logged-models`, { status: 200, body: { model } })
    fake.script('POST', `${API}/logged-models/m-1/params`, { status: 200, body: {} }, { status: 200, body: {} })
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, String(i)]))
    const created = await client.createLoggedModel('1', { name: 'model', sourceRunId: 'r1', params })
    expect(created.info).toMatchObject({ modelId: 'm-1', status: 'LOGGED_MODEL_PENDING' })
    expect(fake.calls('POST', `${API}/logged-models`)[0]?.body).toMatchObject({
      experiment_id: '1',
      name: 'model',
      source_run_id: 'r1',
    })
    expect(fake.calls('POST', `${API}/logged-models`)[0]?.body.params).toHaveLength(100)
    expect(fake.calls('POST', `${API}/logged-models/m-1/params`).map((r) => r.body.params.length)).toEqual([100, 50])
  })

  it('finalizes, searches and tags through their paths', async () => {
    fake.script('PATCH', `${API}/logged-models/m-1`, { status: 200, body: { model } })
    fake.script('POST', `${API}/logged-models/search`, { status: 200, body: { models: [model] } })
    fake.script('PATCH', `${API}/logged-models/m-1/tags`, { status: 200, body: {} })
    await client.finalizeLoggedModel('m-1', 'LOGGED_MODEL_READY')
    const page = await client.searchLoggedModels({
      experimentIds: ['1'],
      filter: "name = 'model'",
      orderBy: [{ fieldName: 'creation_time', ascending: false }],
    })
    await client.setLoggedModelTags('m-1', { a: 'b' })
    expect(page.items).toHaveLength(1)
    expect(fake.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      // Path parameters travel in the body too, as MLflow's client sends them (MLflow's server needs model_id there).
      ['PATCH', `${API}/logged-models/m-1`, { model_id: 'm-1', status: 'LOGGED_MODEL_READY' }],
      [
        'POST',
        `${API}/logged-models/search`,
        {
          experiment_ids: ['1'],
          filter: "name = 'model'",
          order_by: [{ field_name: 'creation_time', ascending: false }],
        },
      ],
      ['PATCH', `${API}/logged-models/m-1/tags`, { model_id: 'm-1', tags: [{ key: 'a', value: 'b' }] }],
    ])
  })
})
