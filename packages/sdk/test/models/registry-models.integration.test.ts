/**
 * Registered models end to end: `run.logModel(..., { registeredModelName })` and `loadModel` by
 * version, latest, alias and stage, plus models logged and registered from Python (ONNX, which keel
 * runs, and scikit-learn, which it refuses clearly).
 *
 * Runs against a fresh keel server in-process from its sources (the SDK through the app's request
 * function; a real socket on port 0 as well, for the Python client, another process), or against
 * the server at KEEL_MODELS_TEST_URI (e.g. a stock `mlflow server ... --artifacts-destination ...`).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from '../../../server/test/support/keel-app.js'
import { type Keel, createKeel } from '../../src/keel.js'
import { type PythonModels, pythonModels, venvPython } from './support/python-models.js'
import { rejection } from './support/keel-errors.js'

let server: InProcessKeel | undefined
let keel: Keel
let trackingUri: string
const suffix = Date.now().toString(36) // distinct names when the server is shared
const name = (base: string) => `${base}-${suffix}`

beforeAll(async () => {
  const external = process.env.KEEL_MODELS_TEST_URI
  if (external !== undefined) {
    trackingUri = external
    keel = createKeel({ trackingUri, lineage: false })
    return
  }
  server = await startKeelApp({ listen: true })
  trackingUri = server.url
  keel = createKeel({ trackingUri, fetch: server.fetch, lineage: false })
})
afterAll(async () => {
  await server?.close()
})

const iris = loadIris()
const rows = iris.data.map((r) => Object.fromEntries(iris.featureNames.map((n, j) => [n, r[j]])))
const train = (seed: number) =>
  new RandomForestClassifier({ nEstimators: 8, maxDepth: 3, seed }).fit(iris.data, iris.target)

describe('keel models in the registry', () => {
  it('logModel registers versions from models:/<model_id>; loadModel resolves version, latest, alias and stage', async () => {
    const model = name('iris-classifier')
    await keel.setExperiment(name('registry'))
    const v1Forest = train(1)
    const v2Forest = train(2)
    const v1 = await keel.withRun({}, (run) =>
      run.logModel(v1Forest, { featureNames: iris.featureNames, registeredModelName: model }),
    )
    const v2 = await keel.withRun({}, (run) =>
      run.logModel(v2Forest, { featureNames: iris.featureNames, registeredModelName: model }),
    )
    expect(v1.registeredModelVersion).toMatchObject({
      name: model,
      version: '1',
      source: `models:/${v1.modelId}`,
      runId: v1.runId,
    })
    expect(v2.registeredModelVersion).toMatchObject({ version: '2', source: `models:/${v2.modelId}` })

    await keel.registry.setRegisteredModelAlias(model, 'champion', 1)
    await keel.registry.transitionModelVersionStage(model, 1, 'Production')
    const expectations: [string, string, RandomForestClassifier][] = [
      [`models:/${model}/1`, v1.modelId, v1Forest],
      [`models:/${model}/latest`, v2.modelId, v2Forest],
      [`models:/${model}@champion`, v1.modelId, v1Forest],
      [`models:/${model}/Production`, v1.modelId, v1Forest],
    ]
    for (const [uri, modelId, forest] of expectations) {
      const loaded = await keel.loadModel(uri)
      expect(loaded.modelId, uri).toBe(modelId)
      expect(loaded.modelVersion?.name).toBe(model)
      expect(await loaded.predict(rows), uri).toEqual(forest.predict(iris.data))
    }
  })

  it('names the URI when the registry has no such model, version, alias or stage', async () => {
    const model = name('lonely')
    await keel.withRun({}, (run) =>
      run.logModel(train(3), { featureNames: iris.featureNames, registeredModelName: model }),
    )
    for (const uri of [`models:/${name('nope')}/1`, `models:/${model}/7`, `models:/${model}@ghost`]) {
      const error = await rejection(keel.loadModel(uri))
      // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE, keel with RESOURCE_DOES_NOT_EXIST
      expect(
        uri.endsWith('@ghost') ? ['RESOURCE_DOES_NOT_EXIST', 'INVALID_PARAMETER_VALUE'] : ['RESOURCE_DOES_NOT_EXIST'],
        uri,
      ).toContain(error.code)
      expect(error.message).toContain(`Cannot load model '${uri}'`)
    }
    expect((await rejection(keel.loadModel(`models:/${model}/Staging`))).message).toContain('has no versions in stage')
  })
})

describe('models logged from Python', () => {
  let python: PythonModels
  let logged: { onnx: string; sklearn: string }
  beforeAll(async () => {
    python = await pythonModels()
    const script = `
import json, sys, warnings
warnings.filterwarnings("ignore")
import mlflow, mlflow.onnx, mlflow.sklearn, onnx
from mlflow.models import Model
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment(sys.argv[3] + "-python")
fixtures = sys.argv[2]
with mlflow.start_run():
    mlflow.onnx.log_model(onnx.load(fixtures + "/onnx/model.onnx"), name="model",
        signature=Model.load(fixtures + "/onnx").signature, registered_model_name="iris-onnx-" + sys.argv[3],
        pip_requirements=["mlflow"])
    mlflow.sklearn.log_model(mlflow.sklearn.load_model(fixtures + "/sklearn"), name="sk",
        registered_model_name="iris-sklearn-" + sys.argv[3], pip_requirements=["mlflow"])
print(json.dumps({"onnx": "iris-onnx-" + sys.argv[3], "sklearn": "iris-sklearn-" + sys.argv[3]}))
`
    // Not execFileSync: the server answering the Python client runs on this process's event loop.
    const { stdout: out } = await promisify(execFile)(
      await venvPython(),
      ['-c', script, trackingUri, python.dir, suffix],
      {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      },
    )
    logged = JSON.parse(out.trim().split('\n').at(-1)!)
  }, 180_000)

  it("loads an ONNX model registered by mlflow.onnx.log_model and predicts sklearn's labels", async () => {
    const model = await keel.loadModel(`models:/${logged.onnx}/latest`)
    expect(model.flavor).toBe('onnx')
    const { columns, rows: data, labels } = python.expected
    const input = data.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]])))
    expect(await model.predict(input)).toEqual(labels)
    await model.close()
  })

  it("loads a scikit-learn model registered from Python through python_function, with scikit-learn's labels", async () => {
    const model = await keel.loadModel(`models:/${logged.sklearn}/1`, { python: { python: await venvPython() } })
    expect(model.flavor).toBe('python_function')
    expect(model.modelVersion).toMatchObject({ name: logged.sklearn, version: '1' })
    const { columns, rows: data, labels } = python.expected
    expect(await model.predict(data.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))))).toEqual(labels)
    await model.close()
  }, 60_000)
})
