import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { KeelError, type LoggedModel, type Metric } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ArtifactLocations } from '../src/artifacts/artifact-locations.js'
import { LocalArtifactRepository } from '../src/artifacts/local-artifact-repository.js'
import { createApp } from '../src/http/app.js'
import { silentLogger } from '../src/http/logger.js'
import { openDatabase } from '../src/sql/open-database.js'
import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'
import { ExperimentService } from '../src/tracking/experiment-service.js'
import { mountLoggedModelRoutes } from '../src/tracking/logged-model-routes.js'
import { LoggedModelService, type LoggedModelSearch } from '../src/tracking/logged-model-service.js'
import { RunService } from '../src/tracking/run-service.js'
import type { TrackingStore } from '../src/tracking/tracking-store.js'
import { openGuard } from './support/open-guard.js'

let dir: string
let store: TrackingStore
let repo: LocalArtifactRepository
let experiments: ExperimentService
let runs: RunService
let models: LoggedModelService
let experimentId: string
let clock: number

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'keel-logged-models-'))
  store = createSqlTrackingStore(await openDatabase(`sqlite:///${dir}/x.db`))
  await store.ensureDefaultExperiment('mlflow-artifacts:/0')
  repo = new LocalArtifactRepository(path.join(dir, 'artifacts'))
  const locations = new ArtifactLocations(repo)
  clock = 1_700_000_000_000
  const now = () => (clock += 1000)
  experiments = new ExperimentService(store, 'mlflow-artifacts:', now)
  runs = new RunService(store, locations, now)
  models = new LoggedModelService(store, locations, now)
  experimentId = await experiments.create('demo')
})

afterEach(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function expectError(promise: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KeelError)
  expect((err as KeelError).code).toBe(code)
  if (message !== undefined) expect((err as KeelError).message).toMatch(message)
}

const metric = (key: string, value: number, modelId: string, extra: Partial<Metric> = {}): Metric => ({
  key,
  value,
  timestamp: clock,
  step: 0,
  modelId,
  ...extra,
})

const ids = (page: { items: readonly LoggedModel[] }) => page.items.map((m) => m.info.name)
const search = (q: Partial<LoggedModelSearch> = {}) => models.search({ experimentIds: [experimentId], ...q })

describe('create and get', () => {
  it('creates a pending model under the experiment, with MLflow defaults', async () => {
    const run = await runs.create({ experimentId })
    const created = await models.create({
      experimentId,
      sourceRunId: run.info.runId,
      modelType: 'sklearn',
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
    })
    const { info, data } = created
    expect(info.modelId).toMatch(/^m-[0-9a-f]{32}$/)
    expect(info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/)
    expect(info.status).toBe('LOGGED_MODEL_PENDING')
    expect(info.artifactUri).toBe(`mlflow-artifacts:/${experimentId}/models/${info.modelId}/artifacts`)
    expect(info).toMatchObject({ experimentId, modelType: 'sklearn', sourceRunId: run.info.runId, registrations: [] })
    expect(info.creationTimestampMs).toBe(info.lastUpdatedTimestampMs)
    expect(info.tags).toEqual([{ key: 'mlflow.source.type', value: 'LOCAL' }])
    expect(data).toEqual({ params: [{ key: 'alpha', value: '0.5' }], metrics: [] })
    expect(await models.get(info.modelId)).toEqual(created)
  })

  it('refuses bad names, unknown or deleted experiments and bad params', async () => {
    for (const name of ['a/b', 'a:b', 'model.pkl', '50%', 'say "hi"', "it's"]) {
      await expectError(models.create({ experimentId, name }), 'INVALID_PARAMETER_VALUE', /Invalid model name/)
    }
    await expectError(
      models.create({ experimentId: '999' }),
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=999 exists',
    )
    // A source run this server does not have is kept as given, as MLflow keeps it.
    const elsewhere = await models.create({ experimentId, sourceRunId: 'f'.repeat(32) })
    expect(elsewhere.info.sourceRunId).toBe('f'.repeat(32))
    expect((await models.get(elsewhere.info.modelId)).info.sourceRunId).toBe('f'.repeat(32))
    const params = [
      { key: 'p', value: '1' },
      { key: 'p', value: '2' },
    ]
    await expectError(models.create({ experimentId, params }), 'INVALID_PARAMETER_VALUE', /Duplicate parameter keys/)
    await expectError(models.create({ experimentId, params: [{ key: '../x', value: '1' }] }), 'INVALID_PARAMETER_VALUE')
    await experiments.delete(experimentId)
    await expectError(
      models.create({ experimentId, name: 'm' }),
      'INVALID_PARAMETER_VALUE',
      /must be in the 'active' state/,
    )
  })

  it('answers RESOURCE_DOES_NOT_EXIST for an unknown id, on reads and writes', async () => {
    const message = "Logged model with ID 'm-nope' not found."
    await expectError(models.get('m-nope'), 'RESOURCE_DOES_NOT_EXIST', message)
    await expectError(models.finalize('m-nope', 'LOGGED_MODEL_READY'), 'RESOURCE_DOES_NOT_EXIST', message)
    await expectError(models.delete('m-nope'), 'RESOURCE_DOES_NOT_EXIST', message)
    await expectError(models.setTags('m-nope', [{ key: 'k', value: 'v' }]), 'RESOURCE_DOES_NOT_EXIST', message)
    await expectError(models.deleteTag('m-nope', 'k'), 'RESOURCE_DOES_NOT_EXIST', message)
    await expectError(models.logParams('m-nope', [{ key: 'k', value: 'v' }]), 'RESOURCE_DOES_NOT_EXIST', message)
    await expectError(models.listArtifacts('m-nope', undefined), 'RESOURCE_DOES_NOT_EXIST', message)
  })
})

