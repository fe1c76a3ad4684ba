/**
 * `keel models serve` speaking both wire protocols, against a real serving process loading a real
 * registered model (its tracking server in-process, on a socket for it to reach): MLflow scoring
 * (`/invocations` in its four JSON shapes and CSV) and the Open Inference Protocol v2 (health,
 * metadata, typed tensors, `id` echoed). The served predictions must be exactly what
 * `loadModel(...).predict` returns; every malformed request gets a 4xx that names its problem,
 * never a 5xx.
 */
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { type LoadedModel, createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type ModelServerProcess, send, startModelServe } from './support/model-server.js'

const iris = loadIris()
const columns = iris.featureNames
const rows = iris.data.map((r) => [...r])
let tracking: InProcessKeel
let serving: ModelServerProcess
let model: LoadedModel
let expected: (number | string)[]
let expectedProba: number[][]

const json = (value: unknown) => JSON.stringify(value)
const invocations = (body: string, contentType = 'application/json') =>
  send(`${serving.url}/invocations`, 'POST', body, { 'content-type': contentType })
const infer = (body: unknown, path = '/v2/models/iris-serve/infer') =>
  send(`${serving.url}${path}`, 'POST', typeof body === 'string' ? body : json(body))
const perColumn = (data: number[][]) => ({
  inputs: columns.map((name, j) => ({ name, shape: [data.length], datatype: 'FP64', data: data.map((r) => r[j]) })),
})

beforeAll(async () => {
  tracking = await startKeelApp({ listen: true })
  const keel = createKeel({ trackingUri: tracking.url })
  await keel.setExperiment('serving')
  const forest = new RandomForestClassifier({ nEstimators: 15, maxDepth: 4, seed: 11 }).fit(iris.data, iris.target)
  const runId = await keel.withRun({}, async (run) => {
    await run.logModel(forest, { featureNames: columns })
    return run.runId
  })
  await keel.registerModel(`runs:/${runId}/model`, 'iris-serve')
  await keel.registry.setRegisteredModelAlias('iris-serve', 'champion', '1')
  model = await keel.loadModel('models:/iris-serve@champion')
  expected = (await model.predict(rows)) as (number | string)[]
  expectedProba = await model.predictProba!(rows)
  serving = await startModelServe(
    ['-m', 'models:/iris-serve@champion', '-w', '1', '--max-body-bytes', '65536'],
    tracking.url,
  )
})
afterAll(async () => {
  await serving?.stop()
  await model?.close()
  await tracking?.close()
})

