/**
 * `keel server` flags, MLflow's names, and what each one changes over HTTP, in-process (the
 * command line parsed by the CLI's own parser). Flags whose effect is the process's own (log
 * format, workers, a refused start) are in server-options.e2e.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'

const servers: InProcessKeel[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})
const start = async (...args: string[]) => {
  const server = await startKeelApp({ args })
  servers.push(server)
  return server
}

describe('keel server flags', () => {
  it('--default-artifact-root sets where new experiments put their artifacts', async () => {
    const server = await start('--default-artifact-root', 'mlflow-artifacts:/team-a')
    const created = await api(server, 'POST', '/experiments/create', { name: 'rooted' })
    const exp = await api(server, 'GET', '/experiments/get', { experiment_id: created.json.experiment_id })
    expect(exp.json.experiment.artifact_location).toBe(`mlflow-artifacts:/team-a/${created.json.experiment_id}`)
  })

  it('--no-serve-artifacts answers artifact routes with 503, as MLflow does', async () => {
    const server = await start('--no-serve-artifacts')
    const res = await server.fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=x`)
    expect(res.status).toBe(503)
    // and /get-artifact, which reads a run's files from the same store
    const created = await api(server, 'POST', '/experiments/create', { name: 'unserved' })
    const run = await api(server, 'POST', '/runs/create', { experiment_id: created.json.experiment_id })
    const file = await server.fetch(`${server.url}/get-artifact?run_uuid=${run.json.run.info.run_id}&path=x.txt`)
    expect(file.status).toBe(503)
  })

  it('answers /api/3.0/mlflow/server-info for the client telemetry probe', async () => {
    const server = await start()
    const res = await server.fetch(`${server.url}/api/3.0/mlflow/server-info`)
    // A local artifact folder: no direct multipart transfers to advertise (MLflow's answer for one).
    expect(await res.json()).toEqual({
      store_type: 'SqlStore',
      workspaces_enabled: false,
      multipart_uploads_enabled: false,
      multipart_downloads_enabled: false,
    })
  })
})
