/**
 * `convertModelToOnnx` with real models made by the venv's Python (scikit-learn, XGBoost, LightGBM):
 * each is converted in the venv (`--env-manager local`), loaded back with keel's ONNX flavor and
 * checked against the original run by MLflow's pyfunc in a Python worker. The registration half
 * runs against a keel server in-process (the SDK through the app's request function): a forced
 * mismatch registers nothing, a good conversion becomes a version with its lineage.
 *
 * Each conversion starts two Pythons that import mlflow (the converter, and the original's worker),
 * in parallel: a few seconds each.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from '../../../server/test/support/keel-app.js'
import { type Keel, createKeel } from '../../src/keel.js'
import { ConversionMismatchError } from '../../src/models/convert/convert-check.js'
import { convertModelToOnnx } from '../../src/models/convert/onnx-convert.js'
import { logModelDirectory } from '../../src/models/convert/log-directory.js'
import { loadModelDir } from '../../src/models/load-model.js'
import { RegistryClient } from '../../src/registry-client.js'
import { TrackingClient } from '../../src/tracking-client.js'
import { type ConvertModels, convertModels } from './support/convert-models.js'
import { rejection } from './support/keel-errors.js'
import { type PythonModels, pythonModels, venvPython } from './support/python-models.js'

let python: string
let sklearn: PythonModels
let models: ConvertModels
const scratch = mkdtempSync(join(tmpdir(), 'keel-onnx-convert-test-'))
// Local folders need no server: nothing is resolved or registered through these clients.
const offline = new TrackingClient({ trackingUri: 'http://127.0.0.1:9' })
const local = { client: offline, registry: new RegistryClient(offline.http), register: false }

beforeAll(async () => {
  python = await venvPython()
  ;[sklearn, models] = await Promise.all([pythonModels(), convertModels()])
}, 180_000)
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

const irisRecords = () => {
  const { columns, rows } = sklearn.expected
  return rows.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]])))
}

describe('converting without registering (model folders)', () => {
  it('a scikit-learn RandomForestClassifier: the ONNX model agrees on all 150 iris rows', async () => {
    const out = join(scratch, 'forest')
    const result = await convertModelToOnnx(sklearn.path('sklearn'), {
      ...local,
      python: { python },
      rows: irisRecords(),
      outputDir: out,
    })
    expect(result).toMatchObject({
      source: { flavor: 'sklearn', estimator: 'RandomForestClassifier' },
      task: 'classification',
      converter: { name: 'skl2onnx' },
      inputsFrom: 'signature',
      inputs: [{ name: 'input', type: 'float', shape: [null, 4] }],
      outputs: [
        { name: 'label', type: 'int64' },
        { name: 'probabilities', type: 'float', shape: [null, 3] },
      ],
      signature: 'source',
      inputExample: 'source',
    })
    expect(result.check).toMatchObject({
      rows: 152,
      sources: [
        { source: 'the input example', rows: 2 },
        { source: 'the rows given', rows: 150 },
      ],
      compared: ['labels', 'probabilities'],
      mismatchedRows: 0,
      differences: [],
    })
    expect(result.check.maxAbsDiff).toBeLessThan(1e-5)
    expect(result.registered).toBeUndefined()

    // What keel will serve: the saved folder, with keel's ONNX flavor, in Node.
    const onnx = await loadModelDir(out)
    try {
      expect(onnx.flavor).toBe('onnx')
      expect(await onnx.predict(irisRecords())).toEqual(sklearn.expected.labels)
    } finally {
      await onnx.close()
    }
  }, 120_000)

  it('an XGBoost classifier trained with feature names, checked on its input example', async () => {
    const result = await convertModelToOnnx(models.path('xgboost'), { ...local, python: { python } })
    expect(result).toMatchObject({
      source: { flavor: 'xgboost', estimator: 'XGBClassifier' },
      task: 'classification',
      converter: { name: 'onnxmltools' },
      inputs: [{ name: 'input', type: 'float', shape: [null, 4] }],
    })
    expect(result.check).toMatchObject({ rows: 3, compared: ['labels', 'probabilities'], mismatchedRows: 0 })
  }, 120_000)

  it('a LightGBM model with no signature or example: input types from the rows given', async () => {
    const result = await convertModelToOnnx(models.path('lightgbm'), {
      ...local,
      python: { python },
      rows: models.data.irisArrays,
    })
    expect(result).toMatchObject({
      source: { flavor: 'lightgbm', estimator: 'LGBMClassifier' },
      inputsFrom: 'rows',
      inputs: [{ name: 'input', type: 'float', shape: [null, 4] }],
      signature: 'inferred',
      inputExample: 'rows',
    })
    expect(result.check).toMatchObject({ rows: 150, compared: ['labels', 'probabilities'], mismatchedRows: 0 })
  }, 120_000)
})

describe('what cannot be converted, said clearly', () => {
  const modelDir = (name: string, mlmodel: string): string => {
    const dir = join(scratch, name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'MLmodel'), mlmodel)
    return dir
  }

  it('a flavor keel does not convert (before any Python starts)', async () => {
    const custom = modelDir('custom', 'flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n')
    const error = await rejection(convertModelToOnnx(custom, { ...local, python: { python } }))
    expect(error.code).toBe('NOT_IMPLEMENTED')
    expect(error.message).toContain(
      "cannot convert flavor 'python_function' (a custom pyfunc model); keel converts sklearn, xgboost, lightgbm models",
    )
    const torch = modelDir(
      'torch',
      'flavors:\n  pytorch:\n    model_data: data\n  python_function:\n    loader_module: x\n',
    )
    expect((await rejection(convertModelToOnnx(torch, { ...local, python: { python } }))).message).toContain(
      "cannot convert flavor 'pytorch'; keel converts sklearn, xgboost, lightgbm",
    )
    const onnx = await rejection(convertModelToOnnx(sklearn.path('onnx'), { ...local, python: { python } }))
    expect(onnx.message).toContain("cannot convert flavor 'onnx'")
    expect(onnx.message).toContain('this one is ONNX already')
  })

  it('a model with nothing to check the conversion on: no input example and no rows', async () => {
    const error = await rejection(convertModelToOnnx(models.path('lightgbm'), { ...local, python: { python } }))
    expect(error.code).toBe('INVALID_PARAMETER_VALUE')
    expect(error.message).toMatch(
      /has no input example \(log it with one, or give rows: keel models convert --rows FILE\)/,
    )
  })

  it('a local Python without the converter: the missing package and the pip command that installs it', async () => {
    // The venv's python, with an skl2onnx that cannot be imported ahead of the real one on its path.
    const shadow = join(scratch, 'shadow')
    mkdirSync(join(shadow, 'skl2onnx'), { recursive: true })
    writeFileSync(
      join(shadow, 'skl2onnx', '__init__.py'),
      'raise ModuleNotFoundError("No module named \'skl2onnx\'", name="skl2onnx")\n',
    )
    const wrapper = join(scratch, 'python-without-skl2onnx')
    writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH='${shadow}' exec '${python}' "$@"\n`)
    chmodSync(wrapper, 0o755)
    const error = await rejection(
      convertModelToOnnx(sklearn.path('sklearn'), { ...local, python: { python: wrapper }, rows: irisRecords() }),
    )
    expect(error.code).toBe('INVALID_STATE')
    expect(error.message).toContain(
      `--env-manager local: the Python '${wrapper}' cannot convert sklearn models to ONNX`,
    )
    expect(error.message).toContain("(the package 'skl2onnx' is missing)")
    expect(error.message).toContain(`\`${wrapper} -m pip install skl2onnx onnx onnxruntime\``)
    expect(error.message).toContain('--env-manager virtualenv (or uv)')
  }, 120_000)
})

describe('registering the ONNX twin', () => {
  let server: InProcessKeel
  let keel: Keel
  let runId: string
  let sourceModelId: string

  beforeAll(async () => {
    server = await startKeelApp()
    keel = createKeel({ trackingUri: server.url, fetch: server.fetch, lineage: false })
    const experiment = await keel.setExperiment('onnx-convert')
    await keel.withRun({}, async (run) => {
      runId = run.runId
      const logged = await logModelDirectory(keel.client, models.path('regressor'), {
        experimentId: experiment.experimentId,
        runId,
        name: 'model',
      })
      sourceModelId = logged.modelId
    })
    await keel.registerModel(`models:/${sourceModelId}`, 'petal-width')
  })
  afterAll(async () => {
    await server?.close()
  })

  const versions = async (name: string) =>
    (await keel.registry.searchModelVersions({ filter: `name = '${name}'` })).items.map((v) => v.version).sort()
  const convert = (options: { tolerance?: number; name?: string }) =>
    convertModelToOnnx('models:/petal-width/1', {
      client: keel.client,
      registry: keel.registry,
      python: { python },
      rows: models.data.regressorRows,
      ...options,
    })

  it('a mismatch (tolerance 0 on a float32 regressor) registers nothing and lists the rows that differ', async () => {
    const error = await rejection(convert({ tolerance: 0 }))
    expect(error).toBeInstanceOf(ConversionMismatchError)
    const { check } = error as ConversionMismatchError
    expect(check).toMatchObject({ rows: 153, compared: ['values'], tolerance: 0 })
    expect(check.mismatchedRows).toBeGreaterThan(0)
    expect(check.maxAbsDiff).toBeGreaterThan(0)
    expect(check.differences[0]).toMatchObject({ source: 'the input example', what: 'value' })
    expect(error.message).toContain("The ONNX conversion of 'models:/petal-width/1' does not match the original on")
    expect(error.message).toContain('not registered')
    expect(error.message).toMatch(/row 0 of the input example: value [\d.]+ \(original\) vs [\d.]+ \(ONNX\)/)
    expect(await versions('petal-width')).toEqual(['1'])
    const logged = await keel.client.searchLoggedModels({
      experimentIds: [(await keel.client.getRun(runId)).info.experimentId],
    })
    expect(logged.items.map((m) => m.info.modelId)).toEqual([sourceModelId])
  }, 120_000)

  it('a good conversion: a new version from a logged model of the same run, with its lineage', async () => {
    const result = await convert({ name: 'petal-width-onnx' })
    expect(result.check).toMatchObject({ rows: 153, mismatchedRows: 0 })
    const registered = result.registered!
    expect(registered).toMatchObject({
      name: 'petal-width-onnx',
      version: '1',
      uri: 'models:/petal-width-onnx/1',
      runId,
    })
    const version = await keel.registry.getModelVersion('petal-width-onnx', 1)
    expect(version).toMatchObject({ runId, modelId: registered.modelId, source: `models:/${registered.modelId}` })
    expect(Object.fromEntries(version.tags.map((t) => [t.key, t.value]))).toMatchObject({
      'keel.converted_from': 'models:/petal-width/1',
      'keel.conversion': 'onnx',
      'keel.conversion.source_flavor': 'sklearn',
      'keel.conversion.rows_checked': '153',
      'keel.conversion.max_abs_diff': String(result.check.maxAbsDiff),
      'keel.conversion.tolerance': '0.00001',
    })
    expect(version.description).toMatch(
      /^ONNX conversion of models:\/petal-width\/1 \(sklearn Pipeline\(ColumnTransformer, Ridge\), skl2onnx [\d.]+\): checked on 153 rows/,
    )
    const logged = await keel.client.getLoggedModel(registered.modelId)
    expect(logged.info).toMatchObject({ sourceRunId: runId, name: 'model-onnx', status: 'LOGGED_MODEL_READY' })
    expect(await versions('petal-width')).toEqual(['1'])

    const twin = await keel.loadModel('models:/petal-width-onnx/1')
    try {
      expect(twin).toMatchObject({ flavor: 'onnx', runId, modelId: registered.modelId })
      expect(twin.metadata).toMatchObject({ runId, modelId: registered.modelId })
      const values = (await twin.predict(models.data.regressorRows)) as number[]
      values.forEach((v, i) => {
        expect(Math.abs(v - models.data.regressorValues[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v)))
      })
    } finally {
      await twin.close()
    }
  }, 120_000)
})
