/** The ONNX flavor against models trained and exported in Python (scikit-learn, skl2onnx, mlflow.onnx). */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoadedModel, loadModelDir } from '../../src/models/load-model.js'
import { type PythonModels, pythonModels } from './support/python-models.js'
import { rejection } from './support/keel-errors.js'

let python: PythonModels
const loaded: LoadedModel[] = []
beforeAll(async () => {
  python = await pythonModels()
}, 180_000)
afterAll(async () => {
  for (const model of loaded) await model.close()
})

async function load(name: Parameters<PythonModels['path']>[0]): Promise<LoadedModel> {
  const model = await loadModelDir(python.path(name))
  loaded.push(model)
  return model
}

const objects = (columns: readonly string[], rows: readonly (readonly number[])[]) =>
  rows.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]])))

describe('onnx flavor (skl2onnx, zipmap=False)', () => {
  it("predicts sklearn's labels exactly for all 150 iris rows, probabilities within float32 precision", async () => {
    const model = await load('onnx')
    const { columns, rows, labels, probabilities } = python.expected
    expect(model.flavor).toBe('onnx')
    expect(model.task).toBe('classification')
    expect(model.signature?.inputs.map((c) => c.name)).toEqual(columns)
    expect(await model.predict(objects(columns, rows))).toEqual(labels)
    expect(await model.predict(rows)).toEqual(labels) // arrays in column order
    const proba = await model.predictProba!(objects(columns, rows))
    expect(proba).toHaveLength(150)
    proba.forEach((p, i) => {
      p.forEach((x, j) => {
        expect(x).toBeCloseTo(probabilities[i]![j]!, 5)
      })
    })
  })

  it('predicts its saved input example', async () => {
    const model = await load('onnx')
    expect(model.inputExample).toHaveLength(2)
    expect(await model.predict(model.inputExample!)).toEqual(python.expected.labels.slice(0, 2))
  })

  it('predicts one row, and an empty batch', async () => {
    const model = await load('onnx')
    const { columns, rows, labels } = python.expected
    expect(await model.predict(objects(columns, [rows[100]!]))).toEqual([labels[100]])
    expect(await model.predict([])).toEqual([])
  })

  it('checks the signature: a missing, mistyped or extra column is named', async () => {
    const model = await load('onnx')
    const [row] = objects(python.expected.columns, [python.expected.rows[0]!])
    const { 'petal width (cm)': _, ...missing } = row!
    expect((await rejection(model.predict([missing]))).message).toContain(
      "Row 0: column 'petal width (cm)' is required",
    )
    expect((await rejection(model.predict([{ ...row, 'sepal length (cm)': 'wide' }]))).message).toContain(
      "column 'sepal length (cm)' must be a number",
    )
    const extra = await rejection(model.predict([row!, { ...row, species: 'setosa' }]))
    expect(extra.code).toBe('INVALID_PARAMETER_VALUE')
    expect(extra.message).toContain("Row 1: column 'species' is not in the model signature")
  })

  it('predicts 10,000 rows in one batch', async () => {
    const model = await load('onnx')
    const { columns, rows, labels } = python.expected
    const batch = objects(
      columns,
      Array.from({ length: 10_000 }, (_, i) => rows[i % 150]!),
    )
    const predictions = await model.predict(batch)
    expect(predictions).toHaveLength(10_000)
    expect(predictions[9_999]).toBe(labels[9_999 % 150])
  })
})

describe('onnx flavor, other exports', () => {
  it('fetches only the tensor outputs of a ZipMap classifier (its probabilities are a seq(map))', async () => {
    const model = await load('onnx-zipmap')
    const { columns, rows, labels } = python.expected
    expect(await model.predict(objects(columns, rows))).toEqual(labels)
    expect(model.predictProba).toBeUndefined()
  })

  it('feeds a model with one input per column, strings included', async () => {
    const model = await load('onnx-columns')
    const { columnRows, columnLabels } = python.expected
    expect(await model.predict(columnRows)).toEqual(columnLabels)
    expect((await rejection(model.predict([{ ...columnRows[0], size: 3 }]))).message).toContain(
      "column 'size' must be a string",
    )
  })

  it('runs a regressor without a signature, from the graph inputs', async () => {
    const model = await load('onnx-regressor')
    const { rows, regression } = python.expected
    expect(model.signature).toBeUndefined()
    expect(model.inputSchema).toEqual([{ type: 'tensor', name: 'X', dtype: 'float32', shape: [-1, 3] }])
    expect(model.task).toBe('regression')
    const predictions = (await model.predict(rows.map((r) => r.slice(0, 3)))) as number[]
    predictions.forEach((p, i) => {
      expect(p).toBeCloseTo(regression[i]!, 5)
    })
    expect((await rejection(model.predict([[1, 2]]))).message).toContain("Row 0: column 'X' must hold 3 values")
  })

  it('refuses a signature that does not fit the graph, at load time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-onnx-'))
    cpSync(python.path('onnx'), dir, { recursive: true })
    const mlmodel = readFileSync(join(dir, 'MLmodel'), 'utf8')
      .replace(/\{"type": "float", "name": "petal width\s+\(cm\)", "required": true\}/, '')
      .replace(', ]', ']')
    writeFileSync(join(dir, 'MLmodel'), mlmodel)
    const error = await rejection(loadModelDir(dir))
    expect(error.message).toContain("ONNX input 'X' takes 4 values per row")
  })

  it('a closed model refuses to predict', async () => {
    const model = await loadModelDir(python.path('onnx'))
    await model.close()
    expect((await rejection(model.predict(python.expected.rows))).code).toBe('INVALID_STATE')
  })
})