describe('updates', () => {
  it('finalizes as READY or UPLOAD_FAILED only', async () => {
    const { info } = await models.create({ experimentId, name: 'm' })
    await expectError(models.finalize(info.modelId, 'LOGGED_MODEL_PENDING'), 'INVALID_PARAMETER_VALUE', /status/)
    const ready = await models.finalize(info.modelId, 'LOGGED_MODEL_READY')
    expect(ready.info.status).toBe('LOGGED_MODEL_READY')
    expect(ready.info.lastUpdatedTimestampMs).toBeGreaterThan(info.creationTimestampMs)
    expect((await models.finalize(info.modelId, 'LOGGED_MODEL_UPLOAD_FAILED')).info.status).toBe(
      'LOGGED_MODEL_UPLOAD_FAILED',
    )
  })

  it('upserts tags and params and deletes tags', async () => {
    const { info } = await models.create({ experimentId, name: 'm', tags: [{ key: 'a', value: '1' }] })
    const tagged = await models.setTags(info.modelId, [
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
      { key: 'b', value: '4' },
    ])
    expect(tagged.info.tags).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '4' },
    ])
    await models.deleteTag(info.modelId, 'a')
    await expectError(models.deleteTag(info.modelId, 'a'), 'RESOURCE_DOES_NOT_EXIST', /No tag with key 'a'/)
    await models.logParams(info.modelId, [{ key: 'lr', value: '0.1' }])
    await models.logParams(info.modelId, [
      { key: 'lr', value: '0.2' },
      { key: 'depth', value: 'x'.repeat(7000) },
    ])
    const model = await models.get(info.modelId)
    expect(model.info.tags).toEqual([{ key: 'b', value: '4' }])
    expect(model.data.params).toEqual([
      { key: 'depth', value: 'x'.repeat(6000) },
      { key: 'lr', value: '0.2' },
    ])
  })

  it('deletes softly: gone from get and search unless deleted ones are asked for', async () => {
    const { info } = await models.create({ experimentId, name: 'm' })
    await models.delete(info.modelId)
    await expectError(models.get(info.modelId), 'RESOURCE_DOES_NOT_EXIST')
    expect((await models.get(info.modelId, { allowDeleted: true })).info.name).toBe('m')
    expect((await search()).items).toEqual([])
  })

  it('returns every logged metric value of a model', async () => {
    const run = await runs.create({ experimentId })
    const { info } = await models.create({ experimentId, name: 'm', sourceRunId: run.info.runId })
    await runs.logBatch(run.info.runId, {
      metrics: [
        metric('acc', 0.5, info.modelId, { step: 1 }),
        metric('acc', 0.7, info.modelId, { step: 2 }),
        metric('loss', Number.NaN, info.modelId),
      ],
      params: [],
      tags: [],
    })
    const { data } = await models.get(info.modelId)
    expect(data.metrics.map((m) => [m.key, m.value, m.step, m.runId, m.modelId])).toEqual([
      ['acc', 0.5, 1, run.info.runId, info.modelId],
      ['acc', 0.7, 2, run.info.runId, info.modelId],
      ['loss', Number.NaN, 0, run.info.runId, info.modelId],
    ])
  })
})

