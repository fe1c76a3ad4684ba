/** keel's native flavor: saveModel of @keel/ml estimators, loaded back with identical predictions. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LinearRegression, RandomForestClassifier, loadIris } from '@keel/ml'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadModelDir } from '../../src/models/load-model.js'
import { readMLmodel } from '../../src/models/mlmodel.js'
import { saveModel } from '../../src/models/save-model.js'
import { venvPython } from './support/python-models.js'
import { rejection } from './support/keel-errors.js'

const iris = loadIris()
const forest = new RandomForestClassifier({ nEstimators: 15, maxDepth: 5, seed: 7 }).fit(iris.data, iris.target)
const rows = iris.data.map((r) => Object.fromEntries(iris.featureNames.map((name, j) => [name, r[j]])))
const tmp = () => mkdtempSync(join(tmpdir(), 'keel-save-'))

describe('saveModel / loadModelDir with the keel flavor', () => {
  it('loads a random forest back with identical predictions and probabilities', async () => {
    const dir = join(tmp(), 'model')
    await saveModel(forest, dir, { featureNames: iris.featureNames, inputExample: rows.slice(0, 3) })
    const model = await loadModelDir(dir)
    expect(model.flavor).toBe('keel')
    expect(model.task).toBe('classification')
    expect(model.classes).toEqual([0, 1, 2])
    expect(await model.predict(rows)).toEqual(forest.predict(iris.data))
    expect(await model.predict(iris.data)).toEqual(forest.predict(iris.data)) // arrays in column order
    expect(await model.predictProba!(rows)).toEqual(forest.predictProba(iris.data))
    expect(model.inputExample).toEqual(rows.slice(0, 3))
    expect(await model.predict(model.inputExample!)).toEqual(forest.predict(iris.data.slice(0, 3)))
  })

  it("writes MLflow's layout: MLmodel, model.json, environment.json, the input example files", async () => {
    const dir = join(tmp(), 'model')
    const written = await saveModel(forest, dir, {
      featureNames: iris.featureNames,
      inputExample: rows.slice(0, 2),
      metadata: { team: 'ml' },
    })
    const mlmodel = await readMLmodel(dir)
    expect(mlmodel).toEqual(written)
    expect(mlmodel.flavors.keel).toMatchObject({
      data: 'model.json',
      env: 'environment.json',
      estimator_type: 'RandomForestClassifier',
      task: 'classification',
      classes: [0, 1, 2],
      feature_names: iris.featureNames,
    })
    expect(mlmodel.signature).toEqual({
      inputs: iris.featureNames.map((name) => ({ type: 'double', name, required: true })),
      outputs: [{ type: 'long', required: true }],
    })
    expect(mlmodel.modelUuid).toMatch(/^[0-9a-f]{32}$/)
    expect(mlmodel.metadata).toEqual({ team: 'ml' })
    expect(mlmodel.modelSizeBytes).toBeGreaterThan(1000)
    expect(mlmodel.savedInputExampleInfo).toEqual({
      artifact_path: 'input_example.json',
      pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
      type: 'dataframe',
    })
    expect(JSON.parse(readFileSync(join(dir, 'input_example.json'), 'utf8'))).toEqual({
      columns: iris.featureNames,
      data: iris.data.slice(0, 2),
    })
    expect(JSON.parse(readFileSync(join(dir, 'serving_input_example.json'), 'utf8'))).toEqual({
      dataframe_split: { columns: iris.featureNames, data: iris.data.slice(0, 2) },
    })
    const env = JSON.parse(readFileSync(join(dir, 'environment.json'), 'utf8'))
    expect(env.node).toBe(process.version)
    expect(Object.keys(env.packages)).toEqual(expect.arrayContaining(['@keel/sdk', '@keel/ml', 'ml-random-forest']))
  })

  it('without feature names: a float64 tensor signature, rows are arrays', async () => {
    const dir = join(tmp(), 'model')
    const reg = new LinearRegression().fit(
      iris.data.map((r) => r.slice(0, 3)),
      iris.data.map((r) => r[3]!),
    )
    await saveModel(reg, dir, { inputExample: [[5.1, 3.5, 1.4]] })
    const model = await loadModelDir(dir)
    expect(model.task).toBe('regression')
    expect(model.signature?.inputs).toEqual([{ type: 'tensor', dtype: 'float64', shape: [-1, 3] }])
    expect(model.signature?.outputs).toEqual([{ type: 'double', required: true }])
    expect(model.inputExample).toEqual([[5.1, 3.5, 1.4]])
    expect(await model.predict([[5.1, 3.5, 1.4]])).toEqual(reg.predict([[5.1, 3.5, 1.4]]))
    expect(model.predictProba).toBeUndefined()
    expect(JSON.parse(readFileSync(join(dir, 'serving_input_example.json'), 'utf8'))).toEqual({
      inputs: [[5.1, 3.5, 1.4]],
    })
  })

  it('infers the signature from an input example of objects', async () => {
    const dir = join(tmp(), 'model')
    await saveModel(forest, dir, { inputExample: rows.slice(0, 5) })
    const model = await loadModelDir(dir)
    expect(model.signature?.inputs.map((c) => c.name)).toEqual(iris.featureNames)
    expect(model.metadata.flavors.keel?.feature_names).toEqual(iris.featureNames)
    expect(await model.predict(rows)).toEqual(forest.predict(iris.data))
  })

  it('checks the signature on predict', async () => {
    const dir = join(tmp(), 'model')
    await saveModel(forest, dir, { featureNames: iris.featureNames })
    const model = await loadModelDir(dir)
    const { 'sepal width (cm)': _, ...missing } = rows[0]!
    expect((await rejection(model.predict([missing]))).message).toBe(
      "Row 0: column 'sepal width (cm)' is required by the model signature but missing",
    )
    expect((await rejection(model.predict([rows[0]!, { ...rows[1], 'petal length (cm)': '1.4' }]))).message).toContain(
      "Row 1: column 'petal length (cm)' must be a number",
    )
    expect((await rejection(model.predict([{ ...rows[0], extra: 1 }]))).message).toContain(
      "Row 0: column 'extra' is not in the model signature",
    )
  })

  it('refuses what it cannot save', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'x'), '')
    expect((await rejection(saveModel(forest, dir))).code).toBe('RESOURCE_ALREADY_EXISTS')
    expect((await rejection(saveModel(forest, join(tmp(), 'm'), { featureNames: ['a'] }))).message).toContain(
      'featureNames has 1 names',
    )
    expect((await rejection(saveModel(new RandomForestClassifier(), join(tmp(), 'm')))).message).toContain(
      'fit it first',
    )
    const badExample = await rejection(
      saveModel(forest, join(tmp(), 'm'), { featureNames: iris.featureNames, inputExample: [{ a: 1 }] }),
    )
    expect(badExample.message).toContain("column 'sepal length (cm)' is required")
    const badSignature = await rejection(
      saveModel(forest, join(tmp(), 'm'), { signature: { inputs: [{ type: 'double', name: 'x', required: true }] } }),
    )
    expect(badSignature.message).toContain('1 input values per row but the estimator was fitted on 4 features')
  })

  it('refuses a model directory whose model.json is missing or broken', async () => {
    const dir = join(tmp(), 'model')
    await saveModel(forest, dir, { featureNames: iris.featureNames })
    writeFileSync(join(dir, 'model.json'), '{"format": "nope"}')
    expect((await rejection(loadModelDir(dir))).message).toContain('cannot be loaded')
    const empty = tmp()
    mkdirSync(join(empty, 'm'))
    expect((await rejection(loadModelDir(join(empty, 'm')))).code).toBe('RESOURCE_DOES_NOT_EXIST')
  })
})

describe("MLflow reads keel's MLmodel", () => {
  let python: string
  beforeAll(async () => {
    python = await venvPython()
  }, 180_000)

  it('mlflow.models.Model.load parses the flavor, signature and input example', async () => {
    const dir = join(tmp(), 'model')
    await saveModel(forest, dir, { featureNames: iris.featureNames, inputExample: rows.slice(0, 2) })
    const script = [
      'import json, sys, warnings',
      'warnings.filterwarnings("ignore")',
      'from mlflow.models import Model',
      'm = Model.load(sys.argv[1])',
      'print(json.dumps({"flavors": sorted(m.flavors), "inputs": m.signature.inputs.input_names(),',
      '  "types": [str(t) for t in m.signature.inputs.input_types()], "uuid": m.model_uuid,',
      '  "example": m.load_input_example(sys.argv[1]).values.tolist(), "created": str(m.utc_time_created)}))',
    ].join('\n')
    const out = execFileSync(python, ['-c', script, dir], { encoding: 'utf8' })
    const read = JSON.parse(out.trim().split('\n').at(-1)!)
    const mlmodel = await readMLmodel(dir)
    expect(read).toEqual({
      flavors: ['keel'],
      inputs: iris.featureNames,
      types: ['double', 'double', 'double', 'double'].map((t) => `DataType.${t}`),
      uuid: mlmodel.modelUuid,
      example: iris.data.slice(0, 2),
      created: mlmodel.utcTimeCreated,
    })
  })
})
