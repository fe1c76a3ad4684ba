/**
 * Conversion at registration (`keel server --convert-on-register onnx`), in-process: a version of a
 * registered model tagged keel.convert_to=onnx gets its ONNX twin as the next version, converted
 * and checked in the background by the venv's Python ($KEEL_PYTHON, read at start); its outcome is
 * the source version's tag keel.onnx_conversion. Models that did not opt in, and servers without
 * the flag, run nothing: the `pending` mark is set before create-model-version answers, so its
 * absence right after is the proof.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Keel, createKeel, logModelDirectory } from '@keel/sdk'
import { type ConvertModels, convertModels } from '../../sdk/test/models/support/convert-models.js'
import { type PythonModels, pythonModels, venvPython } from '../../sdk/test/models/support/python-models.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

const OUTCOME = 'keel.onnx_conversion'

let python: string
let sklearn: PythonModels
let models: ConvertModels
let server: InProcessKeel
let keel: Keel

beforeAll(async () => {
  python = await venvPython()
  ;[sklearn, models] = await Promise.all([pythonModels(), convertModels()])
  server = await startKeelApp({
    args: ['--convert-on-register', 'onnx', '--monitor-interval', '0'],
    env: { KEEL_PYTHON: python },
  })
  keel = createKeel({ trackingUri: server.url, fetch: server.fetch, lineage: false })
  await keel.setExperiment('convert-on-register')
}, 180_000)
afterAll(async () => {
  await server?.close()
})

/** Logs a model folder under a new run and registers it as a version of `name` (tagged `tags` when created). */
async function register(target: Keel, dir: string, name: string, tags: Record<string, string> = {}) {
  try {
    await target.registry.createRegisteredModel(name, { tags })
  } catch (error) {
    if ((error as { code?: string }).code !== 'RESOURCE_ALREADY_EXISTS') throw error
  }
  const { runId, modelId } = await target.withRun({}, async (run) => ({
    runId: run.runId,
    modelId: (
      await logModelDirectory(target.client, dir, { experimentId: run.experimentId, runId: run.runId, name: 'model' })
    ).modelId,
  }))
  const version = await target.registerModel(`models:/${modelId}`, name)
  return { runId, modelId, version: version.version }
}

const tagsOf = async (target: Keel, name: string, version: string) =>
  Object.fromEntries((await target.registry.getModelVersion(name, version)).tags.map((t) => [t.key, t.value]))

/** Polls the outcome tag until the conversion has ended. */
async function outcome(name: string, version: string, timeoutMs = 150_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = (await tagsOf(keel, name, version))[OUTCOME]
    if (value !== undefined && value !== 'pending') return value
    if (Date.now() > deadline) throw new Error(`${name} v${version}: still '${value}' after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('keel server --convert-on-register onnx', () => {
  it("registers the ONNX twin of an opted-in model's new version, checked on its input example", async () => {
    const source = await register(keel, sklearn.path('sklearn'), 'iris-auto', { 'keel.convert_to': 'onnx' })
    expect(source.version).toBe('1')
    expect(await outcome('iris-auto', '1')).toBe('registered as models:/iris-auto/2')

    const twin = await keel.registry.getModelVersion('iris-auto', 2)
    expect(twin).toMatchObject({ runId: source.runId })
    const tags = Object.fromEntries(twin.tags.map((t) => [t.key, t.value]))
    expect(tags).toMatchObject({
      'keel.converted_from': 'models:/iris-auto/1',
      'keel.conversion': 'onnx',
      'keel.conversion.rows_checked': '2',
    })
    expect(tags[OUTCOME]).toBeUndefined() // a conversion is not converted again
    expect(twin.description).toMatch(/^ONNX conversion of models:\/iris-auto\/1 \(sklearn RandomForestClassifier/)
    const events = (await keel.registry.searchRegistryEvents({ name: 'iris-auto', version: '2' })).items
    expect(events.map((e) => [e.kind, e.comment])).toContainEqual([
      'model_version_created',
      'ONNX conversion of models:/iris-auto/1 at registration (keel server --convert-on-register)',
    ])

    const onnx = await keel.loadModel('models:/iris-auto/2')
    try {
      const { columns, rows, labels } = sklearn.expected
      expect(onnx.flavor).toBe('onnx')
      expect(onnx.metadata).toMatchObject({ runId: source.runId, modelId: twin.modelId })
      expect(await onnx.predict(rows.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))))).toEqual(labels)
    } finally {
      await onnx.close()
    }
  }, 180_000)

  it('says why a version could not be converted: no input example to check it on', async () => {
    await register(keel, models.path('lightgbm'), 'lgbm-auto', { 'keel.convert_to': 'onnx' })
    expect(await outcome('lgbm-auto', '1')).toMatch(
      /^failed: Nothing to check the conversion of 'models:\/lgbm-auto\/1' on: the model has no input example/,
    )
    expect((await keel.registry.searchModelVersions({ filter: "name = 'lgbm-auto'" })).items).toHaveLength(1)
  }, 60_000)

  it('leaves models that did not opt in alone', async () => {
    await register(keel, models.path('xgboost'), 'xgb-plain')
    expect(await tagsOf(keel, 'xgb-plain', '1')).not.toHaveProperty(OUTCOME)
  })

  it('runs nothing on a server started without the flag, whatever the models ask', async () => {
    const plain = await startKeelApp({ args: ['--monitor-interval', '0'], env: { KEEL_PYTHON: python } })
    try {
      const client = createKeel({ trackingUri: plain.url, fetch: plain.fetch, lineage: false })
      await client.setExperiment('no-conversion')
      await register(client, models.path('xgboost'), 'xgb-asks', { 'keel.convert_to': 'onnx' })
      expect(await tagsOf(client, 'xgb-asks', '1')).not.toHaveProperty(OUTCOME)
    } finally {
      await plain.close()
    }
  })
})