describe('search', () => {
  /** a (acc 0.9, ready), b (acc history 0.8 then 0.3), c (no metric); created in that order. */
  async function seed() {
    const run = await runs.create({ experimentId })
    const other = await runs.create({ experimentId })
    const a = await models.create({
      experimentId,
      name: 'a',
      sourceRunId: run.info.runId,
      params: [{ key: 'lr', value: '0.1' }],
      tags: [{ key: 'team', value: 'x' }],
    })
    const b = await models.create({
      experimentId,
      name: 'b',
      sourceRunId: run.info.runId,
      params: [{ key: 'lr', value: '0.2' }],
    })
    const c = await models.create({
      experimentId,
      name: 'c',
      sourceRunId: other.info.runId,
      tags: [{ key: 'team', value: 'y' }],
    })
    await runs.logBatch(run.info.runId, {
      metrics: [
        metric('acc', 0.9, a.info.modelId, { datasetName: 'test', datasetDigest: 'd1' }),
        metric('acc', 0.8, b.info.modelId, { timestamp: 1, datasetName: 'test', datasetDigest: 'd1' }),
        metric('acc', 0.3, b.info.modelId, { timestamp: 2, datasetName: 'train', datasetDigest: 'd2' }),
      ],
      params: [],
      tags: [],
    })
    await models.finalize(a.info.modelId, 'LOGGED_MODEL_READY')
    return { run, other, a, b, c }
  }

  it('filters on attributes, metrics (latest value), params and tags', async () => {
    const { run, other } = await seed()
    expect(ids(await search({ filter: "name = 'b'" }))).toEqual(['b'])
    expect(ids(await search({ filter: `source_run_id = '${run.info.runId}'` }))).toEqual(['b', 'a'])
    expect(ids(await search({ filter: `source_run_id IN ('${other.info.runId}')` }))).toEqual(['c'])
    expect(ids(await search({ filter: 'metrics.acc > 0.5' }))).toEqual(['a'])
    expect(ids(await search({ filter: "params.lr = '0.2'" }))).toEqual(['b'])
    expect(ids(await search({ filter: "tags.team = 'x' OR tags.team = 'y'" }))).toEqual(['c', 'a'])
    expect(ids(await search({ filter: "status = 'READY'" }))).toEqual(['a'])
    expect(ids(await search({ filter: "attributes.status = 'LOGGED_MODEL_PENDING' AND name LIKE '%'" }))).toEqual([
      'c',
      'b',
    ])
    expect(ids(await search({ filter: `creation_timestamp > ${clock}` }))).toEqual([])
  })

  it('reads metrics on the requested datasets only', async () => {
    await seed()
    const test = [{ name: 'test' }]
    expect(ids(await search({ filter: 'metrics.acc > 0.5', datasets: test }))).toEqual(['b', 'a'])
    expect(ids(await search({ datasets: [{ name: 'train', digest: 'd2' }] }))).toEqual(['b'])
    expect(ids(await search({ datasets: [{ name: 'train', digest: 'other' }] }))).toEqual([])
  })

  it('orders by metrics (missing last) and attributes, newest first on ties', async () => {
    await seed()
    expect(ids(await search())).toEqual(['c', 'b', 'a'])
    expect(ids(await search({ orderBy: [{ fieldName: 'metrics.acc', ascending: false }] }))).toEqual(['a', 'b', 'c'])
    expect(ids(await search({ orderBy: [{ fieldName: 'metrics.acc' }] }))).toEqual(['b', 'a', 'c'])
    const onTest = { fieldName: 'metrics.acc', ascending: false, datasetName: 'test' }
    expect(ids(await search({ orderBy: [onTest] }))).toEqual(['a', 'b', 'c'])
    expect(ids(await search({ orderBy: [{ ...onTest, ascending: true }] }))).toEqual(['b', 'a', 'c'])
    expect(ids(await search({ orderBy: [{ fieldName: 'creation_time', ascending: true }] }))).toEqual(['a', 'b', 'c'])
    expect(ids(await search({ orderBy: [{ fieldName: 'status' }] }))).toEqual(['c', 'b', 'a'])
  })

  it('pages with opaque tokens', async () => {
    await seed()
    const first = await search({ maxResults: 2 })
    expect(ids(first)).toEqual(['c', 'b'])
    expect(first.nextPageToken).toBeDefined()
    const second = await search({ maxResults: 2, pageToken: first.nextPageToken! })
    expect(ids(second)).toEqual(['a'])
    expect(second.nextPageToken).toBeUndefined()
  })

  it('refuses bad order_by fields, filters, tokens and limits', async () => {
    await expectError(search({ orderBy: [{ fieldName: 'params.lr' }] }), 'INVALID_PARAMETER_VALUE', /Only metrics/)
    await expectError(
      search({ orderBy: [{ fieldName: 'colour' }] }),
      'INVALID_PARAMETER_VALUE',
      /Invalid order by field name: colour/,
    )
    await expectError(search({ filter: 'metrics.acc > ' }), 'INVALID_PARAMETER_VALUE')
    await expectError(search({ filter: "dataset.name = 'x'" }), 'INVALID_PARAMETER_VALUE')
    await expectError(
      search({ pageToken: 'garbage' }),
      'INVALID_PARAMETER_VALUE',
      /'garbage' for parameter 'page_token'/,
    )
    await expectError(search({ maxResults: -1 }), 'INVALID_PARAMETER_VALUE', /max_results/)
    await expectError(search({ datasets: [{ name: '' }] }), 'INVALID_PARAMETER_VALUE', /dataset_name/)
    await expectError(models.search({ experimentIds: [] }), 'INVALID_PARAMETER_VALUE', /experiment_ids/)
  })
})