describe('MLflow scoring protocol', () => {
  it('answers /ping, /health and /version', async () => {
    expect((await send(`${serving.url}/ping`, 'GET')).status).toBe(200)
    expect((await send(`${serving.url}/health`, 'GET')).status).toBe(200)
    const version = await send(`${serving.url}/version`, 'GET')
    expect(version.status).toBe(200)
    expect(version.text).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('predicts exactly what loadModel(...).predict returns, in every input shape', async () => {
    const shapes = [
      json({ dataframe_split: { columns, data: rows } }),
      json({ dataframe_split: { index: rows.map((_, i) => i), columns, data: rows } }),
      json({ dataframe_records: rows.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))) }),
      json({ instances: rows }),
      json({ inputs: Object.fromEntries(columns.map((c, j) => [c, rows.map((r) => r[j])])) }),
    ]
    for (const body of shapes) {
      const reply = await invocations(body)
      expect(reply.status, reply.text).toBe(200)
      expect(reply.json()).toEqual({ predictions: expected })
      expect(reply.headers['x-keel-model-version']).toBe('1')
      expect(reply.headers['x-request-id']).toMatch(/\S/)
    }
    const csv = [columns.join(','), ...rows.map((r) => r.join(','))].join('\n')
    const reply = await invocations(csv, 'text/csv; charset=utf-8')
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json()).toEqual({ predictions: expected })
  })

  it('returns class probabilities with params.predict_method = predict_proba', async () => {
    const reply = await invocations(
      json({ dataframe_split: { columns, data: rows.slice(0, 5) }, params: { predict_method: 'predict_proba' } }),
    )
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json().predictions).toEqual(expectedProba.slice(0, 5))
  })

  it('keeps a caller-given X-Request-Id', async () => {
    const reply = await send(`${serving.url}/invocations`, 'POST', json({ instances: [rows[0]] }), {
      'x-request-id': 'req-42',
    })
    expect(reply.headers['x-request-id']).toBe('req-42')
  })

  it('answers bad input with a 4xx naming the problem', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['{"dataframe_split": ', 'application/json', 400, /not valid JSON/],
      ['[1, 2]', 'application/json', 400, /JSON object/],
      ['{}', 'application/json', 400, /exactly one of the keys/],
      [
        json({ instances: rows, inputs: rows }),
        'application/json',
        400,
        /exactly one of the keys.*'instances', 'inputs'/,
      ],
      [
        json({ dataframe_split: { columns: columns.slice(0, 3), data: rows.map((r) => r.slice(0, 3)) } }),
        'application/json',
        400,
        /petal width \(cm\)' is required/,
      ],
      [
        json({ dataframe_records: [{ ...Object.fromEntries(columns.map((c) => [c, 1])), [columns[0]!]: 'big' }] }),
        'application/json',
        400,
        /sepal length \(cm\)' must be a number/,
      ],
      [
        json({ dataframe_split: { columns, data: [[1, 2, 3]] } }),
        'application/json',
        400,
        /row 0 must be an array of 4 values/,
      ],
      [json({ dataframe_records: [] }), 'application/json', 400, /no rows/],
      [
        json({ instances: [rows[0]], params: { predict_method: 'explain' } }),
        'application/json',
        400,
        /predict_method/,
      ],
      // text/plain is what a web page can send without a CORS preflight: the browser guard refuses it.
      [json({ instances: [rows[0]] }), 'text/plain', 403, /must send application\/json or text\/csv/],
      [json({ instances: [rows[0]] }), 'application/json; format=pandas-split', 415, /only charset=utf-8/],
      [json({ instances: [rows[0]] }), 'application/json; charset=latin-1', 415, /only charset=utf-8/],
      ['a,b\n"unclosed', 'text/csv', 400, /not CSV/],
    ]
    for (const [body, type, status, message] of cases) {
      const reply = await invocations(body, type)
      expect(reply.status, `${type} ${body.slice(0, 60)}: ${reply.text}`).toBe(status)
      expect(reply.json().error_code).toMatch(/^[A-Z_]+$/)
      expect(reply.json().message).toMatch(message)
    }
  })

  it('refuses an oversized body from its Content-Length, before reading it', async () => {
    const huge = json({ instances: Array.from({ length: 4000 }, () => rows[0]) })
    expect(huge.length).toBeGreaterThan(65536)
    const reply = await invocations(huge)
    expect(reply.status).toBe(413)
    expect(reply.json().message).toMatch(/larger than the limit of 65536 bytes/)
    // the server is still fine afterwards
    expect((await invocations(json({ instances: [rows[0]] }))).status).toBe(200)
  })

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await send(`${serving.url}/nope`, 'GET')).status).toBe(404)
    expect((await send(`${serving.url}/invocations`, 'GET')).status).toBe(405)
    expect((await send(`${serving.url}/ping`, 'DELETE')).status).toBe(405)
  })
})

