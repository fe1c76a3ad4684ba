/**
 * The registry under `keel server --workers 4`, a real process whose workers are separate
 * processes sharing one SQLite store: concurrent registrations of one logged model, spread over the
 * workers, all get a version and all land in its mlflow.modelVersions tag. The process is the point
 * (in-process there is one worker), so this stays on the built CLI; the registry API itself is tested
 * in-process in registry-api.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { api, startKeelServer } from './support/keel-server.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

describe('registry under several worker processes', () => {
  it('concurrent registrations of one logged model all land in its mlflow.modelVersions tag', async () => {
    const multi = await startKeelServer({ args: ['--workers', '4'] })
    try {
      const at = (method: Method, path: string, body?: Record<string, unknown>) => api(multi.url, method, path, body)
      const exp = await at('POST', '/experiments/create', { name: 'workers' })
      const run = await at('POST', '/runs/create', { experiment_id: exp.json.experiment_id })
      const logged = await at('POST', '/logged-models', {
        experiment_id: exp.json.experiment_id,
        name: 'shared',
        source_run_id: run.json.run.info.run_id,
      })
      const modelId: string = logged.json.model.info.model_id
      const name = 'shared-model'
      await at('POST', '/registered-models/create', { name })
      const created = await Promise.all(
        Array.from({ length: 40 }, () => at('POST', '/model-versions/create', { name, source: `models:/${modelId}` })),
      )
      expect(created.map((r) => r.status)).toEqual(Array(40).fill(200))
      expect(created.map((r) => Number(r.json.model_version.version)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      )
      const model = await at('GET', `/logged-models/${modelId}`)
      const tag = model.json.model.info.tags.find((t: { key: string }) => t.key === 'mlflow.modelVersions')
      const listed = (JSON.parse(tag.value) as { version: number }[]).map((r) => r.version).sort((a, b) => a - b)
      expect(listed).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    } finally {
      await multi.close()
    }
  }, 60_000)
})
