import { KeelError, trackingApi } from '@keel/contracts'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { HttpClient } from '../src/http.js'
import { SDK_VERSION } from '../src/version.js'
import { type FakeMlflow, startFakeMlflow } from './support/fake-mlflow.js'

let fake: FakeMlflow
const fast = { initialDelayMs: 1, maxDelayMs: 5 }

beforeAll(async () => {
  fake = await startFakeMlflow()
})
afterAll(() => fake.close())
afterEach(() => {
  fake.reset()
  vi.unstubAllEnvs()
})

const http = (options: ConstructorParameters<typeof HttpClient>[0] = {}) =>
  new HttpClient({ trackingUri: fake.url, retry: fast, ...options })

describe('request shapes', () => {
  it('sends GET params in the query string, arrays as repeated keys', async () => {
    fake.script('GET', '/api/2.0/mlflow/metrics/get-history-bulk-interval', { status: 200, body: { metrics: [] } })
    await http().call(trackingApi.getMetricHistoryBulkInterval, {
      run_ids: ['a', 'b'],
      metric_key: 'loss x',
      start_step: 0,
    })
    const [req] = fake.calls('GET', '/api/2.0/mlflow/metrics/get-history-bulk-interval')
    expect(req?.query).toEqual([
      ['run_ids', 'a'],
      ['run_ids', 'b'],
      ['metric_key', 'loss x'],
      ['start_step', '0'],
    ])
    expect(req?.bytes).toBe(0)
  })

  it('sends booleans as true/false and substitutes path params', async () => {
    fake.script('GET', '/api/2.0/mlflow/logged-models/m-1%2F2', {
      status: 200,
      body: { model: { info: { model_id: 'm-1/2', experiment_id: '0', name: 'x' } } },
    })
    const res = await http().call(trackingApi.getLoggedModel, { model_id: 'm-1/2', allow_deleted: true })
    expect(res.model.info.model_id).toBe('m-1/2')
    expect(fake.requests[0]?.query).toEqual([['allow_deleted', 'true']])
  })

  it('sends POST, PATCH and DELETE as JSON bodies without the path params', async () => {
    fake.script('PATCH', '/api/2.0/mlflow/logged-models/m-1', {
      status: 200,
      body: { model: { info: { model_id: 'm-1', experiment_id: '0', name: 'x' } } },
    })
    fake.script('DELETE', '/api/2.0/mlflow/logged-models/m-1/tags/a%20b', { status: 200, body: {} })
    await http().call(trackingApi.finalizeLoggedModel, { model_id: 'm-1', status: 'LOGGED_MODEL_READY' })
    await http().call(trackingApi.deleteLoggedModelTag, { model_id: 'm-1', tag_key: 'a b' })
    const [patch, del] = fake.requests
    expect(patch).toMatchObject({ method: 'PATCH', body: { status: 'LOGGED_MODEL_READY' } })
    expect(patch?.headers['content-type']).toBe('application/json')
    expect(del).toMatchObject({ method: 'DELETE', path: '/api/2.0/mlflow/logged-models/m-1/tags/a%20b', body: {} })
  })

  it('serves 3.0 endpoints under /api/3.0 and accepts an empty 200 body as {}', async () => {
    fake.script('GET', '/api/3.0/mlflow/server-info', { status: 200 })
    expect(await http().call(trackingApi.serverInfo, {})).toEqual({})
  })

  it('keeps a path prefix of the tracking URI', async () => {
    fake.script('GET', '/prefix/api/2.0/mlflow/experiments/get', {
      status: 200,
      body: { experiment: { experiment_id: '0', name: 'Default' } },
    })
    await http({ trackingUri: `${fake.url}/prefix/` }).call(trackingApi.getExperiment, { experiment_id: '0' })
    expect(fake.requests[0]?.path).toBe('/prefix/api/2.0/mlflow/experiments/get')
  })
})

