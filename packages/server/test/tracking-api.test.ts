/** The tracking REST API, in-process through the app's request function: MLflow's semantics and error contract. */
import { MLFLOW_API_VERSION } from '@keel/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'
import { VERSION } from '../src/version.js'

let server: InProcessKeel
beforeAll(async () => {
  server = await startKeelApp()
})
afterAll(async () => {
  await server?.close()
})

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: Record<string, unknown>) =>
  api(server, method, path, body)

async function newExperiment(name = `exp-${Math.random().toString(36).slice(2)}`): Promise<string> {
  const res = await call('POST', '/experiments/create', { name })
  expect(res.status).toBe(200)
  return res.json.experiment_id
}

async function newRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call('POST', '/runs/create', { experiment_id: experimentId, start_time: Date.now(), ...extra })
  expect(res.status).toBe(200)
  return res.json.run.info.run_id
}

describe('server basics', () => {
  it('answers /health, /version and /openapi.json', async () => {
    expect(await (await server.fetch(`${server.url}/health`)).text()).toBe('OK')
    // MLflow's version, as an MLflow server answers; keel's own in a header.
    const version = await server.fetch(`${server.url}/version`)
    expect(await version.text()).toBe(MLFLOW_API_VERSION)
    expect(version.headers.get('x-keel-version')).toBe(VERSION)
    const doc = (await (await server.fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string
      paths: Record<string, unknown>
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toContain('/api/2.0/mlflow/runs/log-batch')
    expect(Object.keys(doc.paths)).toContain('/api/2.0/mlflow-artifacts/artifacts/{path}')
  })

  it('answers with an X-Request-Id, keeping a plain one the caller sent', async () => {
    const own = await server.fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'trace-42' } })
    expect(own.headers.get('x-request-id')).toBe('trace-42')
    const forged = await server.fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'a b "status=200"' } })
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const error = await server.fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=nope`)
    expect(error.status).toBe(404)
    expect(error.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('has the Default experiment "0"', async () => {
    const res = await call('GET', '/experiments/get', { experiment_id: '0' })
    expect(res.json.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' })
    expect(res.json.experiment.artifact_location).toBe('mlflow-artifacts:/0')
  })

  it('serves the same API under /ajax-api', async () => {
    const res = await server.fetch(`${server.url}/ajax-api/2.0/mlflow/experiments/get?experiment_id=0`)
    expect(res.status).toBe(200)
  })

  it('answers an unknown endpoint with 404 ENDPOINT_NOT_FOUND', async () => {
    const res = await call('POST', '/no/such/thing', {})
    expect(res.status).toBe(404)
    expect(res.json.error_code).toBe('ENDPOINT_NOT_FOUND')
  })

  it('answers a method a path does not take with 405 and the Allow header, path parameters and probes included', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/api/2.0/mlflow/experiments/create', 'POST'],
      ['DELETE', '/ajax-api/2.0/mlflow/runs/get', 'GET, HEAD'],
      ['PUT', '/api/2.0/mlflow/logged-models/m-0123/tags', 'PATCH'],
      ['POST', '/health', 'GET, HEAD'],
      ['DELETE', '/openapi.json', 'GET, HEAD'],
    ]
    for (const [method, path, allow] of cases) {
      const res = await server.fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(res.status, `${method} ${path}`).toBe(405)
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow)
      if (path.startsWith('/api') || path.startsWith('/ajax-api')) {
        expect(((await res.json()) as { message: string }).message).toBe(
          `${method} is not allowed on ${path}; use ${allow.replace(', ', ' or ')}`,
        )
      }
    }
  })

  it('refuses malformed JSON, a wrong content type and wrong field types with 400', async () => {
    const bad = await server.fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name": ',
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE')
    const xml = await server.fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/xml' },
      body: '<name/>',
    })
    // The browser guard's answer (issue 11): a write in a type a page could send is refused before parsing.
    expect(xml.status).toBe(403)
    expect(((await xml.json()) as { message: string }).message).toContain(
      'Refused POST with Content-Type "application/xml"',
    )
    const typed = await call('POST', '/experiments/create', { name: 31 })
    expect(typed.status).toBe(400)
    expect(typed.json.message).toContain("Invalid value 31 for parameter 'name' supplied")
    const missing = await call('GET', '/runs/get', {})
    expect(missing.status).toBe(400)
    expect(missing.json.message).toContain("Missing value for required parameter 'run_id'")
  })
})

describe('experiments', () => {
  it('creates, finds by name, refuses a duplicate name with 400 RESOURCE_ALREADY_EXISTS', async () => {
    const name = `dup-${Date.now()}`
    const id = await newExperiment(name)
    const byName = await call('GET', '/experiments/get-by-name', { experiment_name: name })
    expect(byName.json.experiment.experiment_id).toBe(id)
    const dup = await call('POST', '/experiments/create', { name })
    expect(dup.status).toBe(400)
    expect(dup.json.error_code).toBe('RESOURCE_ALREADY_EXISTS')
    const missing = await call('GET', '/experiments/get-by-name', { experiment_name: 'nope-never' })
    expect(missing.status).toBe(404)
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
  })

  it('searches with a filter, an order and pages', async () => {
    const prefix = `srch-${Date.now()}`
    for (const n of ['b', 'a', 'c']) await newExperiment(`${prefix}-${n}`)
    const first = await call('POST', '/experiments/search', {
      filter: `name LIKE '${prefix}-%'`,
      order_by: ['name ASC'],
      max_results: 2,
    })
    expect(first.json.experiments.map((e: { name: string }) => e.name)).toEqual([`${prefix}-a`, `${prefix}-b`])
    expect(first.json.next_page_token).toBeTruthy()
    const second = await call('POST', '/experiments/search', {
      filter: `name LIKE '${prefix}-%'`,
      order_by: ['name ASC'],
      max_results: 2,
      page_token: first.json.next_page_token,
    })
    expect(second.json.experiments.map((e: { name: string }) => e.name)).toEqual([`${prefix}-c`])
    expect(second.json.next_page_token).toBeUndefined()
  })

  it('deletes with its runs and restores both', async () => {
    const id = await newExperiment()
    const runId = await newRun(id)
    expect((await call('POST', '/experiments/delete', { experiment_id: id })).status).toBe(200)
    expect((await call('GET', '/runs/get', { run_id: runId })).json.run.info.lifecycle_stage).toBe('deleted')
    expect((await call('POST', '/experiments/restore', { experiment_id: id })).status).toBe(200)
    expect((await call('GET', '/runs/get', { run_id: runId })).json.run.info.lifecycle_stage).toBe('active')
  })
})

describe('runs', () => {
  it('logs params, metrics and tags and returns them with the run', async () => {
    const exp = await newExperiment()
    const runId = await newRun(exp, { run_name: 'first', tags: [{ key: 'team', value: 'ml' }] })
    await call('POST', '/runs/log-parameter', { run_id: runId, key: 'alpha', value: '0.5' })
    for (const [step, value] of [
      [0, 0.5],
      [1, 0.7],
      [2, 0.6],
    ] as const) {
      const res = await call('POST', '/runs/log-metric', {
        run_id: runId,
        key: 'acc',
        value,
        timestamp: 1000 + step,
        step,
      })
      expect(res.status).toBe(200)
    }
    await call('POST', '/runs/set-tag', { run_id: runId, key: 'note', value: 'hello' })
    const run = (await call('GET', '/runs/get', { run_id: runId })).json.run
    expect(run.info).toMatchObject({
      run_id: runId,
      run_uuid: runId,
      run_name: 'first',
      status: 'RUNNING',
      experiment_id: exp,
    })
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/${runId}/artifacts`)
    expect(run.data.params).toEqual([{ key: 'alpha', value: '0.5' }])
    // the latest value is the one with the largest step
    expect(run.data.metrics).toEqual([{ key: 'acc', value: 0.6, timestamp: 1002, step: 2 }])
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'ml' },
        { key: 'note', value: 'hello' },
        { key: 'mlflow.runName', value: 'first' },
      ]),
    )
  })

  it('keeps params immutable but accepts the same value again', async () => {
    const runId = await newRun(await newExperiment())
    expect((await call('POST', '/runs/log-parameter', { run_id: runId, key: 'p', value: '1' })).status).toBe(200)
    expect((await call('POST', '/runs/log-parameter', { run_id: runId, key: 'p', value: '1' })).status).toBe(200)
    const changed = await call('POST', '/runs/log-parameter', { run_id: runId, key: 'p', value: '2' })
    expect(changed.status).toBe(400)
    expect(changed.json.error_code).toBe('INVALID_PARAMETER_VALUE')
    expect(changed.json.message).toContain('Changing param values is not allowed')
  })

  it('refuses writes to a deleted run, and restores it', async () => {
    const runId = await newRun(await newExperiment())
    await call('POST', '/runs/delete', { run_id: runId })
    const write = await call('POST', '/runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 1 })
    expect(write.status).toBe(400)
    expect(write.json.error_code).toBe('INVALID_PARAMETER_VALUE')
    await call('POST', '/runs/restore', { run_id: runId })
    expect((await call('POST', '/runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 1 })).status).toBe(
      200,
    )
  })

  it('answers an unknown run with 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const res = await call('GET', '/runs/get', { run_id: 'f'.repeat(32) })
    expect(res.status).toBe(404)
    expect(res.json).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: `Run with id=${'f'.repeat(32)} not found`,
    })
  })

  it('enforces log-batch limits and is idempotent under retries', async () => {
    const runId = await newRun(await newExperiment())
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: 'loss',
      value: 1 / (i + 1),
      timestamp: 5000 + i,
      step: i,
    }))
    expect((await call('POST', '/runs/log-batch', { run_id: runId, metrics })).status).toBe(200)
    // a retry of the same request changes nothing
    expect((await call('POST', '/runs/log-batch', { run_id: runId, metrics })).status).toBe(200)
    const history = await call('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss' })
    expect(history.json.metrics).toHaveLength(1000)
    const tooMany = await call('POST', '/runs/log-batch', {
      run_id: runId,
      metrics: [...metrics, { key: 'x', value: 1, timestamp: 1, step: 0 }],
    })
    expect(tooMany.status).toBe(400)
    expect(tooMany.json.message).toContain('at most 1000 metrics')
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }))
    expect((await call('POST', '/runs/log-batch', { run_id: runId, params })).json.message).toContain(
      'at most 100 params',
    )
    const dupes = await call('POST', '/runs/log-batch', {
      run_id: runId,
      params: [
        { key: 'a', value: '1' },
        { key: 'a', value: '1' },
      ],
    })
    expect(dupes.json.message).toContain('Duplicate parameter keys')
    const badKey = await call('POST', '/runs/log-batch', { run_id: runId, tags: [{ key: '../etc', value: 'x' }] })
    expect(badKey.status).toBe(400)
  })

  it('pages metric history and round-trips NaN and infinities as MLflow writes them', async () => {
    const runId = await newRun(await newExperiment())
    const metrics = [
      { key: 'odd', value: 'NaN', timestamp: 1, step: 0 },
      { key: 'odd', value: 'Infinity', timestamp: 2, step: 1 },
      { key: 'odd', value: '-Infinity', timestamp: 3, step: 2 },
      { key: 'odd', value: 1.5, timestamp: 4, step: 3 },
    ]
    await call('POST', '/runs/log-batch', { run_id: runId, metrics })
    const first = await call('GET', '/metrics/get-history', { run_id: runId, metric_key: 'odd', max_results: 3 })
    expect(first.json.metrics.map((m: { value: unknown }) => m.value)).toEqual(['NaN', 'Infinity', '-Infinity'])
    const rest = await call('GET', '/metrics/get-history', {
      run_id: runId,
      metric_key: 'odd',
      max_results: 3,
      page_token: first.json.next_page_token,
    })
    expect(rest.json.metrics.map((m: { value: unknown }) => m.value)).toEqual([1.5])
    expect(rest.json.next_page_token).toBeUndefined()
  })

  it("get-history-bulk-interval: 2,500 points per run by default and at most, both ends kept, MLflow's checks and words", async () => {
    const exp = await newExperiment()
    const [a, b] = [await newRun(exp), await newRun(exp)]
    for (let s = 0; s < 3_000; s += 1_000) {
      const metrics = Array.from({ length: 1_000 }, (_, i) => ({
        key: 'loss',
        value: 1 / (s + i + 1),
        timestamp: 1,
        step: s + i,
      }))
      await call('POST', '/runs/log-batch', { run_id: a, metrics })
    }
    await call('POST', '/runs/log-batch', {
      run_id: b,
      metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: step, timestamp: 1, step })),
    })
    const path = '/metrics/get-history-bulk-interval'
    const steps = (json: { metrics: { run_id: string; step: number }[] }, run: string) =>
      json.metrics.filter((m) => m.run_id === run).map((m) => Number(m.step))
    const all = await call('GET', path, { run_ids: [a, b], metric_key: 'loss' })
    expect(all.status).toBe(200)
    const sampled = steps(all.json, a)
    expect(sampled).toHaveLength(2_500)
    expect([sampled[0], sampled.at(-1)]).toEqual([0, 2_999])
    expect(steps(all.json, b)).toEqual([0, 1, 2])
    const one = await call('GET', path, { run_ids: [a], metric_key: 'loss', max_results: 1 })
    expect(steps(one.json, a)).toEqual([2_999])
    const range = await call('GET', path, { run_ids: [a], metric_key: 'loss', start_step: 10, end_step: 14 })
    expect(steps(range.json, a)).toEqual([10, 11, 12, 13, 14])

    const refused = async (query: Record<string, unknown>, status: number, message: string) => {
      const res = await call('GET', path, { metric_key: 'loss', ...query })
      expect(res.status, JSON.stringify(query)).toBe(status)
      expect(res.json.message).toBe(message)
    }
    await refused({ run_ids: [a], max_results: 2_501 }, 400, 'max_results must be between 1 and 2500.')
    await refused({ run_ids: [a], max_results: 0 }, 400, 'max_results must be between 1 and 2500.')
    await refused(
      { run_ids: [a], start_step: 5 },
      400,
      'If either start step or end step are specified, both must be specified.',
    )
    await refused(
      { run_ids: [a], start_step: 5, end_step: 4 },
      400,
      'end_step must be greater than start_step. Found start_step=5 and end_step=4.',
    )
    // A run it does not know has no points, as in MLflow.
    const unknown = await call('GET', path, { run_ids: [b, 'f'.repeat(32)], metric_key: 'loss' })
    expect(unknown.status).toBe(200)
    expect(unknown.json.metrics.map((m: { run_id: string }) => m.run_id)).toEqual([b, b, b])
  })

  it("/get-artifact: one file of a run's artifacts by run_uuid or run_id, nothing outside the run, clear errors", async () => {
    const runId = await newRun(await newExperiment())
    const run = await call('GET', '/runs/get', { run_id: runId })
    const root = String(run.json.run.info.artifact_uri).replace(/^mlflow-artifacts:\/*/, '')
    const put = await server.fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root}/plots/report.pdf`, {
      method: 'PUT',
      body: '%PDF-1.4 not really',
    })
    expect(put.status).toBe(200)
    const get = (query: string) => server.fetch(`${server.url}/get-artifact?${query}`)
    for (const query of [`run_uuid=${runId}&path=plots/report.pdf`, `run_id=${runId}&path=plots/report.pdf`]) {
      const res = await get(query)
      expect(res.status, query).toBe(200)
      expect(await res.text()).toBe('%PDF-1.4 not really')
      expect(res.headers.get('content-type')).toBe('application/pdf')
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="report.pdf"')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    }
    const refused = async (query: string, status: number, code: string) => {
      const res = await get(query)
      expect(res.status, query).toBe(status)
      expect(((await res.json()) as { error_code: string }).error_code, query).toBe(code)
    }
    await refused(`run_uuid=${runId}&path=../../../etc/passwd`, 400, 'INVALID_PARAMETER_VALUE')
    await refused(`run_uuid=${runId}&path=plots/%2e%2e/%2e%2e/x`, 400, 'INVALID_PARAMETER_VALUE')
    await refused(`run_uuid=${runId}`, 400, 'INVALID_PARAMETER_VALUE')
    await refused('path=plots/report.pdf', 400, 'INVALID_PARAMETER_VALUE')
    await refused(`run_uuid=${'f'.repeat(32)}&path=x.txt`, 404, 'RESOURCE_DOES_NOT_EXIST')
    await refused(`run_uuid=${runId}&path=plots/missing.txt`, 404, 'RESOURCE_DOES_NOT_EXIST')
    await refused(`run_uuid=${runId}&path=plots`, 400, 'INVALID_PARAMETER_VALUE')
  })

  it('searches with filters on metrics, params, tags and attributes, ordered with NULLs last', async () => {
    const exp = await newExperiment()
    const ids: string[] = []
    for (const [i, acc] of [0.7, 0.9, undefined, 0.8].entries()) {
      const id = await newRun(exp, { run_name: `r${i}`, start_time: 1000 + i })
      ids.push(id)
      await call('POST', '/runs/log-batch', {
        run_id: id,
        params: [{ key: 'depth', value: String(i) }],
        tags: [{ key: 'kind', value: i % 2 === 0 ? 'even' : 'odd' }],
        metrics: acc === undefined ? [] : [{ key: 'accuracy', value: acc, timestamp: 1, step: 0 }],
      })
    }
    const search = (body: Record<string, unknown>) => call('POST', '/runs/search', { experiment_ids: [exp], ...body })
    const names = (res: { json: { runs?: { info: { run_name: string } }[] } }) =>
      (res.json.runs ?? []).map((r) => r.info.run_name)

    expect(names(await search({ order_by: ['metrics.accuracy DESC'] }))).toEqual(['r1', 'r3', 'r0', 'r2'])
    expect(names(await search({ order_by: ['metrics.accuracy ASC'] }))).toEqual(['r0', 'r3', 'r1', 'r2'])
    expect(names(await search({ filter: 'metrics.accuracy > 0.75', order_by: ['metrics.accuracy DESC'] }))).toEqual([
      'r1',
      'r3',
    ])
    expect(names(await search({ filter: "params.depth = '2'" }))).toEqual(['r2'])
    expect(names(await search({ filter: "tags.kind = 'odd'", order_by: ['attributes.run_name'] }))).toEqual([
      'r1',
      'r3',
    ])
    expect(names(await search({ filter: "tags.kind LIKE 'OD%'" }))).toEqual([])
    expect(names(await search({ filter: "tags.kind ILIKE 'OD%'", order_by: ['run_name'] }))).toEqual(['r1', 'r3'])
    expect(
      names(await search({ filter: `attributes.run_id IN ('${ids[0]}', '${ids[2]}')`, order_by: ['start_time'] })),
    ).toEqual(['r0', 'r2'])
    expect(
      names(
        await search({
          filter: "attributes.status = 'RUNNING' and params.depth != '0'",
          order_by: ['params.depth DESC'],
        }),
      ),
    ).toEqual(['r3', 'r2', 'r1'])
    // default order: newest first
    expect(names(await search({}))).toEqual(['r3', 'r2', 'r1', 'r0'])
    // keel extension: OR with parentheses
    expect(names(await search({ filter: "(params.depth = '0' OR params.depth = '3') AND tags.kind = 'odd'" }))).toEqual(
      ['r3'],
    )

    const paged = await search({ max_results: 3, order_by: ['attributes.run_name'] })
    expect(names(paged)).toEqual(['r0', 'r1', 'r2'])
    expect(
      names(
        await search({ max_results: 3, order_by: ['attributes.run_name'], page_token: paged.json.next_page_token }),
      ),
    ).toEqual(['r3'])

    const bad = await search({ filter: 'metrics.accuracy > "high"' })
    expect(bad.status).toBe(400)
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE')
    const tooMany = await search({ max_results: 123456789 })
    expect(tooMany.status).toBe(400)
    expect(tooMany.json.message).toContain("Invalid value 123456789 for parameter 'max_results' supplied")
    const badToken = await search({ page_token: 'not-a-token' })
    expect(badToken.status).toBe(400)
  })

  it('records dataset inputs and filters on them', async () => {
    const exp = await newExperiment()
    const runId = await newRun(exp)
    const res = await call('POST', '/runs/log-inputs', {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'iris',
            digest: 'abc123',
            source_type: 'local',
            source: '{"uri": "iris.csv"}',
            schema: '{}',
          },
        },
      ],
    })
    expect(res.status).toBe(200)
    const run = (await call('GET', '/runs/get', { run_id: runId })).json.run
    expect(run.inputs.dataset_inputs[0]).toMatchObject({ dataset: { name: 'iris', digest: 'abc123' } })
    const found = await call('POST', '/runs/search', {
      experiment_ids: [exp],
      filter: "datasets.context = 'training' and datasets.name = 'iris'",
    })
    expect(found.json.runs).toHaveLength(1)
  })

  it('ends a run with a status and an end time', async () => {
    const runId = await newRun(await newExperiment())
    const res = await call('POST', '/runs/update', { run_id: runId, status: 'FINISHED', end_time: 12345 })
    expect(res.json.run_info).toMatchObject({ status: 'FINISHED', end_time: 12345 })
    const bad = await call('POST', '/runs/update', { run_id: runId, status: 'DONE' })
    expect(bad.status).toBe(400)
  })
})

describe('keel extensions', () => {
  it("answers GET /api/2.0/keel/experiments/keys with the experiment's param, metric and tag keys", async () => {
    const id = await newExperiment()
    const runId = await newRun(id, { tags: [{ key: 'team', value: 'a' }] })
    const batch = await call('POST', '/runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'loss', value: 0.5, timestamp: 1, step: 0 },
        { key: 'acc', value: 0.9, timestamp: 1, step: 0 },
      ],
      params: [{ key: 'lr', value: '0.1' }],
    })
    expect(batch.status).toBe(200)
    for (const prefix of ['/api', '/ajax-api']) {
      const res = await server.fetch(`${server.url}${prefix}/2.0/keel/experiments/keys?experiment_id=${id}`)
      expect(res.status).toBe(200)
      const keys = (await res.json()) as { params: string[]; metrics: string[]; tags: string[] }
      expect(keys.params).toEqual(['lr'])
      expect(keys.metrics).toEqual(['acc', 'loss'])
      expect(keys.tags).toContain('team')
    }
    const missing = await server.fetch(`${server.url}/api/2.0/keel/experiments/keys?experiment_id=424242`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error_code: string }).error_code).toBe('RESOURCE_DOES_NOT_EXIST')
    const noId = await server.fetch(`${server.url}/api/2.0/keel/experiments/keys`)
    expect(noId.status).toBe(400)
    expect(((await noId.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE')
  })
})
