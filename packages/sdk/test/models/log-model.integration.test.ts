/**
 * Logging and loading models against keel server, in-process from its sources (through the app's
 * request function, the SDK's `fetch` option): `run.logModel` the MLflow 3 way, then
 * `loadModel('runs:/<run_id>/model')` and `models:/<model_id>`.
 */
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from '../../../server/test/support/keel-app.js'
import { type Keel, createKeel } from '../../src/keel.js'

let server: InProcessKeel
let keel: Keel
beforeAll(async () => {
  server = await startKeelApp()
  keel = createKeel({ trackingUri: server.url, fetch: server.fetch, lineage: false })
})
afterAll(async () => {
  await server?.close()
})

const iris = loadIris()
const forest = new RandomForestClassifier({ nEstimators: 10, maxDepth: 4, seed: 1 }).fit(iris.data, iris.target)
const rows = iris.data.map((r) => Object.fromEntries(iris.featureNames.map((name, j) => [name, r[j]])))

describe('run.logModel and loadModel against keel server', () => {
  it('logs a logged model READY with the run as source and output, and loads it back by run and by model id', async () => {
    await keel.setExperiment('models-iris')
    let runId = ''
    const info = await keel.withRun({ runName: 'rf' }, async (run) => {
      runId = run.runId
      run.logParams({ n_estimators: 10 })
      run.logMetric('accuracy', 0.97)
      return run.logModel(forest, { featureNames: iris.featureNames, inputExample: rows.slice(0, 2) })
    })
    expect(info).toMatchObject({ modelUri: `models:/${info.modelId}`, name: 'model', runId })
    expect(info.modelId).toMatch(/^m-/)

    const logged = await keel.client.getLoggedModel(info.modelId)
    expect(logged.info).toMatchObject({
      status: 'LOGGED_MODEL_READY',
      sourceRunId: runId,
      name: 'model',
      modelType: 'RandomForestClassifier',
    })
    expect(logged.data.params).toEqual(expect.arrayContaining([{ key: 'nEstimators', value: '10' }]))
    const run = await keel.client.getRun(runId)
    expect(run.outputs.modelOutputs).toEqual([{ modelId: info.modelId, step: 0 }])
    const files = (await keel.client.listLoggedModelArtifacts(info.modelId)).map((f) => f.path).sort()
    expect(files).toEqual([
      'MLmodel',
      'environment.json',
      'input_example.json',
      'model.json',
      'serving_input_example.json',
    ])

    for (const uri of [`runs:/${runId}/model`, info.modelUri]) {
      const model = await keel.loadModel(uri)
      expect(model).toMatchObject({ uri, flavor: 'keel', modelId: info.modelId, runId })
      expect(model.metadata).toMatchObject({
        modelId: info.modelId,
        modelUuid: info.modelId,
        runId,
        artifactPath: logged.info.artifactUri,
      })
      expect(await model.predict(rows)).toEqual(forest.predict(iris.data))
    }
  })

  it('caches downloads in cacheDir and reuses them', async () => {
    const info = await keel.withRun({}, (run) => run.logModel(forest, { featureNames: iris.featureNames }))
    const cacheDir = mkdtempSync(join(tmpdir(), 'keel-cache-'))
    const first = await keel.loadModel(info.modelUri, { cacheDir })
    expect(readdirSync(cacheDir)).toHaveLength(1)
    const second = await keel.loadModel(info.modelUri, { cacheDir })
    expect(readdirSync(cacheDir)).toHaveLength(1)
    expect(await second.predict(rows.slice(0, 5))).toEqual(await first.predict(rows.slice(0, 5)))
  })

  it('the highest step wins when a run logged several models of one name', async () => {
    const run = await keel.startRun()
    const small = new RandomForestClassifier({ nEstimators: 2, maxDepth: 1, seed: 3 }).fit(iris.data, iris.target)
    const late = await run.logModel(forest, { featureNames: iris.featureNames, step: 9 })
    await run.logModel(small, { featureNames: iris.featureNames, step: 2 })
    await run.end()
    const model = await keel.loadModel(`runs:/${run.runId}/model`)
    expect(model.modelId).toBe(late.modelId)
  })

  it('fails clearly for a run without that model, an unknown model id, and a logged run artifact that is not a model', async () => {
    const run = await keel.startRun()
    await run.logText('hello', 'notes/readme.txt')
    await run.end()
    const noModel = await keel.loadModel(`runs:/${run.runId}/model`).catch((e: unknown) => e)
    expect(noModel).toBeInstanceOf(KeelError)
    expect((noModel as KeelError).code).toBe('RESOURCE_DOES_NOT_EXIST')
    expect((noModel as KeelError).message).toContain(`Cannot load model 'runs:/${run.runId}/model'`)
    const unknown = await keel.loadModel('models:/m-00000000000000000000000000000000').catch((e: unknown) => e)
    expect((unknown as KeelError).code).toBe('RESOURCE_DOES_NOT_EXIST')
    expect((unknown as KeelError).message).toContain("Cannot load model 'models:/m-00000000000000000000000000000000'")
    const notModel = await keel.loadModel(`runs:/${run.runId}/notes`).catch((e: unknown) => e)
    expect((notModel as KeelError).code).toBe('RESOURCE_DOES_NOT_EXIST')
  })

  it('refuses to log from an ended run', async () => {
    const run = await keel.startRun()
    await run.end()
    await expect(run.logModel(forest)).rejects.toMatchObject({ code: 'INVALID_STATE' })
  })
})
