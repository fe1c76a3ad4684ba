import { KeelError, type PredictionRecord } from '@keel/contracts'
import type { LoadedModel, MLmodel, ModelInput } from '@keel/sdk'
import { describe, expect, it } from 'vitest'
import { Deployment, type RequestContext } from './deployment.js'
import { DEFAULTS, type DeploymentSpec } from './deployment-spec.js'
import { PredictionLog } from './prediction-log.js'
import { ServingMetrics } from './serving-metrics.js'
import type { ModelSource } from './variant.js'

/** A model that predicts 1 per row, or fails with `failure`. */
function model(uri: string, failure?: unknown): LoadedModel {
  return {
    uri,
    flavor: 'keel',
    inputSchema: [{ name: 'x', type: 'double', required: true }],
    metadata: { flavors: {} } satisfies MLmodel,
    predict: async (input: ModelInput) => {
      if (failure !== undefined) throw failure
      return (input as readonly unknown[]).map(() => 1)
    },
    close: async () => {},
  }
}

/** A deployment of a live variant and a shadow that fails with `failure`; the records it logs. */
async function withFailingShadow(failure: unknown) {
  const source: ModelSource = {
    resolveVersion: () => Promise.reject(new Error('no registry here')),
    load: async (uri) => model(uri, uri === 'file:///shadow' ? failure : undefined),
  }
  const spec: DeploymentSpec = {
    ...DEFAULTS,
    name: 'd',
    variants: [
      { name: 'live', modelUri: 'file:///live', weight: 1, shadow: false },
      { name: 'shadow', modelUri: 'file:///shadow', weight: 0, shadow: true },
    ],
    predictionLog: { ...DEFAULTS.predictionLog, flushMs: 60_000 },
  }
  const written: PredictionRecord[] = []
  const metrics = new ServingMetrics('d')
  const log = new PredictionLog(
    { logBatch: async (records) => written.push(...records) },
    spec.predictionLog,
    metrics,
    () => {},
  )
  let shadowFailed!: () => void
  const failed = new Promise<void>((resolve) => (shadowFailed = resolve))
  const deployment = new Deployment(spec, source, metrics, log, {
    switched: () => {},
    refreshFailed: () => {},
    shadowFailed: () => shadowFailed(),
  })
  await deployment.start()
  const ctx: RequestContext = { requestId: 'r1', protocol: 'mlflow', started: performance.now(), proba: false }
  await deployment.run(deployment.live[0]!, [[1]], 1, ctx)
  await failed
  await deployment.close()
  return written
}

describe('a shadow that fails', () => {
  it("is logged with the status its error maps to: a model's own failure is 500, not 400", async () => {
    const written = await withFailingShadow(new Error('the model broke'))
    expect(written.map((r) => [r.variant, r.shadow, r.statusCode])).toEqual([
      ['live', false, 200],
      ['shadow', true, 500],
    ])
    expect(written[1]!.error).toBe('the model broke')
  })

  it('is logged 503 when the server is unavailable, and 400 when the input is what it refused', async () => {
    const unavailable = await withFailingShadow(new KeelError('TEMPORARILY_UNAVAILABLE', 'loading'))
    expect(unavailable.find((r) => r.shadow)?.statusCode).toBe(503)
    const refused = await withFailingShadow(KeelError.invalid("Missing column 'x'"))
    expect(refused.find((r) => r.shadow)?.statusCode).toBe(400)
  })
})

describe('a closed variant', () => {
  it('refuses a request with TEMPORARILY_UNAVAILABLE (503), not the closed model’s INVALID_STATE (500)', async () => {
    const source: ModelSource = {
      resolveVersion: () => Promise.reject(new Error('no registry here')),
      load: async (uri) => model(uri),
    }
    const spec: DeploymentSpec = {
      ...DEFAULTS,
      name: 'd',
      variants: [{ name: 'live', modelUri: 'file:///live', weight: 1, shadow: false }],
    }
    const deployment = new Deployment(spec, source, new ServingMetrics('d'), undefined, {
      switched: () => {},
      refreshFailed: () => {},
      shadowFailed: () => {},
    })
    await deployment.start()
    await deployment.close()
    await expect(deployment.live[0]!.predict([[1]], 1, false)).rejects.toMatchObject({
      code: 'TEMPORARILY_UNAVAILABLE',
    })
  })
})
