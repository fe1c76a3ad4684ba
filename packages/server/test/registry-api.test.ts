/**
 * The model-registry REST API, in-process through the app's request function: MLflow's wire shapes,
 * error codes and HTTP statuses, and the confinement of a version's source to keel's artifact store.
 * Registrations racing across worker processes are in registry-workers.e2e.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'

let server: InProcessKeel
let experimentId: string
let runId: string
let runArtifactUri: string
beforeAll(async () => {
  server = await startKeelApp()
  const exp = await call('POST', '/experiments/create', { name: 'registry-api' })
  experimentId = exp.json.experiment_id
  const run = await call('POST', '/runs/create', { experiment_id: experimentId, start_time: Date.now() })
  runId = run.json.run.info.run_id
  runArtifactUri = run.json.run.info.artifact_uri
})
afterAll(async () => {
  await server?.close()
})

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
const call = (method: Method, path: string, body?: Record<string, unknown>) => api(server, method, path, body)

let seq = 0
const uniqueName = (prefix = 'model') => `${prefix}-${Date.now().toString(36)}-${seq++}`

async function newModel(name = uniqueName(), extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call('POST', '/registered-models/create', { name, ...extra })
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  return name
}

/** A version of the shared run's model: a runs:/ source names its run as run_id (as MLflow requires). */
async function newVersion(name: string, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await call('POST', '/model-versions/create', {
    name,
    source: `runs:/${runId}/model`,
    run_id: runId,
    ...extra,
  })
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  return res.json.model_version
}

async function expectError(
  res: Promise<{ status: number; json: any }>,
  status: number,
  code: string,
  message?: string | RegExp,
) {
  const { status: got, json } = await res
  expect({ status: got, code: json.error_code }, JSON.stringify(json)).toEqual({ status, code })
  if (message !== undefined) expect(json.message).toMatch(message)
  return json
}

async function newRun(): Promise<{ run_id: string; artifact_uri: string }> {
  const res = await call('POST', '/runs/create', { experiment_id: experimentId, start_time: Date.now() })
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  return res.json.run.info
}

async function newLoggedModel(name: string, sourceRunId?: string): Promise<{ model_id: string; artifact_uri: string }> {
  const res = await call('POST', '/logged-models', {
    experiment_id: experimentId,
    name,
    ...(sourceRunId && { source_run_id: sourceRunId }),
  })
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  return res.json.model.info
}

