/**
 * keel's registry extensions, in-process through the app's request function: the audit trail (who moved what, when and why,
 * GET /api/2.0/keel/registry/events) and the lineage captured at registration
 * (GET /api/2.0/keel/model-versions/lineage).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'

let server: InProcessKeel
let experimentId: string
let runId: string
beforeAll(async () => {
  server = await startKeelApp()
  const exp = await api(server, 'POST', '/experiments/create', { name: 'registry-audit' })
  experimentId = exp.json.experiment_id
  const run = await api(server, 'POST', '/runs/create', { experiment_id: experimentId, start_time: Date.now() })
  runId = run.json.run.info.run_id
})
afterAll(async () => {
  await server?.close()
})

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/** An MLflow call with extra headers (who is acting). */
async function as(headers: Record<string, string>, method: Method, path: string, body?: Record<string, unknown>) {
  const query = method === 'GET' && body ? `?${new URLSearchParams(body as Record<string, string>)}` : ''
  const res = await server.fetch(`${server.url}/api/2.0/mlflow${path}${query}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body && method !== 'GET' && { body: JSON.stringify(body) }),
  })
  const json = (await res.json()) as any
  expect(res.status, JSON.stringify(json)).toBe(200)
  return json
}
const call = (method: Method, path: string, body?: Record<string, unknown>) => as({}, method, path, body)

/** A keel extension under /api/2.0/keel, with query parameters. */
async function keel(path: string, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  const res = await server.fetch(`${server.url}/api/2.0/keel${path}?${qs}`)
  return { status: res.status, json: (await res.json()) as any }
}

async function eventsOf(name: string, version?: string): Promise<any[]> {
  const res = await keel('/registry/events', { name, ...(version !== undefined && { version }) })
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  return res.json.events ?? []
}

let seq = 0
const uniqueName = (prefix = 'audited') => `${prefix}-${Date.now().toString(36)}-${seq++}`
const basic = (user: string, password = 'pw') => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
})

async function modelWithVersions(count: number, headers: Record<string, string> = {}): Promise<string> {
  const name = uniqueName()
  await as(headers, 'POST', '/registered-models/create', { name })
  for (let i = 0; i < count; i++)
    await as(headers, 'POST', '/model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId })
  return name
}

describe('audit trail', () => {
  it('names the actor from basic auth, else X-Keel-User, else "unknown"', async () => {
    const name = await modelWithVersions(1, basic('alice', 's3cret:with:colons'))
    await as({ ...basic('bob'), 'X-Keel-User': 'mallory' }, 'POST', '/model-versions/transition-stage', {
      name,
      version: '1',
      stage: 'Staging',
      archive_existing_versions: false,
    })
    await as({ 'X-Keel-User': 'carol' }, 'POST', '/registered-models/alias', { name, alias: 'champion', version: '1' })
    await as({}, 'DELETE', '/registered-models/alias', { name, alias: 'champion' })
    const trail = await eventsOf(name)
    expect(trail.map((e) => [e.kind, e.actor])).toEqual([
      ['alias_deleted', 'unknown'],
      ['alias_set', 'carol'],
      ['stage_transition', 'bob'],
      ['model_version_created', 'alice'],
      ['registered_model_created', 'alice'],
    ])
    // the wire shape: ids and versions as strings, timestamps as numbers
    expect(trail[2]).toMatchObject({ name, version: '1', from: 'None', to: 'Staging' })
    expect(typeof trail[2].event_id).toBe('string')
    expect(typeof trail[2].timestamp).toBe('number')
    // the registered model and version record the creator too
    expect((await call('GET', '/registered-models/get', { name })).registered_model.user_id).toBe('alice')
  })

  it('records the comment of a stage transition and of alias changes', async () => {
    const name = await modelWithVersions(2)
    await call('POST', '/model-versions/transition-stage', {
      name,
      version: '2',
      stage: 'Production',
      archive_existing_versions: false,
      comment: 'passed offline eval',
    })
    await call('POST', '/registered-models/alias', { name, alias: 'champion', version: '1', comment: 'baseline' })
    await call('POST', '/registered-models/alias', { name, alias: 'champion', version: '2', comment: 'promoted' })
    await call('DELETE', '/registered-models/alias', { name, alias: 'champion', comment: 'rollback plan' })
    const trail = await eventsOf(name)
    expect(
      trail.slice(0, 4).map((e) => ({ kind: e.kind, from: e.from, to: e.to, comment: e.comment, alias: e.alias })),
    ).toEqual([
      { kind: 'alias_deleted', from: '2', to: undefined, comment: 'rollback plan', alias: 'champion' },
      { kind: 'alias_set', from: '1', to: '2', comment: 'promoted', alias: 'champion' },
      { kind: 'alias_set', from: undefined, to: '1', comment: 'baseline', alias: 'champion' },
      { kind: 'stage_transition', from: 'None', to: 'Production', comment: 'passed offline eval', alias: undefined },
    ])
  })

  it('archive_existing_versions records an event for each archived version', async () => {
    const name = await modelWithVersions(4)
    for (const version of ['1', '2']) {
      await call('POST', '/model-versions/transition-stage', {
        name,
        version,
        stage: 'Production',
        archive_existing_versions: false,
      })
    }
    await call('POST', '/model-versions/transition-stage', {
      name,
      version: '3',
      stage: 'Staging',
      archive_existing_versions: false,
    })
    await as(basic('release-bot'), 'POST', '/model-versions/transition-stage', {
      name,
      version: '4',
      stage: 'Production',
      archive_existing_versions: true,
    })
    const archived = (await eventsOf(name)).filter((e) => e.kind === 'stage_transition' && e.to === 'Archived')
    expect(archived.map((e) => e.version).sort()).toEqual(['1', '2'])
    for (const e of archived) expect(e).toMatchObject({ from: 'Production', actor: 'release-bot' })
    expect((await eventsOf(name, '3')).filter((e) => e.kind === 'stage_transition')).toHaveLength(1)
  })

  it('finds the events of a renamed model under its new name, and keeps them after deletion', async () => {
    const name = await modelWithVersions(1)
    const renamed = uniqueName('renamed')
    await call('POST', '/registered-models/rename', { name, new_name: renamed })
    expect(await eventsOf(name)).toEqual([])
    const trail = await eventsOf(renamed)
    expect(trail.map((e) => e.kind)).toEqual([
      'registered_model_renamed',
      'model_version_created',
      'registered_model_created',
    ])
    expect(trail[0]).toMatchObject({ from: name, to: renamed })

    await as({ 'X-Keel-User': 'dora' }, 'DELETE', '/registered-models/delete', { name: renamed })
    const after = await eventsOf(renamed)
    expect(after.map((e) => e.kind)).toEqual(['registered_model_deleted', ...trail.map((e) => e.kind)])
    expect(after[0].actor).toBe('dora')
  })

  it('a rename does not carry the trail of an earlier, deleted model of the same name', async () => {
    const name = uniqueName()
    await call('POST', '/registered-models/create', { name })
    await call('DELETE', '/registered-models/delete', { name })
    await call('POST', '/registered-models/create', { name })
    const renamed = uniqueName('renamed')
    await call('POST', '/registered-models/rename', { name, new_name: renamed })
    expect((await eventsOf(renamed)).map((e) => e.kind)).toEqual([
      'registered_model_renamed',
      'registered_model_created',
    ])
    expect((await eventsOf(name)).map((e) => e.kind)).toEqual(['registered_model_deleted', 'registered_model_created'])
  })

  it('filters by name and version; a version without a name is refused', async () => {
    const name = await modelWithVersions(2)
    await call('POST', '/model-versions/transition-stage', {
      name,
      version: '2',
      stage: 'Staging',
      archive_existing_versions: false,
    })
    const v2 = await eventsOf(name, '2')
    expect(v2.map((e) => e.kind)).toEqual(['stage_transition', 'model_version_created'])
    for (const e of v2) expect(e).toMatchObject({ name, version: '2' })
    expect((await eventsOf(name, '1')).map((e) => e.kind)).toEqual(['model_version_created'])
    const noName = await keel('/registry/events', { version: '1' })
    expect(noName.status).toBe(400)
    expect(noName.json.error_code).toBe('INVALID_PARAMETER_VALUE')
    const badVersion = await keel('/registry/events', { name, version: 'two' })
    expect(badVersion.status).toBe(400)
  })

  it('pages newest first, every event exactly once', async () => {
    const name = await modelWithVersions(5)
    for (const version of ['1', '2', '3']) {
      await call('POST', '/model-versions/transition-stage', {
        name,
        version,
        stage: 'Staging',
        archive_existing_versions: false,
      })
    }
    const all = await eventsOf(name)
    expect(all).toHaveLength(9)
    const ids = all.map((e) => Number(e.event_id))
    expect(ids).toEqual([...ids].sort((a, b) => b - a))
    const paged: string[] = []
    let token: string | undefined
    do {
      const res = await keel('/registry/events', { name, max_results: 4, ...(token && { page_token: token }) })
      expect(res.json.events.length).toBeLessThanOrEqual(4)
      paged.push(...res.json.events.map((e: { event_id: string }) => e.event_id))
      token = res.json.next_page_token
    } while (token)
    expect(paged).toEqual(all.map((e) => e.event_id))
    // all models, newest first: this model's newest event is the newest of all
    const global = await keel('/registry/events', { max_results: 1 })
    expect(global.json.events[0].event_id).toBe(all[0].event_id)
    expect(global.json.next_page_token).toBeTruthy()
  })
})

describe('lineage', () => {
  it('captures commit, branch, entry point, dataset, params and metrics at registration, and keeps them', async () => {
    const run = await call('POST', '/runs/create', {
      experiment_id: experimentId,
      start_time: Date.now(),
      tags: [
        { key: 'mlflow.source.git.commit', value: '0123abcd' },
        { key: 'mlflow.source.git.branch', value: 'feature/fraud' },
        { key: 'mlflow.source.name', value: 'train.py' },
      ],
    })
    const lineageRun: string = run.run.info.run_id
    await call('POST', '/runs/log-parameter', { run_id: lineageRun, key: 'alpha', value: '0.5' })
    await call('POST', '/runs/log-parameter', { run_id: lineageRun, key: 'depth', value: '7' })
    await call('POST', '/runs/log-metric', {
      run_id: lineageRun,
      key: 'accuracy',
      value: 0.91,
      timestamp: 1000,
      step: 0,
    })
    await call('POST', '/runs/log-metric', {
      run_id: lineageRun,
      key: 'accuracy',
      value: 0.93,
      timestamp: 2000,
      step: 1,
    })
    await call('POST', '/runs/log-inputs', {
      run_id: lineageRun,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'train' }],
          dataset: { name: 'transactions', digest: 'abc123', source_type: 'local', source: '{"uri":"data.csv"}' },
        },
      ],
    })
    const name = uniqueName('lineage')
    await call('POST', '/registered-models/create', { name })
    const version = (
      await call('POST', '/model-versions/create', { name, source: `runs:/${lineageRun}/model`, run_id: lineageRun })
    ).model_version

    const res = await keel('/model-versions/lineage', { name, version: version.version })
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    const lineage = res.json.lineage
    expect(lineage).toMatchObject({
      name,
      version: '1',
      source: `runs:/${lineageRun}/model`,
      run_id: lineageRun,
      experiment_id: experimentId,
      git: { commit: '0123abcd', branch: 'feature/fraud' },
      entry_point: 'train.py',
      params: [
        { key: 'alpha', value: '0.5' },
        { key: 'depth', value: '7' },
      ],
    })
    expect(lineage.captured_at).toBe(version.creation_timestamp)
    expect(lineage.datasets).toEqual([
      {
        tags: [{ key: 'mlflow.data.context', value: 'train' }],
        dataset: { name: 'transactions', digest: 'abc123', source_type: 'local', source: '{"uri":"data.csv"}' },
      },
    ])
    expect(lineage.metrics).toHaveLength(1)
    expect(lineage.metrics[0]).toMatchObject({ key: 'accuracy', value: 0.93, step: 1 })

    // later changes to the run do not rewrite the captured lineage
    await call('POST', '/runs/log-metric', {
      run_id: lineageRun,
      key: 'accuracy',
      value: 0.5,
      timestamp: 3000,
      step: 2,
    })
    await call('POST', '/runs/log-metric', { run_id: lineageRun, key: 'loss', value: 1.2, timestamp: 3000, step: 2 })
    await call('POST', '/runs/set-tag', { run_id: lineageRun, key: 'mlflow.source.git.commit', value: 'ffff0000' })
    const later = await keel('/model-versions/lineage', { name, version: '1' })
    expect(later.json.lineage).toEqual(lineage)
    // a version registered now sees the run as it is now
    await call('POST', '/model-versions/create', { name, source: `runs:/${lineageRun}/model`, run_id: lineageRun })
    const second = (await keel('/model-versions/lineage', { name, version: '2' })).json.lineage
    expect(second.git.commit).toBe('ffff0000')
    expect(Object.fromEntries(second.metrics.map((m: { key: string; value: number }) => [m.key, m.value]))).toEqual({
      accuracy: 0.5,
      loss: 1.2,
    })
  })

  it("params are the run's only when the version has a run; the logged model's when it has none", async () => {
    const run = (await call('POST', '/runs/create', { experiment_id: experimentId, start_time: Date.now() })).run.info
      .run_id as string
    await call('POST', '/runs/log-parameter', { run_id: run, key: 'alpha', value: '0.5' })
    await call('POST', '/runs/log-parameter', { run_id: run, key: 'seed', value: '42' })
    const withRun = (
      await call('POST', '/logged-models', {
        experiment_id: experimentId,
        name: 'with-run',
        source_run_id: run,
        params: [
          { key: 'alpha', value: 'model-alpha' },
          { key: 'n_estimators', value: '100' },
        ],
      })
    ).model.info.model_id as string
    const runless = (
      await call('POST', '/logged-models', {
        experiment_id: experimentId,
        name: 'runless',
        params: [
          { key: 'max_depth', value: '3' },
          { key: 'n_estimators', value: '10' },
        ],
      })
    ).model.info.model_id as string
    const name = uniqueName('params')
    await call('POST', '/registered-models/create', { name })
    const lineageOf = async (body: Record<string, unknown>) => {
      const v = (await call('POST', '/model-versions/create', { name, ...body })).model_version
      const res = await keel('/model-versions/lineage', { name, version: v.version })
      expect(res.status, JSON.stringify(res.json)).toBe(200)
      return res.json.lineage
    }
    const runParams = [
      { key: 'alpha', value: '0.5' },
      { key: 'seed', value: '42' },
    ]
    // the logged model of a run: the run's params, not merged with (nor overridden by) the model's
    expect(await lineageOf({ source: `models:/${withRun}` })).toMatchObject({
      run_id: run,
      model_id: withRun,
      params: runParams,
    })
    // a runs:/ source: the run's params
    expect((await lineageOf({ source: `runs:/${run}/model`, run_id: run })).params).toEqual(runParams)
    // a logged model without a run: its own params
    const noRun = await lineageOf({ source: `models:/${runless}` })
    expect(noRun.run_id).toBeUndefined()
    expect(noRun).toMatchObject({
      model_id: runless,
      params: [
        { key: 'max_depth', value: '3' },
        { key: 'n_estimators', value: '10' },
      ],
    })
  })

  it('answers 404 for an unknown or deleted version and 400 for a bad one', async () => {
    const name = await modelWithVersions(1)
    expect((await keel('/model-versions/lineage', { name, version: '2' })).status).toBe(404)
    expect((await keel('/model-versions/lineage', { name: 'ghost-model', version: '1' })).status).toBe(404)
    expect((await keel('/model-versions/lineage', { name, version: 'x' })).status).toBe(400)
    await call('DELETE', '/model-versions/delete', { name, version: '1' })
    const gone = await keel('/model-versions/lineage', { name, version: '1' })
    expect(gone.status).toBe(404)
    expect(gone.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST')
  })
})
