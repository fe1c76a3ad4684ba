import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { KeelError, type LoggedModel, type Run } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { parseModelUri, resolveModelUri, type ResolveContext } from '../../src/models/model-uri.js'
import type { ModelRegistry, ModelVersionRef } from '../../src/models/registry.js'
import type { TrackingClient } from '../../src/tracking-client.js'
import { errorOf, rejection } from './support/keel-errors.js'

describe('parseModelUri', () => {
  it.each([
    ['models:/iris/3', { kind: 'version', name: 'iris', version: '3' }],
    ['models:/iris/003', { kind: 'version', name: 'iris', version: '3' }],
    ['models:/iris@champion', { kind: 'alias', name: 'iris', alias: 'champion' }],
    ['models:/iris-classifier/latest', { kind: 'latest', name: 'iris-classifier' }],
    ['models:/iris/Latest', { kind: 'latest', name: 'iris' }],
    ['models:/iris/Production', { kind: 'stage', name: 'iris', stage: 'Production' }],
    ['models:/iris/staging', { kind: 'stage', name: 'iris', stage: 'Staging' }],
    ['models:/m-0123abcd', { kind: 'logged-model', modelId: 'm-0123abcd' }],
    ['runs:/abc123/model', { kind: 'run', runId: 'abc123', path: 'model' }],
    ['runs:/abc123/models/rf/', { kind: 'run', runId: 'abc123', path: 'models/rf' }],
    ['runs:/abc123', { kind: 'run', runId: 'abc123', path: '' }],
    [
      'mlflow-artifacts:/1/models/m-1/artifacts',
      { kind: 'artifacts', artifactUri: 'mlflow-artifacts:/1/models/m-1/artifacts' },
    ],
    ['/tmp/model', { kind: 'local', path: '/tmp/model' }],
    ['file:///tmp/model', { kind: 'local', path: '/tmp/model' }],
    ['./model', { kind: 'local', path: resolve('model') }],
  ])('%s', (uri, parsed) => {
    expect(parseModelUri(uri)).toEqual(parsed)
  })

  it.each([
    ['', 'A model URI is required'],
    ['models:iris/1', "models: URIs are 'models:/…'"],
    ['models://host/iris/1', 'no host'],
    ['models:/iris/1/extra', 'too many path segments'],
    ['models:/iris//1', 'empty path segment'],
    ['models:/iris/champion', "'champion' is not a version number, 'latest', or a stage"],
    ['models:/@alias', 'models:/<name>@<alias>'],
    ['models:/iris@', 'models:/<name>@<alias>'],
    ['models:/iris@a/1', 'with nothing after it'],
    ['runs:/', 'runs:/<run_id>/<path>'],
    ['runs://abc/model', 'runs:/<run_id>/<path>'],
    ['runs:/abc/../other', "'..'"],
    ['s3://bucket/model', "keel does not read 's3:' URIs"],
  ])('refuses %j', (uri, message) => {
    const error = errorOf(() => parseModelUri(uri))
    expect(error.code).toBe('INVALID_PARAMETER_VALUE')
    expect(error.message).toContain(message)
    if (uri !== '') expect(error.message).toContain(`'${uri}'`)
  })
})

// ---- resolution, against fakes of the tracking client and the registry ----

const version = (v: string, extra: Partial<ModelVersionRef> = {}): ModelVersionRef => ({
  name: 'iris',
  version: v,
  source: `models:/m-v${v}`,
  ...extra,
})

