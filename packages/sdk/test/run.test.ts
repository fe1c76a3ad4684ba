import { KeelError } from '@keel/contracts'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type KeelOptions, createKeel } from '../src/keel.js'
import { type FakeMlflow, startFakeMlflow } from './support/fake-mlflow.js'

let fake: FakeMlflow
const API = '/api/2.0/mlflow'
const BATCH = `${API}/runs/log-batch`
const UPDATE = `${API}/runs/update`

beforeAll(async () => {
  fake = await startFakeMlflow()
})
afterAll(() => fake.close())
afterEach(() => fake.reset())

const keelFor = (options: KeelOptions = {}) =>
  createKeel({
    trackingUri: fake.url,
    lineage: false,
    retry: { initialDelayMs: 1, maxDelayMs: 2 },
    flushIntervalMs: 60_000,
    ...options,
  })
const statusOf = (runId: string) => fake.runs.get(runId)?.info.status

describe('buffering and flushing', () => {
  it('flushes on the timer', async () => {
    const run = await keelFor({ flushIntervalMs: 50 }).startRun()
    run.logMetric('loss', 0.5, { step: 1 })
    run.logMetrics({ acc: 0.9, f1: 0.8 }, { step: 1 })
    expect(fake.calls('POST', BATCH)).toHaveLength(0)
    await vi.waitFor(() => expect(fake.calls('POST', BATCH)).toHaveLength(1))
    expect(fake.calls('POST', BATCH)[0]?.body.metrics.map((m: { key: string }) => m.key)).toEqual(['loss', 'acc', 'f1'])
    await run.end()
    expect(fake.calls('POST', BATCH)).toHaveLength(1)
    expect(statusOf(run.runId)).toBe('FINISHED')
  })

  it('flushes as soon as 1000 metrics are queued', async () => {
    const run = await keelFor().startRun()
    for (let i = 0; i < 1000; i++) run.logMetric('loss', i, { step: i })
    await vi.waitFor(() => expect(fake.calls('POST', BATCH)).toHaveLength(1))
    expect(fake.calls('POST', BATCH)[0]?.body.metrics).toHaveLength(1000)
    run.logMetric('loss', -1, { step: 1000 })
    await run.end()
    expect(fake.calls('POST', BATCH).map((r) => r.body.metrics.length)).toEqual([1000, 1])
  })

  it('flushes everything on end, before marking the run FINISHED', async () => {
    const run = await keelFor().startRun()
    run.logParams({ lr: 0.01, layers: 3 })
    run.setTags({ team: 'ml' })
    run.setTag('team', 'research')
    run.logMetric('loss', Number.POSITIVE_INFINITY, { timestamp: 42 })
    await run.end()
    const paths = fake.requests.map((r) => r.path).filter((p) => p === BATCH || p === UPDATE)
    expect(paths).toEqual([BATCH, UPDATE])
    expect(fake.calls('POST', BATCH)[0]?.body).toEqual({
      run_id: run.runId,
      metrics: [{ key: 'loss', value: 'Infinity', timestamp: 42, step: 0 }],
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'layers', value: '3' },
      ],
      tags: [{ key: 'team', value: 'research' }],
    })
    expect(fake.calls('POST', UPDATE)[0]?.body).toMatchObject({ run_id: run.runId, status: 'FINISHED' })
    expect(run.info.status).toBe('FINISHED')
  })

  it('refuses to change a param locally, before any request', async () => {
    const run = await keelFor().startRun()
    run.logParam('lr', 0.1)
    run.logParam('lr', '0.1')
    expect(() => run.logParam('lr', 0.2)).toThrow(/Changing param values is not allowed/)
    expect(() => run.logParams({ batch: 32, lr: 0.3 })).toThrow(KeelError)
    run.logParam('batch', 64) // the refused call logged nothing
    await run.end()
    expect(fake.calls('POST', BATCH)[0]?.body.params).toEqual([
      { key: 'lr', value: '0.1' },
      { key: 'batch', value: '64' },
    ])
  })

  it('validates metric values and steps locally', async () => {
    const run = await keelFor().startRun()
    expect(() => run.logMetric('x', '1' as unknown as number)).toThrow(/must be a number/)
    expect(() => run.logMetric('x', 1, { step: 1.5 })).toThrow(/step must be an integer/)
    await run.end()
  })

  it('surfaces a refused background flush on the next call, once', async () => {
    const run = await keelFor({ flushIntervalMs: 30 }).startRun()
    fake.script('POST', BATCH, { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad metric' } })
    run.logMetric('bad', 1)
    await vi.waitFor(() => expect(fake.calls('POST', BATCH)).toHaveLength(1))
    await vi.waitFor(() => expect(() => run.setTags({})).toThrow('bad metric')) // a call that logs nothing
    run.logMetric('ok', 3)
    await run.end()
    expect(fake.runs.get(run.runId)?.data.metrics.map((m) => m.key)).toEqual(['ok'])
  })

  it('keeps data that failed transiently queued, and sends it later', async () => {
    const run = await keelFor({ retry: { initialDelayMs: 1, maxAttempts: 2 } }).startRun()
    fake.script('POST', BATCH, { status: 503 }, { status: 503 })
    run.logMetric('a', 1)
    await expect(run.flush()).rejects.toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE' })
    run.logMetric('b', 2)
    await run.end()
    expect(fake.runs.get(run.runId)?.data.metrics.map((m) => m.key)).toEqual(['a', 'b'])
  })

  it('throws from end() when the final flush fails, and still ends the run', async () => {
    const run = await keelFor({ retry: { initialDelayMs: 1, maxAttempts: 1 } }).startRun()
    fake.script('POST', BATCH, { status: 503 })
    run.logMetric('a', 1)
    await expect(run.end()).rejects.toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE' })
    expect(statusOf(run.runId)).toBe('FINISHED')
    expect(() => run.logMetric('b', 1)).toThrow(/has ended/)
  })

  it('ends FINISHED when an `await using` block is left, once', async () => {
    let runId = ''
    {
      await using run = await keelFor().startRun()
      runId = run.runId
      run.logMetric('a', 1)
    }
    expect(statusOf(runId)).toBe('FINISHED')
    expect(fake.calls('POST', UPDATE)).toHaveLength(1)
  })

  it('records a failure with fail(error)', async () => {
    const run = await keelFor().startRun()
    await run.fail(new TypeError('diverged'))
    await run.end()
    expect(statusOf(run.runId)).toBe('FAILED')
    expect(fake.calls('POST', BATCH)[0]?.body.tags).toEqual([{ key: 'keel.error', value: 'TypeError: diverged' }])
    expect(fake.calls('POST', UPDATE)).toHaveLength(1)
  })

  it('logs a dataset input with its context', async () => {
    fake.script('POST', `${API}/runs/log-inputs`, { status: 200, body: {} })
    const run = await keelFor().startRun()
    await run.logInput(
      { name: 'iris', digest: 'abc', sourceType: 'local', source: 'iris.csv' },
      { context: 'training' },
    )
    await run.end()
    expect(fake.calls('POST', `${API}/runs/log-inputs`)[0]?.body.datasets).toEqual([
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: 'iris.csv' },
      },
    ])
  })
})

