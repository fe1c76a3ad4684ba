import { afterEach, describe, expect, it } from 'vitest'
import { serverConfigFromArgs } from './server-command.js'

const VARS = [
  'MLFLOW_BACKEND_STORE_URI',
  'MLFLOW_ARTIFACTS_DESTINATION',
  'MLFLOW_DEFAULT_ARTIFACT_ROOT',
  'KEEL_QUEUE_URI',
]
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]))
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v]
    else process.env[v] = saved[v]
  }
})

describe("keel server reads its stores from MLflow's variables (a container's Secret, not its command line)", () => {
  it('takes the store, artifact and queue URIs from the environment', async () => {
    process.env.MLFLOW_BACKEND_STORE_URI = 'postgresql://keel:secret@db:5432/keel'
    process.env.MLFLOW_ARTIFACTS_DESTINATION = 's3://bucket/artifacts'
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = 's3://bucket/root'
    process.env.KEEL_QUEUE_URI = 'redis://redis:6379/0'
    const config = await serverConfigFromArgs([])
    expect(config).toMatchObject({
      backendStoreUri: 'postgresql://keel:secret@db:5432/keel',
      defaultArtifactRoot: 's3://bucket/root',
      queue: 'redis://redis:6379/0',
    })
    expect(JSON.stringify(config)).toContain('s3://bucket/artifacts')
  })

  it('lets a flag win over the variable, and falls back to the defaults without either', async () => {
    process.env.MLFLOW_BACKEND_STORE_URI = 'postgresql://keel:secret@db:5432/keel'
    const flagged = await serverConfigFromArgs(['--backend-store-uri', 'sqlite:///other.db'])
    expect(flagged.backendStoreUri).toBe('sqlite:///other.db')
    delete process.env.MLFLOW_BACKEND_STORE_URI
    const plain = await serverConfigFromArgs([])
    expect(plain.backendStoreUri).toMatch(/^sqlite:\/\/\//)
  })
})