describe('artifacts', () => {
  it("lists a model's artifacts relative to its root", async () => {
    const { info } = await models.create({ experimentId, name: 'm' })
    // Files are written directly: the store under test only reads them.
    const root = path.join(repo.root, experimentId, 'models', info.modelId, 'artifacts')
    await mkdir(path.join(root, 'data'), { recursive: true })
    await writeFile(path.join(root, 'MLmodel'), 'flavors: {}')
    await writeFile(path.join(root, 'data', 'model.pkl'), 'pickle')
    const top = await models.listArtifacts(info.modelId, undefined)
    expect(top.rootUri).toBe(info.artifactUri)
    expect(top.files).toEqual([
      { path: 'MLmodel', isDir: false, fileSize: 11 },
      { path: 'data', isDir: true },
    ])
    expect((await models.listArtifacts(info.modelId, 'data')).files).toEqual([
      { path: 'data/model.pkl', isDir: false, fileSize: 6 },
    ])
  })
})

describe('routes', () => {
  it('speaks MLflow JSON: create, finalize, set tags, search, get, delete', async () => {
    const app = createApp({
      version: 'test',
      logger: silentLogger,
      guard: openGuard(),
      mount: (_app, router) => mountLoggedModelRoutes(router, models),
    })
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await app.request(`/api/2.0/mlflow${url}`, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      })
      return { status: res.status, body: (await res.json()) as Record<string, any> }
    }
    const created = await call('POST', '/logged-models', {
      experiment_id: experimentId,
      name: 'model',
      params: [{ key: 'a', value: '1' }],
    })
    expect(created.status).toBe(200)
    const mid = created.body.model.info.model_id as string
    expect(created.body.model.info).toMatchObject({
      name: 'model',
      status: 'LOGGED_MODEL_PENDING',
      tags: [],
      registrations: [],
    })
    expect(created.body.model.data).toEqual({ params: [{ key: 'a', value: '1' }], metrics: [] })
    const finalized = await call('PATCH', `/logged-models/${mid}`, { model_id: mid, status: 'LOGGED_MODEL_READY' })
    expect(finalized.body.model.info.status).toBe('LOGGED_MODEL_READY')
    const tagged = await call('PATCH', `/logged-models/${mid}/tags`, {
      tags: [{ key: 'mlflow.modelVersions', value: '[]' }],
    })
    expect(tagged.body.model.info.tags).toEqual([{ key: 'mlflow.modelVersions', value: '[]' }])
    const found = await call('POST', '/logged-models/search', {
      experiment_ids: [experimentId],
      filter: "name = 'model'",
    })
    expect(found.body.models.map((m: any) => m.info.model_id)).toEqual([mid])
    expect((await call('DELETE', `/logged-models/${mid}`, { model_id: mid })).status).toBe(200)
    const missing = await call('GET', `/logged-models/${mid}`)
    expect(missing).toEqual({
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Logged model with ID '${mid}' not found.` },
    })
    expect((await call('GET', `/logged-models/${mid}?allow_deleted=true`)).body.model.info.model_id).toBe(mid)
  })
})