describe('registered models', () => {
  it('creates, gets, refuses a duplicate with 400 RESOURCE_ALREADY_EXISTS', async () => {
    const name = uniqueName()
    const created = await call('POST', '/registered-models/create', {
      name,
      description: 'fraud detector',
      tags: [{ key: 'team', value: 'risk' }],
    })
    expect(created.status).toBe(200)
    expect(created.json.registered_model).toMatchObject({
      name,
      description: 'fraud detector',
      tags: [{ key: 'team', value: 'risk' }],
    })
    expect(typeof created.json.registered_model.creation_timestamp).toBe('number')
    const got = await call('GET', '/registered-models/get', { name })
    expect(got.json.registered_model).toEqual(created.json.registered_model)
    await expectError(
      call('POST', '/registered-models/create', { name }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      `Registered Model (name=${name}) already exists`,
    )
    await expectError(call('GET', '/registered-models/get', { name: 'never-was' }), 404, 'RESOURCE_DOES_NOT_EXIST')
  })

  it('renames (versions follow), updates the description, deletes with a JSON body', async () => {
    const name = await newModel()
    await newVersion(name)
    const newName = uniqueName('renamed')
    const renamed = await call('POST', '/registered-models/rename', { name, new_name: newName })
    expect(renamed.status).toBe(200)
    expect(renamed.json.registered_model.name).toBe(newName)
    expect(renamed.json.registered_model.latest_versions).toMatchObject([{ name: newName, version: '1' }])
    await expectError(call('GET', '/registered-models/get', { name }), 404, 'RESOURCE_DOES_NOT_EXIST')
    const taken = await newModel()
    await expectError(
      call('POST', '/registered-models/rename', { name: newName, new_name: taken }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    )
    await expectError(
      call('POST', '/registered-models/rename', { name: newName, new_name: 'a/b' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )

    const updated = await call('PATCH', '/registered-models/update', { name: newName, description: 'v2' })
    expect(updated.json.registered_model.description).toBe('v2')
    await expectError(
      call('PATCH', '/registered-models/update', { name: 'ghost-model', description: 'x' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )

    const deleted = await call('DELETE', '/registered-models/delete', { name: newName })
    expect(deleted).toEqual({ status: 200, json: {} })
    await expectError(call('GET', '/registered-models/get', { name: newName }), 404, 'RESOURCE_DOES_NOT_EXIST')
    await expectError(
      call('GET', '/model-versions/get', { name: newName, version: '1' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(call('DELETE', '/registered-models/delete', { name: newName }), 404, 'RESOURCE_DOES_NOT_EXIST')
  })

  it('sets and deletes model tags', async () => {
    const name = await newModel()
    expect((await call('POST', '/registered-models/set-tag', { name, key: 'k', value: 'v' })).status).toBe(200)
    expect((await call('GET', '/registered-models/get', { name })).json.registered_model.tags).toEqual([
      { key: 'k', value: 'v' },
    ])
    expect((await call('DELETE', '/registered-models/delete-tag', { name, key: 'k' })).status).toBe(200)
    expect((await call('GET', '/registered-models/get', { name })).json.registered_model.tags ?? []).toEqual([])
    // deleting a tag that is not set (any more, or never) is a no-op, as in MLflow
    expect(await call('DELETE', '/registered-models/delete-tag', { name, key: 'k' })).toEqual({ status: 200, json: {} })
    expect(await call('DELETE', '/registered-models/delete-tag', { name, key: 'never-set' })).toEqual({
      status: 200,
      json: {},
    })
    // an unknown model is still not found
    await expectError(
      call('DELETE', '/registered-models/delete-tag', { name: 'ghost-model', key: 'k' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('POST', '/registered-models/set-tag', { name: 'ghost-model', key: 'k', value: 'v' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('POST', '/registered-models/set-tag', { name, key: 'bad key!', value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
  })

  it('searches with a filter, an order and pages', async () => {
    const prefix = uniqueName('srch')
    for (const n of ['c', 'a', 'b', 'd']) await newModel(`${prefix}-${n}`, { tags: [{ key: 'letter', value: n }] })
    const seen: string[] = []
    let token: string | undefined
    do {
      const res = await call('GET', '/registered-models/search', {
        filter: `name LIKE '${prefix}-%'`,
        max_results: 3,
        ...(token && { page_token: token }),
      })
      expect(res.status).toBe(200)
      seen.push(...res.json.registered_models.map((m: { name: string }) => m.name))
      token = res.json.next_page_token
    } while (token)
    expect(seen).toEqual(['a', 'b', 'c', 'd'].map((n) => `${prefix}-${n}`))
    const desc = await call('GET', '/registered-models/search', {
      filter: `name LIKE '${prefix}-%'`,
      order_by: ['name DESC'],
    })
    expect(desc.json.registered_models.map((m: { name: string }) => m.name)).toEqual(
      ['d', 'c', 'b', 'a'].map((n) => `${prefix}-${n}`),
    )
    const byTag = await call('GET', '/registered-models/search', {
      filter: `tags.letter = 'b' AND name LIKE '${prefix}%'`,
    })
    expect(byTag.json.registered_models.map((m: { name: string }) => m.name)).toEqual([`${prefix}-b`])
    // MLflow's client hides prompts with this clause: models without the tag must stay
    const notPrompt = await call('GET', '/registered-models/search', {
      filter: `name LIKE '${prefix}-%' AND tags.\`mlflow.prompt.is_prompt\` != 'true'`,
    })
    expect(notPrompt.json.registered_models).toHaveLength(4)
    await expectError(call('GET', '/registered-models/search', { filter: 'name = ' }), 400, 'INVALID_PARAMETER_VALUE')
    await expectError(call('GET', '/registered-models/search', { max_results: 1001 }), 400, 'INVALID_PARAMETER_VALUE')
    await expectError(
      call('GET', '/registered-models/search', { order_by: ['bogus ASC'] }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
  })
})

describe('tag filters: != needs the tag, except mlflow.prompt.is_prompt', () => {
  const names = (res: { json: any }, key: string) => (res.json[key] ?? []).map((m: { name: string }) => m.name).sort()

  it("registered models: tags.team != 'a' leaves out models without a team; is_prompt != 'true' keeps them", async () => {
    const p = uniqueName('neq')
    await newModel(`${p}-a`, { tags: [{ key: 'team', value: 'a' }] })
    await newModel(`${p}-b`, { tags: [{ key: 'team', value: 'b' }] })
    await newModel(`${p}-none`)
    await newModel(`${p}-prompt`, {
      tags: [
        { key: 'team', value: 'b' },
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
      ],
    })
    const search = (filter: string) =>
      call('GET', '/registered-models/search', { filter: `name LIKE '${p}-%' AND ${filter}` })
    expect(names(await search("tags.team != 'a'"), 'registered_models')).toEqual([`${p}-b`, `${p}-prompt`])
    expect(names(await search("tags.team = 'b'"), 'registered_models')).toEqual([`${p}-b`, `${p}-prompt`])
    expect(names(await search("tags.`mlflow.prompt.is_prompt` != 'true'"), 'registered_models')).toEqual([
      `${p}-a`,
      `${p}-b`,
      `${p}-none`,
    ])
    expect(names(await search("tags.`mlflow.prompt.is_prompt` = 'false'"), 'registered_models')).toEqual([
      `${p}-a`,
      `${p}-b`,
      `${p}-none`,
    ])
    expect(names(await search("tags.`mlflow.prompt.is_prompt` = 'true'"), 'registered_models')).toEqual([`${p}-prompt`])
    // what MLflow's client sends for search_registered_models("tags.team != 'a'")
    expect(
      names(await search("tags.team != 'a' AND tags.`mlflow.prompt.is_prompt` != 'true'"), 'registered_models'),
    ).toEqual([`${p}-b`])
  })

  it("model versions: tags.team != 'a' leaves out versions without a team; is_prompt != 'true' keeps them", async () => {
    const name = await newModel()
    await newVersion(name, { tags: [{ key: 'team', value: 'a' }] })
    await newVersion(name, { tags: [{ key: 'team', value: 'b' }] })
    await newVersion(name)
    const versions = async (filter: string) => {
      const res = await call('GET', '/model-versions/search', { filter: `name = '${name}' AND ${filter}` })
      expect(res.status, JSON.stringify(res.json)).toBe(200)
      return (res.json.model_versions ?? []).map((v: { version: string }) => v.version).sort()
    }
    expect(await versions("tags.team != 'a'")).toEqual(['2'])
    expect(await versions("tags.team != 'c'")).toEqual(['1', '2'])
    expect(await versions("tags.`mlflow.prompt.is_prompt` != 'true'")).toEqual(['1', '2', '3'])
    expect(await versions("tags.`mlflow.prompt.is_prompt` = 'false'")).toEqual(['1', '2', '3'])
    expect(await versions("tags.team != 'a' AND tags.`mlflow.prompt.is_prompt` != 'true'")).toEqual(['2'])
  })
})

describe('model versions', () => {
  it('creates READY versions 1, 2 with MLflow wire shapes; get, update, get-download-uri', async () => {
    const name = await newModel()
    const v1 = await newVersion(name, {
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
      run_link: 'http://ci/1',
    })
    expect(v1).toMatchObject({
      name,
      version: '1',
      status: 'READY',
      current_stage: 'None',
      source: `runs:/${runId}/model`,
      run_id: runId,
      description: 'first',
      run_link: 'http://ci/1',
      tags: [{ key: 'k', value: 'v' }],
    })
    expect(v1.storage_location).toBeUndefined()
    expect(typeof v1.creation_timestamp).toBe('number')
    expect((await newVersion(name)).version).toBe('2')

    expect((await call('GET', '/model-versions/get', { name, version: '1' })).json.model_version).toEqual(v1)
    const updated = await call('PATCH', '/model-versions/update', { name, version: '1', description: 'changed' })
    expect(updated.json.model_version).toMatchObject({ version: '1', description: 'changed' })
    const uri = await call('GET', '/model-versions/get-download-uri', { name, version: '1' })
    expect(uri).toEqual({ status: 200, json: { artifact_uri: `${runArtifactUri}/model` } })

    await expectError(call('GET', '/model-versions/get', { name, version: '3' }), 404, 'RESOURCE_DOES_NOT_EXIST')
    await expectError(
      call('GET', '/model-versions/get', { name: 'ghost-model', version: '1' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('GET', '/model-versions/get-download-uri', { name, version: '9' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('POST', '/model-versions/create', { name: 'ghost-model', source: `runs:/${runId}/model`, run_id: runId }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
  })

  it('refuses non-integer versions with 400', async () => {
    const name = await newModel()
    await newVersion(name)
    for (const version of ['abc', '1.5', '-1', '1e3', '']) {
      await expectError(call('GET', '/model-versions/get', { name, version }), 400, 'INVALID_PARAMETER_VALUE')
    }
    await expectError(
      call('POST', '/model-versions/transition-stage', { name, version: 'x', stage: 'Staging' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    await expectError(
      call('POST', '/registered-models/alias', { name, alias: 'a', version: 'one' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
  })

  it('transitions stages (case-insensitive), archives existing versions, refuses an invalid stage', async () => {
    const name = await newModel()
    await newVersion(name)
    await newVersion(name)
    const t1 = await call('POST', '/model-versions/transition-stage', {
      name,
      version: '1',
      stage: 'production',
      archive_existing_versions: false,
    })
    expect(t1.status).toBe(200)
    expect(t1.json.model_version).toMatchObject({ version: '1', current_stage: 'Production' })
    const t2 = await call('POST', '/model-versions/transition-stage', {
      name,
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
    })
    expect(t2.json.model_version.current_stage).toBe('Production')
    expect((await call('GET', '/model-versions/get', { name, version: '1' })).json.model_version.current_stage).toBe(
      'Archived',
    )
    await expectError(
      call('POST', '/model-versions/transition-stage', {
        name,
        version: '1',
        stage: 'Prod',
        archive_existing_versions: false,
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Invalid Model Version stage/,
    )
    // as in MLflow, archiving the others only makes sense for Staging and Production
    for (const stage of ['None', 'archived']) {
      await expectError(
        call('POST', '/model-versions/transition-stage', {
          name,
          version: '2',
          stage,
          archive_existing_versions: true,
        }),
        400,
        'INVALID_PARAMETER_VALUE',
        /not an Active stage/,
      )
    }
    expect((await call('GET', '/model-versions/get', { name, version: '2' })).json.model_version.current_stage).toBe(
      'Production',
    )
    await expectError(
      call('POST', '/model-versions/transition-stage', {
        name,
        version: '7',
        stage: 'Staging',
        archive_existing_versions: false,
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
  })

  it('get-latest-versions over POST and GET, with and without stages; latest_versions on the model', async () => {
    const name = await newModel()
    for (let i = 0; i < 4; i++) await newVersion(name)
    await call('POST', '/model-versions/transition-stage', {
      name,
      version: '1',
      stage: 'Staging',
      archive_existing_versions: false,
    })
    await call('POST', '/model-versions/transition-stage', {
      name,
      version: '2',
      stage: 'Production',
      archive_existing_versions: false,
    })
    const byStage = (list: { current_stage: string; version: string }[]) =>
      Object.fromEntries(list.map((v) => [v.current_stage, v.version]))
    const post = await call('POST', '/registered-models/get-latest-versions', { name })
    expect(byStage(post.json.model_versions)).toEqual({ Staging: '1', Production: '2', None: '4' })
    const get = await call('GET', '/registered-models/get-latest-versions', { name })
    expect(get.json).toEqual(post.json)
    const onlyProd = await call('POST', '/registered-models/get-latest-versions', { name, stages: ['Production'] })
    expect(onlyProd.json.model_versions.map((v: { version: string }) => v.version)).toEqual(['2'])
    const getStages = await call('GET', '/registered-models/get-latest-versions', { name, stages: ['staging', 'None'] })
    expect(byStage(getStages.json.model_versions)).toEqual({ Staging: '1', None: '4' })
    const model = await call('GET', '/registered-models/get', { name })
    expect(byStage(model.json.registered_model.latest_versions)).toEqual({ Staging: '1', Production: '2', None: '4' })
    await expectError(
      call('POST', '/registered-models/get-latest-versions', { name, stages: ['Nope'] }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    await expectError(
      call('POST', '/registered-models/get-latest-versions', { name: 'ghost-model' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
  })

  it('sets and deletes version tags; deletes a version (DELETE with a JSON body) without reusing its number', async () => {
    const name = await newModel()
    await newVersion(name)
    await newVersion(name)
    expect((await call('POST', '/model-versions/set-tag', { name, version: '2', key: 'q', value: 'ok' })).status).toBe(
      200,
    )
    expect((await call('GET', '/model-versions/get', { name, version: '2' })).json.model_version.tags).toEqual([
      { key: 'q', value: 'ok' },
    ])
    expect(
      (await call('POST', '/model-versions/set-tag', { name, version: '2', key: 'keep', value: 'me' })).status,
    ).toBe(200)
    expect((await call('DELETE', '/model-versions/delete-tag', { name, version: '2', key: 'q' })).status).toBe(200)
    // deleting a tag that is not set (any more, or never) is a no-op, as in MLflow
    expect(await call('DELETE', '/model-versions/delete-tag', { name, version: '2', key: 'q' })).toEqual({
      status: 200,
      json: {},
    })
    expect(await call('DELETE', '/model-versions/delete-tag', { name, version: '2', key: 'never-set' })).toEqual({
      status: 200,
      json: {},
    })
    expect((await call('GET', '/model-versions/get', { name, version: '2' })).json.model_version.tags).toEqual([
      { key: 'keep', value: 'me' },
    ])
    // an unknown version or model is still not found
    await expectError(
      call('DELETE', '/model-versions/delete-tag', { name, version: '5', key: 'q' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('DELETE', '/model-versions/delete-tag', { name: 'ghost-model', version: '1', key: 'q' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('POST', '/model-versions/set-tag', { name, version: '5', key: 'q', value: 'x' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )

    expect(await call('DELETE', '/model-versions/delete', { name, version: '2' })).toEqual({ status: 200, json: {} })
    await expectError(call('GET', '/model-versions/get', { name, version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST')
    await expectError(call('DELETE', '/model-versions/delete', { name, version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST')
    expect((await newVersion(name)).version).toBe('3')
  })

  it('searches versions: filter by name, run_id IN, version_number; order; pages', async () => {
    const name = await newModel()
    for (let i = 0; i < 5; i++) await newVersion(name)
    const all = await call('GET', '/model-versions/search', { filter: `name = '${name}'` })
    // MLflow's default order: last_updated_timestamp DESC, name ASC, version DESC
    expect(all.json.model_versions.map((v: { version: string }) => v.version)).toEqual(['5', '4', '3', '2', '1'])
    const seen: string[] = []
    let token: string | undefined
    do {
      const res = await call('GET', '/model-versions/search', {
        filter: `name = '${name}'`,
        order_by: ['version_number ASC'],
        max_results: 2,
        ...(token && { page_token: token }),
      })
      seen.push(...res.json.model_versions.map((v: { version: string }) => v.version))
      token = res.json.next_page_token
    } while (token)
    expect(seen).toEqual(['1', '2', '3', '4', '5'])
    const ranged = await call('GET', '/model-versions/search', { filter: `name = '${name}' AND version_number > 3` })
    expect(ranged.json.model_versions.map((v: { version: string }) => v.version).sort()).toEqual(['4', '5'])
    const byRun = await call('GET', '/model-versions/search', {
      filter: `run_id IN ('${runId}', 'other') AND name = '${name}'`,
    })
    expect(byRun.json.model_versions).toHaveLength(5)
    await expectError(
      call('GET', '/model-versions/search', { filter: 'version_number = abc' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
  })
})

describe('aliases', () => {
  it('sets, moves, reads and deletes an alias; versions and models list it', async () => {
    const name = await newModel()
    await newVersion(name)
    await newVersion(name)
    expect(await call('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' })).toEqual({
      status: 200,
      json: {},
    })
    expect((await call('GET', '/model-versions/get', { name, version: '1' })).json.model_version.aliases).toEqual([
      'champion',
    ])
    // a numeric version is accepted too
    expect((await call('POST', '/registered-models/alias', { name, alias: 'champion', version: 2 })).status).toBe(200)
    const byAlias = await call('GET', '/registered-models/alias', { name, alias: 'champion' })
    expect(byAlias.json.model_version).toMatchObject({ name, version: '2', aliases: ['champion'] })
    expect((await call('GET', '/model-versions/get', { name, version: '1' })).json.model_version.aliases ?? []).toEqual(
      [],
    )
    expect((await call('GET', '/registered-models/get', { name })).json.registered_model.aliases).toEqual([
      { alias: 'champion', version: '2' },
    ])

    expect((await call('DELETE', '/registered-models/alias', { name, alias: 'champion' })).status).toBe(200)
    // an unset alias of an existing model: MLflow's 400 INVALID_PARAMETER_VALUE and message
    const unset = await expectError(
      call('GET', '/registered-models/alias', { name, alias: 'champion' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    expect(unset.message).toBe('Registered model alias champion not found.')
    await expectError(
      call('GET', '/registered-models/alias', { name: 'ghost-model', alias: 'champion' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('DELETE', '/registered-models/alias', { name: 'ghost-model', alias: 'champion' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
  })

  it('refuses an alias on a missing version, reserved names and bad characters', async () => {
    const name = await newModel()
    await newVersion(name)
    // RESOURCE_DOES_NOT_EXIST as stock MLflow 3.17 answers (python/compat/test_registry_errors.py checks it there).
    await expectError(
      call('POST', '/registered-models/alias', { name, alias: 'champion', version: '9' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    await expectError(
      call('POST', '/registered-models/alias', { name: 'ghost-model', alias: 'champion', version: '1' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    )
    for (const alias of ['latest', 'LATEST', 'v1', 'V12', 'a b', 'a/b', 'a.b', 'x'.repeat(256), '']) {
      await expectError(
        call('POST', '/registered-models/alias', { name, alias, version: '1' }),
        400,
        'INVALID_PARAMETER_VALUE',
      )
    }
    expect((await call('GET', '/registered-models/get', { name })).json.registered_model.aliases ?? []).toEqual([])
    // names that merely start like a reserved one are fine
    expect((await call('POST', '/registered-models/alias', { name, alias: 'v1-candidate', version: '1' })).status).toBe(
      200,
    )
    expect((await call('POST', '/registered-models/alias', { name, alias: 'latest_good', version: '1' })).status).toBe(
      200,
    )
  })

  it('deleting a version removes the aliases pointing at it', async () => {
    const name = await newModel()
    await newVersion(name)
    await newVersion(name)
    await call('POST', '/registered-models/alias', { name, alias: 'a', version: '1' })
    await call('POST', '/registered-models/alias', { name, alias: 'b', version: '2' })
    await call('DELETE', '/model-versions/delete', { name, version: '1' })
    await expectError(
      call('GET', '/registered-models/alias', { name, alias: 'a' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /alias a not found/,
    )
    expect((await call('GET', '/registered-models/get', { name })).json.registered_model.aliases).toEqual([
      { alias: 'b', version: '2' },
    ])
  })
})

describe('input validation: 400 naming the field, never a 5xx', () => {
  it('refuses empty names and names with / or :', async () => {
    for (const name of ['', '   ', 'a/b', 'a:b']) {
      await expectError(call('POST', '/registered-models/create', { name }), 400, 'INVALID_PARAMETER_VALUE')
    }
    await expectError(call('POST', '/registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', /'name'/)
    await expectError(
      call('POST', '/registered-models/create', { name: 'x'.repeat(257) }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
  })

  it('refuses malformed JSON and wrong field types, naming the field', async () => {
    const bad = await server.fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name": ',
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE')
    const name = await newModel()
    await expectError(call('POST', '/registered-models/create', { name: 31 }), 400, 'INVALID_PARAMETER_VALUE', /'name'/)
    await expectError(
      call('POST', '/registered-models/create', { name: uniqueName(), tags: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'tags'/,
    )
    await expectError(
      call('POST', '/model-versions/create', { name, source: 5 }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'source'/,
    )
    await expectError(call('POST', '/model-versions/create', { name }), 400, 'INVALID_PARAMETER_VALUE', /'source'/)
    await expectError(
      call('POST', '/model-versions/transition-stage', {
        name,
        version: '1',
        stage: 'Staging',
        archive_existing_versions: 'maybe',
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /archive_existing_versions/,
    )
    await expectError(
      call('POST', '/registered-models/alias', { name, alias: ['x'], version: '1' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'alias'/,
    )
    await expectError(
      call('POST', '/registered-models/alias', { name, alias: 'x', version: 1.5 }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'version'/,
    )
  })

  it('refuses duplicate tag keys in one create request with 400, not a 5xx or a misleading code', async () => {
    const name = uniqueName()
    const tags = [
      { key: 'k', value: '1' },
      { key: 'k', value: '2' },
    ]
    await expectError(call('POST', '/registered-models/create', { name, tags }), 400, 'INVALID_PARAMETER_VALUE', /k/)
    await expectError(call('GET', '/registered-models/get', { name }), 404, 'RESOURCE_DOES_NOT_EXIST')
    await newModel(name)
    await expectError(
      call('POST', '/model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId, tags }),
      400,
      'INVALID_PARAMETER_VALUE',
      /k/,
    )
    await expectError(call('GET', '/model-versions/get', { name, version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST')
  })
})

describe('source confinement', () => {
  it('refuses sources outside the artifact store with 400 INVALID_PARAMETER_VALUE', async () => {
    const name = await newModel()
    const hostile = [
      'file:///etc/passwd',
      '/etc',
      '/etc/../..',
      '../../etc',
      'mlflow-artifacts:/../../etc',
      'mlflow-artifacts://host/../../etc',
      'mlflow-artifacts:/0/%2e%2e/%2e%2e/etc',
      'mlflow-artifacts:/0/%252e%252e/%252e%252e/etc',
      'mlflow-artifacts:/0/..%2f..%2fetc',
      'mlflow-artifacts:/0\\..\\..\\etc',
      'mlflow-artifacts:/0/x\u0000/model',
      's3://x',
      'http://x',
      'https://evil.example/model',
      `runs:/${runId}/../../..`,
      `runs:/${runId}/%2e%2e/%2e%2e`,
      `runs:/${runId}/..\\..\\etc`,
      'runs:/0123456789abcdef0123456789abcdef/model',
      'runs:/../../etc',
      'models:/m-0123456789abcdef0123456789abcdef',
      `models:/${name}/7`,
      `models:/${name}@nope`,
      '',
    ]
    for (const source of hostile) {
      // refused with no run given, and with the run whose artifacts they try to escape
      await expectError(call('POST', '/model-versions/create', { name, source }), 400, 'INVALID_PARAMETER_VALUE')
      await expectError(
        call('POST', '/model-versions/create', { name, source, run_id: runId }),
        400,
        'INVALID_PARAMETER_VALUE',
      )
    }
    const listed = await call('GET', '/model-versions/search', { filter: `name = '${name}'` })
    expect(listed.json.model_versions ?? []).toEqual([])
  })

  it('runs:/<run>/model: storage is the run artifact URI + /model', async () => {
    const name = await newModel()
    const v = await newVersion(name, { source: `runs:/${runId}/model` })
    expect(v.run_id).toBe(runId)
    const uri = await call('GET', '/model-versions/get-download-uri', { name, version: v.version })
    expect(uri.json.artifact_uri).toBe(`${runArtifactUri}/model`)
  })

  it('runs:/<run>/model of a run this server does not have: registered as MLflow registers it, the URI as its storage', async () => {
    const name = await newModel()
    const elsewhere = 'a'.repeat(32)
    const v = await newVersion(name, { source: `runs:/${elsewhere}/model`, run_id: elsewhere })
    expect(v).toMatchObject({ run_id: elsewhere, source: `runs:/${elsewhere}/model`, status: 'READY' })
    const uri = await call('GET', '/model-versions/get-download-uri', { name, version: v.version })
    expect(uri.json.artifact_uri).toBe(`runs:/${elsewhere}/model`)
    // Still refused: a path out of the run, and a runs:/ source without its run_id.
    const outside = await call('POST', '/model-versions/create', {
      name,
      source: `runs:/${elsewhere}/../../x`,
      run_id: elsewhere,
    })
    expect(outside.status).toBe(400)
    const unclaimed = await call('POST', '/model-versions/create', { name, source: `runs:/${elsewhere}/model` })
    expect(unclaimed.status).toBe(400)
  })

  it('models:/<logged model id>: storage is its artifact URI, run_id its source run, and it gets the mlflow.modelVersions tag', async () => {
    const name = await newModel()
    const logged = await newLoggedModel('clf', runId)
    // no run_id or model_id given: both are derived from the logged model
    const v = await newVersion(name, { source: `models:/${logged.model_id}`, run_id: undefined })
    expect(v).toMatchObject({ run_id: runId, model_id: logged.model_id, source: `models:/${logged.model_id}` })
    const uri = await call('GET', '/model-versions/get-download-uri', { name, version: v.version })
    expect(uri.json.artifact_uri).toBe(logged.artifact_uri)
    const model = await call('GET', `/logged-models/${logged.model_id}`)
    const tag = model.json.model.info.tags.find((t: { key: string }) => t.key === 'mlflow.modelVersions')
    // As MLflow's server writes it: the version as a number.
    expect(JSON.parse(tag.value)).toEqual([{ name, version: Number(v.version) }])
    // a second registration appends
    const v2 = await newVersion(name, { source: `models:/${logged.model_id}`, run_id: undefined })
    const again = await call('GET', `/logged-models/${logged.model_id}`)
    const tag2 = again.json.model.info.tags.find((t: { key: string }) => t.key === 'mlflow.modelVersions')
    expect(JSON.parse(tag2.value)).toEqual([
      { name, version: Number(v.version) },
      { name, version: Number(v2.version) },
    ])
  })

  it('runs:/<run>/<name> with a logged model of that name resolves to the logged model', async () => {
    const run = await call('POST', '/runs/create', { experiment_id: experimentId, start_time: Date.now() })
    const ownRun = run.json.run.info.run_id
    const logged = await newLoggedModel('my_model', ownRun)
    const name = await newModel()
    const v = await newVersion(name, { source: `runs:/${ownRun}/my_model`, run_id: ownRun })
    expect(v).toMatchObject({ run_id: ownRun, model_id: logged.model_id })
    const uri = await call('GET', '/model-versions/get-download-uri', { name, version: v.version })
    expect(uri.json.artifact_uri).toBe(logged.artifact_uri)
    // another path of the same run stays under the run's artifacts
    const other = await newVersion(name, { source: `runs:/${ownRun}/elsewhere`, run_id: ownRun })
    expect(other.model_id).toBeUndefined()
    expect(
      (await call('GET', '/model-versions/get-download-uri', { name, version: other.version })).json.artifact_uri,
    ).toBe(`${run.json.run.info.artifact_uri}/elsewhere`)
  })

  it('<run artifact_uri>/model with its run_id and models:/<name>/<version> are accepted', async () => {
    const name = await newModel()
    const run = await newRun()
    expect(run.artifact_uri).toMatch(/^mlflow-artifacts:\//)
    const source = `${run.artifact_uri}/model`
    const v = await newVersion(name, { source, run_id: run.run_id })
    expect(v).toMatchObject({ source, run_id: run.run_id })
    expect(
      (await call('GET', '/model-versions/get-download-uri', { name, version: v.version })).json.artifact_uri,
    ).toBe(source)
    // the run's artifact root itself is inside
    expect((await newVersion(name, { source: run.artifact_uri, run_id: run.run_id })).source).toBe(run.artifact_uri)
    const copy = await newVersion(name, { source: `models:/${name}/${v.version}`, run_id: undefined })
    expect(copy.run_id).toBe(run.run_id)
    expect(
      (await call('GET', '/model-versions/get-download-uri', { name, version: copy.version })).json.artifact_uri,
    ).toBe(source)
  })

  it('runs:/<X>/<path> needs run_id X: refused without run_id or with another run', async () => {
    const name = await newModel()
    const other = await newRun()
    const source = `runs:/${runId}/model`
    await expectError(
      call('POST', '/model-versions/create', { name, source }),
      400,
      'INVALID_PARAMETER_VALUE',
      /run_id/,
    )
    await expectError(
      call('POST', '/model-versions/create', { name, source, run_id: other.run_id }),
      400,
      'INVALID_PARAMETER_VALUE',
      /run_id/,
    )
    await expectError(
      call('POST', '/model-versions/create', { name, source, run_id: '' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    expect(
      (await call('GET', '/model-versions/search', { filter: `name = '${name}'` })).json.model_versions ?? [],
    ).toEqual([])
    // with its run it is accepted
    expect((await newVersion(name, { source, run_id: runId })).version).toBe('1')
  })

  it('an artifact-store source must lie inside the artifacts of the run_id or model_id given', async () => {
    const name = await newModel()
    const own = await newRun()
    const other = await newRun()
    const create = (body: Record<string, unknown>) => call('POST', '/model-versions/create', { name, ...body })
    const inOwn = `${own.artifact_uri}/model`
    // without a run_id or model_id: refused, even for a real run's artifacts
    await expectError(create({ source: inOwn }), 400, 'INVALID_PARAMETER_VALUE', /run_id|model_id/)
    // another run's artifacts, a made-up run folder, a sibling whose name starts like the run's
    await expectError(create({ source: inOwn, run_id: other.run_id }), 400, 'INVALID_PARAMETER_VALUE')
    await expectError(
      create({ source: `${other.artifact_uri}/model`, run_id: own.run_id }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    await expectError(
      create({ source: 'mlflow-artifacts:/0/x/artifacts/model', run_id: own.run_id }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    await expectError(
      create({ source: `${own.artifact_uri}x/model`, run_id: own.run_id }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    await expectError(
      create({ source: `${own.artifact_uri.replace(/\/artifacts$/, '')}/other/model`, run_id: own.run_id }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    // escaping the run's folder with .. is refused too
    await expectError(
      create({ source: `${own.artifact_uri}/../../${other.run_id}/artifacts/model`, run_id: own.run_id }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    // a run_id that does not exist owns nothing
    await expectError(
      create({ source: inOwn, run_id: '0123456789abcdef0123456789abcdef' }),
      400,
      'INVALID_PARAMETER_VALUE',
    )
    expect(
      (await call('GET', '/model-versions/search', { filter: `name = '${name}'` })).json.model_versions ?? [],
    ).toEqual([])

    // inside: accepted with the run, and with a logged model for its own files
    expect(await newVersion(name, { source: inOwn, run_id: own.run_id })).toMatchObject({
      version: '1',
      source: inOwn,
      run_id: own.run_id,
    })
    const logged = await newLoggedModel('owned')
    const inModel = `${logged.artifact_uri}/MLmodel`
    const byModel = await newVersion(name, { source: inModel, run_id: undefined, model_id: logged.model_id })
    expect(byModel).toMatchObject({ version: '2', source: inModel, model_id: logged.model_id })
    expect((await call('GET', '/model-versions/get-download-uri', { name, version: '2' })).json.artifact_uri).toBe(
      inModel,
    )
    // a logged model does not own a run's files, nor a run the logged model's
    await expectError(create({ source: inOwn, model_id: logged.model_id }), 400, 'INVALID_PARAMETER_VALUE')
    await expectError(create({ source: inModel, run_id: own.run_id }), 400, 'INVALID_PARAMETER_VALUE')
  })

  it('mlflow-artifacts://<host>/... is refused, whatever the host and even inside the run', async () => {
    const name = await newModel()
    const run = await newRun()
    const path = run.artifact_uri.slice('mlflow-artifacts:'.length).replace(/^\/+/, '')
    for (const host of ['host', 'localhost', new URL(server.url).host, '']) {
      await expectError(
        call('POST', '/model-versions/create', {
          name,
          source: `mlflow-artifacts://${host}/${path}/model`,
          run_id: run.run_id,
        }),
        400,
        'INVALID_PARAMETER_VALUE',
      )
    }
    // the same path without an authority is accepted
    expect((await newVersion(name, { source: `mlflow-artifacts:/${path}/model`, run_id: run.run_id })).version).toBe(
      '1',
    )
  })

  it('models:/<model_id> with a different model_id is refused; with the same or none, accepted', async () => {
    const name = await newModel()
    const logged = await newLoggedModel('one', runId)
    const other = await newLoggedModel('two', runId)
    const source = `models:/${logged.model_id}`
    await expectError(
      call('POST', '/model-versions/create', { name, source, model_id: other.model_id }),
      400,
      'INVALID_PARAMETER_VALUE',
      /model_id/,
    )
    expect(
      (await call('GET', '/model-versions/search', { filter: `name = '${name}'` })).json.model_versions ?? [],
    ).toEqual([])
    expect(await newVersion(name, { source, run_id: undefined, model_id: logged.model_id })).toMatchObject({
      version: '1',
      model_id: logged.model_id,
    })
    // without model_id it is derived from the source, with the logged model's run
    expect(await newVersion(name, { source, run_id: undefined })).toMatchObject({
      version: '2',
      model_id: logged.model_id,
      run_id: runId,
    })
  })
})

describe('source confinement with a local artifact root', () => {
  it('accepts file: sources and absolute paths inside the root only', async () => {
    const root = mkdtempSync(join(tmpdir(), 'keel-local-root-'))
    const local = await startKeelApp({ args: ['--default-artifact-root', root] })
    try {
      const at = (method: Method, path: string, body?: Record<string, unknown>) => api(local, method, path, body)
      const name = 'local-model'
      expect((await at('POST', '/registered-models/create', { name })).status).toBe(200)
      const exp = await at('POST', '/experiments/create', { name: 'local' })
      const newLocalRun = async (): Promise<{ run_id: string; artifact_uri: string }> =>
        (await at('POST', '/runs/create', { experiment_id: exp.json.experiment_id })).json.run.info
      const run = await newLocalRun()
      const other = await newLocalRun()
      expect(run.artifact_uri.startsWith(`${root}/`), run.artifact_uri).toBe(true)
      for (const source of [`file://${run.artifact_uri}/model`, `${run.artifact_uri}/model`]) {
        const ok = await at('POST', '/model-versions/create', { name, source, run_id: run.run_id })
        expect(ok.status, JSON.stringify(ok.json)).toBe(200)
        const uri = await at('GET', '/model-versions/get-download-uri', {
          name,
          version: ok.json.model_version.version,
        })
        expect(uri.json.artifact_uri).toBe(source)
        // inside the root but not given its run, or given another run: refused
        await expectError(at('POST', '/model-versions/create', { name, source }), 400, 'INVALID_PARAMETER_VALUE')
        await expectError(
          at('POST', '/model-versions/create', { name, source, run_id: other.run_id }),
          400,
          'INVALID_PARAMETER_VALUE',
        )
      }
      for (const source of [
        `file://${root}/0/run/artifacts/model`,
        `${root}/0/run/artifacts/model`,
        `${run.artifact_uri}-x/model`,
      ]) {
        await expectError(
          at('POST', '/model-versions/create', { name, source, run_id: run.run_id }),
          400,
          'INVALID_PARAMETER_VALUE',
        )
      }
      for (const source of [
        `file://${root}/../etc`,
        `${root}/../../etc/passwd`,
        `${root}-sibling/model`,
        `file://${root}/a/%252e%252e/%252e%252e/etc`,
        `${root}/a/%2e%2e/%2e%2e/etc`,
        `file://otherhost${root}/model`,
        'file:///etc/passwd',
        `file://${root}/a/..%2f..%2f..%2fetc`,
        `file://${run.artifact_uri}/../../../../etc`,
        `${run.artifact_uri}/../${other.run_id}/artifacts/model`,
      ]) {
        await expectError(at('POST', '/model-versions/create', { name, source }), 400, 'INVALID_PARAMETER_VALUE')
        await expectError(
          at('POST', '/model-versions/create', { name, source, run_id: run.run_id }),
          400,
          'INVALID_PARAMETER_VALUE',
        )
      }
      expect(
        (await at('GET', '/model-versions/search', { filter: `name = '${name}'` })).json.model_versions,
      ).toHaveLength(2)
    } finally {
      await local.close()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