function fakeRegistry(
  versions: ModelVersionRef[],
  aliases: Record<string, string> = {},
): ModelRegistry & { calls: string[] } {
  const calls: string[] = []
  const find = (v: string) => {
    const found = versions.find((mv) => mv.version === v)
    if (found === undefined) throw KeelError.notFound(`Model Version (name=iris, version=${v}) not found`)
    return found
  }
  return {
    calls,
    async getModelVersion(name, v) {
      calls.push(`get ${name} ${v}`)
      return find(String(v))
    },
    async getModelVersionByAlias(name, alias) {
      calls.push(`alias ${name} ${alias}`)
      const v = aliases[alias]
      if (v === undefined) throw KeelError.notFound(`Registered model alias ${alias} not found.`)
      return find(v)
    },
    async getLatestVersions(name, stages) {
      calls.push(`latest ${name} ${stages?.join(',') ?? '*'}`)
      return versions.filter((mv) => stages === undefined || stages.includes(mv.currentStage ?? 'None'))
    },
    async getModelVersionDownloadUri(name, v) {
      calls.push(`download ${name} ${v}`)
      return `mlflow-artifacts:/download/${name}/${v}`
    },
    createRegisteredModel: async () => ({}),
    createModelVersion: async () => version('1'),
  }
}

function loggedModel(modelId: string, extra: Partial<LoggedModel['info']> = {}): LoggedModel {
  return {
    info: {
      modelId,
      experimentId: '1',
      name: 'model',
      artifactUri: `mlflow-artifacts:/1/models/${modelId}/artifacts`,
      creationTimestampMs: 1,
      lastUpdatedTimestampMs: 1,
      status: 'LOGGED_MODEL_READY',
      sourceRunId: 'run1',
      tags: [],
      registrations: [],
      ...extra,
    },
    data: { params: [], metrics: [] },
  }
}

function fakeClient(
  options: { runArtifacts?: string; outputs?: { modelId: string; step: number }[]; logged?: LoggedModel[] } = {},
): {
  client: TrackingClient
  filters: string[]
} {
  const filters: string[] = []
  const run: Run = {
    info: {
      runId: 'run1',
      runUuid: 'run1',
      runName: 'r',
      experimentId: '1',
      userId: 'u',
      status: 'FINISHED',
      startTime: 1,
      artifactUri: options.runArtifacts ?? '/nonexistent',
      lifecycleStage: 'active',
    } as Run['info'],
    data: { metrics: [], params: [], tags: [] },
    inputs: { datasetInputs: [], modelInputs: [] },
    outputs: { modelOutputs: options.outputs ?? [] },
  }
  const client = {
    http: { baseUrl: 'http://127.0.0.1:1' },
    async getRun(runId: string) {
      if (runId !== 'run1') throw KeelError.notFound(`Run with id=${runId} not found`)
      return run
    },
    async getLoggedModel(modelId: string) {
      const found = (options.logged ?? []).find((m) => m.info.modelId === modelId)
      return found ?? loggedModel(modelId)
    },
    async searchLoggedModels(search: { filter?: string }) {
      filters.push(search.filter ?? '')
      return { items: options.logged ?? [] }
    },
  } as unknown as TrackingClient
  return { client, filters }
}

const context = (client: TrackingClient, registry?: ModelRegistry): ResolveContext => ({
  client: () => client,
  ...(registry !== undefined && { registry: () => registry }),
})

