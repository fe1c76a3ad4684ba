import { type LoadedModel, type MLmodel, type ModelInput } from '@keel/sdk'
import { describe, expect, it } from 'vitest'
import { Deployment } from './deployment.js'
import { DEFAULTS, type DeploymentSpec } from './deployment-spec.js'
import { ServingMetrics } from './serving-metrics.js'
import { type ModelSource } from './variant.js'

/** A model that predicts 1 per row. */
function model(uri: string): LoadedModel {
  return {
    uri,
    flavor: 'keel',
    inputSchema: [{ name: 'x', type: 'double', required: true }],
    metadata: { flavors: {} } satisfies MLmodel,
    predict: async (input: ModelInput) => {
      return (input as readonly unknown[]).map(() => 1)
    },
    close: async () => {},
  }
}

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