describe('fluent API', () => {
  it('withRun ends FINISHED and returns the result', async () => {
    const keel = keelFor()
    const result = await keel.withRun({ runName: 'ok' }, (run) => {
      run.logMetric('a', 1)
      return run.runId
    })
    expect(statusOf(result)).toBe('FINISHED')
  })

  it('withRun ends FAILED on exception, after flushing, and rethrows', async () => {
    const keel = keelFor()
    let runId = ''
    await expect(
      keel.withRun({ runName: 'boom' }, async (run) => {
        runId = run.runId
        run.logMetric('loss', 1)
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(statusOf(runId)).toBe('FAILED')
    expect(fake.calls('POST', BATCH)[0]?.body).toMatchObject({
      metrics: [{ key: 'loss' }],
      tags: [{ key: 'keel.error', value: 'Error: boom' }],
    })
  })

  it('nests runs under the enclosing withRun, or an explicit parent', async () => {
    const keel = keelFor()
    const parentTag = (i: number) =>
      fake
        .calls('POST', `${API}/runs/create`)
        [i]?.body.tags.find((t: { key: string }) => t.key === 'mlflow.parentRunId')?.value
    await keel.withRun({}, async (parent) => {
      const child = await keel.startRun({ nested: true, runName: 'child' })
      await child.end()
      const other = await keel.startRun({ parentRun: 'abc' })
      await other.end()
      expect([parentTag(1), parentTag(2)]).toEqual([parent.runId, 'abc'])
    })
    await expect(keel.startRun({ nested: true })).rejects.toThrow(/needs an active run/)
  })

  it('setExperiment gets or creates the experiment and makes it the default', async () => {
    const keel = keelFor()
    const created = await keel.setExperiment('fluent-demo')
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${API}/experiments/get-by-name`,
      `POST ${API}/experiments/create`,
      `GET ${API}/experiments/get`,
    ])
    const again = await keelFor().setExperiment('fluent-demo')
    expect(again.experimentId).toBe(created.experimentId)
    const run = await keel.startRun({ runName: 'r', tags: { k: 'v' }, description: 'first try' })
    await run.end()
    expect(run.experimentId).toBe(created.experimentId)
    expect(fake.calls('POST', `${API}/runs/create`)[0]?.body).toMatchObject({
      experiment_id: created.experimentId,
      run_name: 'r',
      tags: [
        { key: 'k', value: 'v' },
        { key: 'mlflow.runName', value: 'r' },
        { key: 'mlflow.note.content', value: 'first try' },
      ],
    })
  })

  it('setExperiment retries get-by-name when another process created it first', async () => {
    fake.script('GET', `${API}/experiments/get-by-name`, {
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'none' },
    })
    fake.script('POST', `${API}/experiments/create`, {
      status: 400,
      body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' },
    })
    expect((await keelFor().setExperiment('Default')).experimentId).toBe('0')
  })

  it('setExperiment refuses a deleted experiment', async () => {
    const keel = keelFor()
    const { experimentId } = await keel.setExperiment('to-delete')
    await keel.client.deleteExperiment(experimentId)
    await expect(keel.setExperiment('to-delete')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
  })

  it('records lineage tags by default, user tags winning', async () => {
    const keel = createKeel({ trackingUri: fake.url })
    const run = await keel.startRun({ tags: { 'mlflow.source.type': 'JOB' } })
    await run.end()
    const tags = Object.fromEntries(
      fake
        .calls('POST', `${API}/runs/create`)[0]
        ?.body.tags.map((t: { key: string; value: string }) => [t.key, t.value]),
    )
    expect(tags).toMatchObject({ 'mlflow.source.type': 'JOB', 'keel.runtime.node': process.version })
    expect(tags['mlflow.user']).toBeTruthy()
  })

  it('reads the tracking URI lazily, so a bad one fails on use, not on creation', async () => {
    const keel = createKeel({ trackingUri: 'sqlite:///mlflow.db' })
    expect(() => keel.client).toThrow(/not supported/)
  })
})