describe('resolveModelUri', () => {
  it('a version registered from a logged model resolves to its artifact location', async () => {
    const registry = fakeRegistry([version('1'), version('2', { runId: 'run1' })])
    const resolved = await resolveModelUri('models:/iris/2', context(fakeClient().client, registry))
    expect(resolved).toMatchObject({
      artifactUri: 'mlflow-artifacts:/1/models/m-v2/artifacts',
      path: '',
      modelId: 'm-v2',
      runId: 'run1',
    })
    expect(resolved.modelVersion?.version).toBe('2')
  })

  it('latest is the highest version number; a stage, the highest in that stage; an alias, its version', async () => {
    const registry = fakeRegistry(
      [version('2', { currentStage: 'Production' }), version('10', { currentStage: 'Staging' }), version('9')],
      { champion: '9' },
    )
    const { client } = fakeClient()
    expect((await resolveModelUri('models:/iris/latest', context(client, registry))).modelVersion?.version).toBe('10')
    expect((await resolveModelUri('models:/iris/production', context(client, registry))).modelVersion?.version).toBe(
      '2',
    )
    expect((await resolveModelUri('models:/iris@champion', context(client, registry))).modelId).toBe('m-v9')
    expect(registry.calls).toEqual(['latest iris *', 'latest iris Production', 'alias iris champion'])
  })

  it('a version registered from an artifact location resolves through its download URI', async () => {
    const registry = fakeRegistry([version('4', { source: 's3://bucket/model' })])
    expect(await resolveModelUri('models:/iris/4', context(fakeClient().client, registry))).toMatchObject({
      artifactUri: 'mlflow-artifacts:/download/iris/4',
      path: '',
    })
  })

  it('names the URI in registry errors, keeping their code', async () => {
    const registry = fakeRegistry([version('1')])
    const { client } = fakeClient()
    const missing = await rejection(resolveModelUri('models:/iris/7', context(client, registry)))
    expect(missing.code).toBe('RESOURCE_DOES_NOT_EXIST')
    expect(missing.message).toBe("Cannot load model 'models:/iris/7': Model Version (name=iris, version=7) not found")
    const noStage = await rejection(resolveModelUri('models:/iris/Archived', context(client, registry)))
    expect(noStage.message).toContain("Registered model 'iris' has no versions in stage 'Archived'")
    const noRegistry = await rejection(resolveModelUri('models:/iris/1', context(client)))
    expect(noRegistry.code).toBe('INVALID_STATE')
  })

  it('runs:/ finds an MLmodel in the run artifacts first', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'keel-run-art-'))
    mkdirSync(join(artifacts, 'model'))
    writeFileSync(join(artifacts, 'model', 'MLmodel'), 'flavors: {keel: {}}\n')
    const { client, filters } = fakeClient({ runArtifacts: artifacts })
    expect(await resolveModelUri('runs:/run1/model', context(client))).toEqual({
      artifactUri: artifacts,
      path: 'model',
      runId: 'run1',
    })
    expect(filters).toEqual([])
  })

  it("runs:/ otherwise takes the run's logged model of that name with the highest step", async () => {
    const logged = [loggedModel('m-a'), loggedModel('m-b'), loggedModel('m-c')]
    const { client, filters } = fakeClient({
      runArtifacts: mkdtempSync(join(tmpdir(), 'keel-run-art-')),
      logged,
      outputs: [
        { modelId: 'm-a', step: 1 },
        { modelId: 'm-b', step: 5 },
        { modelId: 'm-c', step: 3 },
      ],
    })
    expect(await resolveModelUri('runs:/run1/model', context(client))).toEqual({
      artifactUri: 'mlflow-artifacts:/1/models/m-b/artifacts',
      path: '',
      modelId: 'm-b',
      runId: 'run1',
    })
    expect(filters).toEqual(["source_run_id = 'run1' AND name = 'model'"])
  })

  it('runs:/ without a model says what it looked for', async () => {
    const { client } = fakeClient({ runArtifacts: mkdtempSync(join(tmpdir(), 'keel-run-art-')) })
    const error = await rejection(resolveModelUri('runs:/run1/model', context(client)))
    expect(error.code).toBe('RESOURCE_DOES_NOT_EXIST')
    expect(error.message).toBe(
      "Cannot load model 'runs:/run1/model': Run run1 has no artifact 'model/MLmodel' and no logged model named 'model'",
    )
  })

  it('models:/<model_id> and local paths', async () => {
    const { client } = fakeClient()
    expect(await resolveModelUri('models:/m-xyz', context(client))).toMatchObject({
      artifactUri: 'mlflow-artifacts:/1/models/m-xyz/artifacts',
      modelId: 'm-xyz',
    })
    expect(await resolveModelUri(pathToFileURL('/tmp/m').href, context(client))).toEqual({ localDir: '/tmp/m' })
  })
})