describe('configuration', () => {
  it('sends User-Agent and a Bearer token from MLFLOW_TRACKING_TOKEN', async () => {
    vi.stubEnv('MLFLOW_TRACKING_TOKEN', 'tok')
    await http().call(trackingApi.getExperiment, { experiment_id: '0' })
    expect(fake.requests[0]?.headers['user-agent']).toBe(`keel-sdk/${SDK_VERSION}`)
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer tok')
  })

  it('sends Basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD', async () => {
    vi.stubEnv('MLFLOW_TRACKING_TOKEN', '')
    vi.stubEnv('MLFLOW_TRACKING_USERNAME', 'ann')
    vi.stubEnv('MLFLOW_TRACKING_PASSWORD', 's3cret')
    await http().call(trackingApi.getExperiment, { experiment_id: '0' })
    expect(fake.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('ann:s3cret').toString('base64')}`)
  })

  it('takes the URL from KEEL_TRACKING_URI before MLFLOW_TRACKING_URI, with a default', () => {
    vi.stubEnv('KEEL_TRACKING_URI', 'http://keel:1/')
    vi.stubEnv('MLFLOW_TRACKING_URI', 'http://mlflow:2')
    expect(new HttpClient().baseUrl).toBe('http://keel:1')
    vi.stubEnv('KEEL_TRACKING_URI', '')
    expect(new HttpClient().baseUrl).toBe('http://mlflow:2')
    vi.stubEnv('MLFLOW_TRACKING_URI', '')
    expect(new HttpClient().baseUrl).toBe('http://127.0.0.1:5000')
  })

  it('refuses tracking URIs that are not http(s)', () => {
    expect(() => new HttpClient({ trackingUri: 'sqlite:///mlflow.db' })).toThrow(/not supported/)
  })
})

describe('errors and retries', () => {
  const path = '/api/2.0/mlflow/experiments/get'
  const ok = { status: 200, body: { experiment: { experiment_id: '0', name: 'Default' } } }

  it('retries 503 and succeeds on the third try', async () => {
    fake.script('GET', path, { status: 503, body: 'busy' }, { status: 503 }, ok)
    const res = await http().call(trackingApi.getExperiment, { experiment_id: '0' })
    expect(res.experiment.name).toBe('Default')
    expect(fake.calls('GET', path)).toHaveLength(3)
  })

  it('retries 429, 502, 504 and dropped connections', async () => {
    fake.script(
      'GET',
      path,
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 502 },
      { status: 504 },
      'reset',
      ok,
    )
    await http().call(trackingApi.getExperiment, { experiment_id: '0' })
    expect(fake.calls('GET', path)).toHaveLength(5)
  })

  it('never retries a 4xx, and throws KeelError with the server code', async () => {
    fake.script('GET', path, { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad id' } }, ok)
    const error = await http()
      .call(trackingApi.getExperiment, { experiment_id: 'x' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeelError)
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: 'bad id' })
    expect(fake.calls('GET', path)).toHaveLength(1)
  })

  it('does not retry 500 (a deterministic server error)', async () => {
    fake.script('GET', path, { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'bug' } })
    await expect(http().call(trackingApi.getExperiment, { experiment_id: '0' })).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
    })
    expect(fake.calls('GET', path)).toHaveLength(1)
  })

  it('gives up after maxAttempts with the last error', async () => {
    fake.script('GET', path, { status: 503 }, { status: 503 }, { status: 503 })
    await expect(
      http({ retry: { ...fast, maxAttempts: 3 } }).call(trackingApi.getExperiment, { experiment_id: '0' }),
    ).rejects.toMatchObject({
      code: 'TEMPORARILY_UNAVAILABLE',
    })
    expect(fake.calls('GET', path)).toHaveLength(3)
  })

  it('stops retrying when the total time cap is reached', async () => {
    fake.script('GET', path, { status: 503 }, { status: 503 }, { status: 503 })
    const client = http({ retry: { initialDelayMs: 400, maxDelayMs: 400, maxElapsedMs: 150 } })
    await expect(client.call(trackingApi.getExperiment, { experiment_id: '0' })).rejects.toMatchObject({
      code: 'TEMPORARILY_UNAVAILABLE',
    })
    expect(fake.calls('GET', path)).toHaveLength(1)
  })

  it('maps a non-JSON error body from its status and keeps an unknown code in the message', async () => {
    fake.script(
      'GET',
      path,
      { status: 403, body: undefined },
      { status: 404, body: { error_code: 'NOT_A_CODE', message: 'm' } },
    )
    await expect(http().call(trackingApi.getExperiment, { experiment_id: '0' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    })
    await expect(http().call(trackingApi.getExperiment, { experiment_id: '0' })).rejects.toMatchObject({
      code: 'ENDPOINT_NOT_FOUND',
      message: 'NOT_A_CODE: m',
    })
  })

  it('times out a slow request (and retries it)', async () => {
    fake.script('GET', path, { ...ok, delayMs: 500 }, ok)
    const res = await http({ timeoutMs: 100 }).call(trackingApi.getExperiment, { experiment_id: '0' })
    expect(res.experiment.experiment_id).toBe('0')
    expect(fake.calls('GET', path)).toHaveLength(2)
  })

  it('reports a refused connection as TEMPORARILY_UNAVAILABLE after retrying', async () => {
    const client = new HttpClient({ trackingUri: 'http://127.0.0.1:9', retry: { ...fast, maxAttempts: 2 } })
    await expect(client.call(trackingApi.getExperiment, { experiment_id: '0' })).rejects.toMatchObject({
      code: 'TEMPORARILY_UNAVAILABLE',
    })
  })

  it('rejects a response that does not match the schema', async () => {
    fake.script('GET', path, { status: 200, body: { experiment: { name: 1 } } })
    await expect(http().call(trackingApi.getExperiment, { experiment_id: '0' })).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
    })
  })
})