describe('Open Inference Protocol v2', () => {
  it('answers health, server metadata and model readiness', async () => {
    expect((await send(`${serving.url}/v2/health/live`, 'GET')).json()).toEqual({ live: true })
    expect((await send(`${serving.url}/v2/health/ready`, 'GET')).json()).toEqual({ ready: true })
    const server = (await send(`${serving.url}/v2`, 'GET')).json()
    expect(server).toMatchObject({ name: 'keel', extensions: [] })
    expect(server.version).toMatch(/^\d+\./)
    expect((await send(`${serving.url}/v2/models/iris-serve/ready`, 'GET')).json()).toEqual({
      name: 'iris-serve',
      ready: true,
    })
    expect((await send(`${serving.url}/v2/models/iris-serve/versions/1/ready`, 'GET')).status).toBe(200)
  })

  it('builds model metadata from the signature', async () => {
    const meta = (await send(`${serving.url}/v2/models/iris-serve`, 'GET')).json()
    expect(meta).toEqual({
      name: 'iris-serve',
      versions: ['1'],
      platform: 'keel_native',
      inputs: columns.map((name) => ({ name, datatype: 'FP64', shape: [-1] })),
      outputs: [
        { name: 'predict', datatype: 'INT64', shape: [-1] },
        { name: 'predict_proba', datatype: 'FP64', shape: [-1, 3] },
      ],
    })
  })

  it('infers from one tensor per column and from one [rows, 4] tensor, echoing the id', async () => {
    const a = await infer({ id: 'batch-1', ...perColumn(rows) })
    expect(a.status, a.text).toBe(200)
    expect(a.json()).toEqual({
      model_name: 'iris-serve',
      model_version: '1',
      id: 'batch-1',
      outputs: [{ name: 'predict', shape: [150], datatype: 'INT64', data: expected }],
    })
    expect(a.headers['x-request-id']).toBe('batch-1')
    const b = await infer(
      { inputs: [{ name: 'input-0', shape: [150, 4], datatype: 'FP32', data: rows }] },
      '/v2/models/iris-serve/versions/1/infer',
    )
    expect(b.status, b.text).toBe(200)
    expect(b.json().outputs[0].data).toEqual(expected)
    expect(b.json().id).toMatch(/\S/)
  })

  it('returns the outputs asked for', async () => {
    const reply = await infer({ ...perColumn(rows.slice(0, 3)), outputs: [{ name: 'predict_proba' }] })
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json().outputs).toEqual([
      { name: 'predict_proba', shape: [3, 3], datatype: 'FP64', data: expectedProba.slice(0, 3).flat() },
    ])
  })

  it('answers bad tensors with a 4xx naming the problem', async () => {
    const one = perColumn([rows[0]!]).inputs
    const cases: [unknown, number, RegExp, string?][] = [
      ['{"inputs": [', 400, /not valid JSON/],
      [{}, 400, /'inputs' must be a non-empty array/],
      [
        { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP99', data: [1, 2, 3, 4] }] },
        400,
        /datatype must be one of/,
      ],
      [
        { inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP64', data: [1, 2, 3, 4] }] },
        400,
        /holds 8 values, but data has 4/,
      ],
      [
        { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP64', data: [1, 2, 3] }] },
        400,
        /must have shape \[rows, 4\]/,
      ],
      [{ inputs: [{ name: 'x', shape: [1, 4], datatype: 'INT32', data: [1.5, 2, 3, 4] }] }, 400, /must be integers/],
      [
        { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BYTES', data: ['a', 'b', 'c', 'd'] }] },
        400,
        /is BYTES, but the signature's column 'sepal length \(cm\)' is double/,
      ],
      [
        { inputs: [{ name: 'x', shape: [-1, 4], datatype: 'FP64', data: [1, 2, 3, 4] }] },
        400,
        /shape must be an array of non-negative integers/,
      ],
      [{ inputs: one.slice(0, 3) }, 400, /petal width \(cm\)' is required/],
      [{ inputs: [...one, { name: 'extra', shape: [1], datatype: 'FP64', data: [1] }] }, 400, /Unknown input 'extra'/],
      [{ inputs: [one[0], { ...one[1]!, shape: [2], data: [1, 2] }, one[2], one[3]] }, 400, /differ in batch size/],
      [{ inputs: one, outputs: [{ name: 'explanation' }] }, 400, /Unknown output 'explanation'/],
      [{ inputs: one, id: 7 }, 400, /'id' must be a string/],
      [{ inputs: one }, 404, /Model 'other' is not served here/, '/v2/models/other/infer'],
      [{ inputs: one }, 404, /version '9' is not served here/, '/v2/models/iris-serve/versions/9/infer'],
    ]
    for (const [body, status, message, path] of cases) {
      const reply = await infer(body, path)
      expect(reply.status, `${JSON.stringify(body).slice(0, 80)}: ${reply.text}`).toBe(status)
      expect(reply.json().error).toMatch(message)
    }
    expect((await send(`${serving.url}/v2/models/other`, 'GET')).status).toBe(404)
  })
})

describe('metrics and the prediction log', () => {
  it('counts requests by status and records latency in Prometheus text', async () => {
    const text = (await send(`${serving.url}/metrics`, 'GET')).text
    expect(text).toMatch(
      /keel_serving_requests_total\{model="iris-serve",version="1",variant="default",protocol="mlflow",code="200",deployment="iris-serve"\} \d+/,
    )
    expect(text).toMatch(/keel_serving_requests_total\{[^}]*protocol="v2",code="400"[^}]*\} \d+/)
    expect(text).toMatch(
      /keel_serving_request_duration_seconds_bucket\{le="0.005",[^}]*model="iris-serve"[^}]*\} [1-9]/,
    )
    expect(text).toMatch(/process_cpu_seconds_total\{deployment="iris-serve"\}/)
    expect(text).toMatch(/process_resident_memory_bytes\{deployment="iris-serve"\} \d+/)
  })

  it('logs each request with its inputs, outputs, version, variant and request id', async () => {
    const reply = await send(
      `${serving.url}/invocations`,
      'POST',
      json({ dataframe_split: { columns, data: rows.slice(0, 2) } }),
      { 'x-request-id': 'logged-1' },
    )
    expect(reply.status).toBe(200)
    let records: any[] = []
    for (let i = 0; i < 100 && records.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      const found = await fetch(`${tracking.url}/api/2.0/keel/predictions/get?request_id=logged-1`)
      if (found.status === 200) records = ((await found.json()) as { records: any[] }).records
    }
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      request_id: 'logged-1',
      deployment: 'iris-serve',
      model_name: 'iris-serve',
      model_version: '1',
      variant: 'default',
      shadow: false,
      protocol: 'mlflow',
      status_code: 200,
      outputs: expected.slice(0, 2),
      inputs: rows.slice(0, 2).map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))),
      probabilities: expectedProba.slice(0, 2),
    })
    expect(records[0].latency_ms).toBeGreaterThan(0)
  })
})
