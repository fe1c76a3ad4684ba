/**
 * Hostile input the review found answered with a 500 or stored mangled, in-process through the
 * app's request function: each is now a 400 (INVALID_PARAMETER_VALUE) naming the problem, and
 * nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'

let server: InProcessKeel
beforeAll(async () => {
  server = await startKeelApp()
})
afterAll(async () => {
  await server?.close()
})

const call = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: Record<string, unknown>) =>
  api(server, method, path, body)

/** POSTs `body` exactly as given (a string or raw bytes) to an MLflow route. */
async function postRaw(path: string, body: string | Uint8Array): Promise<{ status: number; json: any }> {
  const res = await server.fetch(`${server.url}/api/2.0/mlflow${path}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json' },
  })
  return { status: res.status, json: await res.json() }
}

function expectInvalid(reply: { status: number; json: any }, message: RegExp | string): void {
  expect(reply.status, JSON.stringify(reply.json)).toBe(400)
  expect(reply.json.error_code).toBe('INVALID_PARAMETER_VALUE')
  if (typeof message === 'string') expect(reply.json.message).toContain(message)
  else expect(reply.json.message).toMatch(message)
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2)}`
const dupTags = [
  { key: 'team', value: 'a' },
  { key: 'team', value: 'b' },
]

async function newExperiment(): Promise<string> {
  const res = await call('POST', '/experiments/create', { name: unique('exp') })
  expect(res.status).toBe(200)
  return res.json.experiment_id
}

async function runsOf(experimentId: string): Promise<unknown[]> {
  const res = await call('POST', '/runs/search', { experiment_ids: [experimentId] })
  expect(res.status).toBe(200)
  return res.json.runs ?? []
}

describe('duplicate keys in one request', () => {
  it('runs/create: 400 naming the key (was a 500 from the tags table), and no run', async () => {
    const experimentId = await newExperiment()
    const res = await call('POST', '/runs/create', { experiment_id: experimentId, tags: dupTags })
    expectInvalid(res, "Duplicate tag keys have been submitted: ['team']")
    expect(await runsOf(experimentId)).toEqual([])
  })

  it('experiments/create: 400 naming the key, not RESOURCE_ALREADY_EXISTS, and no experiment', async () => {
    const name = unique('dup-tags')
    expectInvalid(await call('POST', '/experiments/create', { name, tags: dupTags }), "['team']")
    expect((await call('GET', '/experiments/get-by-name', { experiment_name: name })).status).toBe(404)
  })

  it('registered models, model versions and logged models refuse them at creation', async () => {
    const name = unique('model')
    expectInvalid(await call('POST', '/registered-models/create', { name, tags: dupTags }), "['team']")
    expect((await call('GET', '/registered-models/get', { name })).status).toBe(404)
    expect((await call('POST', '/registered-models/create', { name })).status).toBe(200)
    const experimentId = await newExperiment()
    const run = await call('POST', '/runs/create', { experiment_id: experimentId })
    const runId = run.json.run.info.run_id
    const source = `${run.json.run.info.artifact_uri}/model`
    expectInvalid(
      await call('POST', '/model-versions/create', { name, source, run_id: runId, tags: dupTags }),
      "['team']",
    )
    expectInvalid(
      await call('POST', '/logged-models', { experiment_id: experimentId, tags: dupTags }),
      "Duplicate tag keys have been submitted: ['team']",
    )
    expectInvalid(
      await call('POST', '/logged-models', {
        experiment_id: experimentId,
        params: [
          { key: 'p', value: '1' },
          { key: 'p', value: '2' },
        ],
      }),
      "Duplicate parameter keys have been submitted: ['p']",
    )
  })

  it('log-batch keeps MLflow rules: duplicate params refused, duplicate tags set in order (last wins)', async () => {
    const experimentId = await newExperiment()
    const runId = (await call('POST', '/runs/create', { experiment_id: experimentId })).json.run.info.run_id
    expectInvalid(
      await call('POST', '/runs/log-batch', {
        run_id: runId,
        params: [
          { key: 'p', value: '1' },
          { key: 'p', value: '2' },
        ],
      }),
      "['p']",
    )
    expect((await call('POST', '/runs/log-batch', { run_id: runId, tags: dupTags })).status).toBe(200)
    const tags = (await call('GET', '/runs/get', { run_id: runId })).json.run.data.tags as {
      key: string
      value: string
    }[]
    expect(tags.filter((t) => t.key === 'team')).toEqual([{ key: 'team', value: 'b' }])
  })
})

describe('JSON nested too deep', () => {
  const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

  it('50,000 levels inside a value: 400 naming the field (was a 500), on every JSON route', async () => {
    const name = unique('deep')
    const res = await postRaw('/experiments/create', `{"name":"${name}","tags":[{"key":"k","value":${deep(50_000)}}]}`)
    expectInvalid(
      res,
      /^Invalid value for parameter 'tags\[0\]\.value\[0\]\[0\][[\]0]*…': JSON nested more than 64 levels deep is not accepted$/,
    )
    expect((await call('GET', '/experiments/get-by-name', { experiment_name: name })).status).toBe(404)
    const keel = await server.fetch(`${server.url}/api/2.0/keel/monitoring/drift`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"reference":{"columns":{"a":${deep(50_000)}}}}`,
    })
    expect(keel.status).toBe(400)
    expect(((await keel.json()) as { message: string }).message).toMatch(
      /'reference\.columns\.a\[0\][[\]0]*…': JSON nested more than 64 levels/,
    )
  })

  it("accepts the MLflow client's log-inputs payload, whose dataset schema is a JSON string", async () => {
    const runId = (await call('POST', '/runs/create', { experiment_id: await newExperiment() })).json.run.info.run_id
    const schema = JSON.stringify({ mlflow_colspec: [{ type: 'double', name: 'sepal length (cm)', required: true }] })
    const profile = JSON.stringify({ num_rows: 150, num_elements: 600 })
    const res = await call('POST', '/runs/log-inputs', {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'iris',
            digest: 'a1b2c3d4',
            source_type: 'local',
            source: '{"uri": "/data/iris.csv"}',
            schema,
            profile,
          },
        },
      ],
    })
    expect(res.status, JSON.stringify(res.json)).toBe(200)
  })
})

describe('integers beyond 2^53', () => {
  it('refuses them quoted or not, naming the field, and keeps 2^53 - 1 exact', async () => {
    const experimentId = await newExperiment()
    expectInvalid(
      await postRaw('/runs/create', `{"experiment_id":"${experimentId}","start_time":"7189775249786127392"}`),
      /'start_time'.*cannot be kept exact/,
    )
    expectInvalid(
      await postRaw('/runs/create', `{"experiment_id":"${experimentId}","start_time":7189775249786127392}`),
      /'start_time'.*<=9007199254740991/,
    )
    expect(await runsOf(experimentId)).toEqual([])
    const max = await postRaw('/runs/create', `{"experiment_id":"${experimentId}","start_time":"9007199254740991"}`)
    expect(max.json.run.info.start_time).toBe(9007199254740991)
    const runId = max.json.run.info.run_id
    const metric = (step: string, value = '1') =>
      `{"run_id":"${runId}","metrics":[{"key":"m","value":${value},"timestamp":1,"step":${step}}]}`
    expectInvalid(await postRaw('/runs/log-batch', metric('"9007199254740993"')), /'metrics\[0\]\.step'/)
    // A metric's value is a double, not an int64: large values are numbers like any other.
    expect((await postRaw('/runs/log-batch', metric('0', '7189775249786127392'))).status).toBe(200)
  })
})

describe('text that is not well-formed', () => {
  it('refuses a body that is not UTF-8 instead of storing U+FFFD', async () => {
    const name = unique('bytes')
    const body = Buffer.concat([Buffer.from(`{"name":"${name}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
    expectInvalid(await postRaw('/experiments/create', body), 'The request body is not valid UTF-8')
    const all = (await call('POST', '/experiments/search', { max_results: 1000 })).json.experiments as {
      name: string
    }[]
    expect(all.filter((e) => e.name.startsWith(name))).toEqual([])
  })

  it('refuses lone surrogates anywhere in the body, naming where, and keeps real pairs', async () => {
    expectInvalid(
      await postRaw('/experiments/create', '{"name":"x\\ud800"}'),
      /value of parameter 'name': it is not well-formed Unicode/,
    )
    const runId = (await call('POST', '/runs/create', { experiment_id: await newExperiment() })).json.run.info.run_id
    expectInvalid(
      await postRaw('/runs/set-tag', `{"run_id":"${runId}","key":"k","value":"a\\udc00b"}`),
      "parameter 'value'",
    )
    expectInvalid(
      await postRaw('/runs/log-batch', `{"run_id":"${runId}","params":[{"key":"p","value":"\\ud800"}]}`),
      "parameter 'params[0].value'",
    )
    expect((await postRaw('/runs/set-tag', `{"run_id":"${runId}","key":"k","value":"\\ud83d\\ude00"}`)).status).toBe(
      200,
    )
    const tags = (await call('GET', '/runs/get', { run_id: runId })).json.run.data.tags as {
      key: string
      value: string
    }[]
    expect(tags.find((t) => t.key === 'k')?.value).toBe('😀')
    expect(tags.some((t) => t.key === 'p')).toBe(false)
  })

  it('refuses NUL in names and keys', async () => {
    const nul = 'a\u0000b'
    const nulName = /a name or key cannot contain the NUL character/
    expectInvalid(await call('POST', '/experiments/create', { name: nul }), /parameter 'name'.*NUL/)
    const experimentId = await newExperiment()
    expectInvalid(
      await call('POST', '/experiments/update', { experiment_id: experimentId, new_name: nul }),
      /'new_name'.*NUL/,
    )
    expectInvalid(await call('POST', '/runs/create', { experiment_id: experimentId, run_name: nul }), /'run_name'.*NUL/)
    expectInvalid(
      await call('POST', '/runs/create', {
        experiment_id: experimentId,
        tags: [{ key: 'mlflow.runName', value: nul }],
      }),
      nulName,
    )
    const runId = (await call('POST', '/runs/create', { experiment_id: experimentId })).json.run.info.run_id
    expectInvalid(await call('POST', '/runs/update', { run_id: runId, run_name: nul }), /'run_name'.*NUL/)
    for (const batch of [
      { tags: [{ key: nul, value: 'v' }] },
      { params: [{ key: nul, value: 'v' }] },
      { metrics: [{ key: nul, value: 1, timestamp: 1 }] },
    ]) {
      expect((await call('POST', '/runs/log-batch', { run_id: runId, ...batch })).status).toBe(400)
    }
    expectInvalid(await call('POST', '/registered-models/create', { name: nul }), /'name'.*NUL/)
    const model = unique('model')
    await call('POST', '/registered-models/create', { name: model })
    expectInvalid(await call('POST', '/registered-models/rename', { name: model, new_name: nul }), /'new_name'.*NUL/)
    expect((await call('POST', '/registered-models/set-tag', { name: model, key: nul, value: 'v' })).status).toBe(400)
    expect((await call('POST', '/registered-models/alias', { name: model, alias: nul, version: '1' })).status).toBe(400)
    expectInvalid(await call('POST', '/logged-models', { experiment_id: experimentId, name: nul }), /'name'.*NUL/)
    const run = (await call('GET', '/runs/get', { run_id: runId })).json.run
    expect(run.data.tags.some((t: { key: string }) => t.key.includes('\u0000'))).toBe(false)
    expect(run.info.run_name).not.toContain('\u0000')
  })

  it('refuses query strings whose percent-encoded bytes are not UTF-8, and decodes those that are', async () => {
    const get = async (query: string) => {
      const res = await server.fetch(`${server.url}/api/2.0/mlflow/experiments/get-by-name?${query}`)
      return { status: res.status, json: (await res.json()) as any }
    }
    expectInvalid(await get('experiment_name=%FF%FE'), 'A percent-encoded part of the query string is not valid UTF-8')
    expectInvalid(await get('experiment_name=x%ED%A0%80'), 'not valid UTF-8') // a surrogate, encoded
    const name = unique('café été')
    expect((await call('POST', '/experiments/create', { name })).status).toBe(200)
    const found = await get(`experiment_name=${encodeURIComponent(name).replaceAll('%20', '+')}&unused=50%`)
    expect(found.status, JSON.stringify(found.json)).toBe(200)
    expect(found.json.experiment.name).toBe(name)
  })
})

describe('after all of it', () => {
  it('logged no unhandled error', () => {
    expect(server.output()).not.toContain('ERROR')
  })
})
