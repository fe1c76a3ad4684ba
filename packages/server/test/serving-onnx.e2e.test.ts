/**
 * `keel models serve` with the ONNX flavor: a scikit-learn forest exported by skl2onnx and saved
 * by mlflow.onnx in Python (the test venv), served from its folder. Both protocols must answer
 * scikit-learn's labels for all 150 iris rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PythonModels, pythonModels } from '../../sdk/test/models/support/python-models.js'
import { type ModelServerProcess, send, startModelServe } from './support/model-server.js'

let python: PythonModels
let serving: ModelServerProcess

beforeAll(async () => {
  python = await pythonModels()
  // A local folder needs no tracking server; the prediction log is off so nothing is sent to one.
  serving = await startModelServe(
    ['-m', python.path('onnx'), '--name', 'iris-onnx', '-w', '1', '--no-prediction-log'],
    'http://127.0.0.1:9',
  )
}, 180_000)
afterAll(async () => {
  await serving?.stop()
})

describe('serving an ONNX model', () => {
  it("answers scikit-learn's labels over MLflow scoring and the Open Inference Protocol", async () => {
    const { columns, rows, labels } = python.expected
    const scoring = await send(
      `${serving.url}/invocations`,
      'POST',
      JSON.stringify({ dataframe_split: { columns, data: rows } }),
    )
    expect(scoring.status, scoring.text).toBe(200)
    expect(scoring.json().predictions).toEqual(labels)
    const inputs = columns.map((name, j) => ({
      name,
      shape: [rows.length],
      datatype: 'FP32',
      data: rows.map((r) => r[j]),
    }))
    const v2 = await send(`${serving.url}/v2/models/iris-onnx/infer`, 'POST', JSON.stringify({ inputs }))
    expect(v2.status, v2.text).toBe(200)
    expect(v2.json()).toMatchObject({
      model_name: 'iris-onnx',
      outputs: [{ name: 'predict', shape: [150], data: labels }],
    })
  })

  it('describes itself as an ONNX model', async () => {
    const meta = (await send(`${serving.url}/v2/models/iris-onnx`, 'GET')).json()
    expect(meta.platform).toBe('onnx_onnxv1')
    expect(meta.inputs.map((i: { name: string }) => i.name)).toEqual(python.expected.columns)
  })
})
