/** `keel server` flags: MLflow's names, and what each one changes. */
import { afterEach, describe, expect, it } from 'vitest'
import { api, startKeelServer, type KeelServer } from './support/keel-server.js'

const servers: KeelServer[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})
const start = async (...args: string[]) => {
  const server = await startKeelServer({ args })
  servers.push(server)
  return server
}

describe('keel server flags', () => {
  it('--log-format json writes one JSON line per request', async () => {
    const server = await start('--log-format', 'json')
    await api(server.url, 'GET', '/experiments/get', { experiment_id: '0' })
    await api(server.url, 'GET', '/runs/get', { run_id: 'nope' })
    await new Promise((r) => setTimeout(r, 300)) // the log is written asynchronously
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const requests = lines.filter((l) => l.msg === 'request')
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', path: '/api/2.0/mlflow/experiments/get', status: 200, level: 30 }),
        expect.objectContaining({ method: 'GET', path: '/api/2.0/mlflow/runs/get', status: 404 }),
      ]),
    )
    for (const r of requests) expect(typeof r.ms).toBe('number')
  })

  it('--default-artifact-root sets where new experiments put their artifacts', async () => {
    const server = await start('--default-artifact-root', 'mlflow-artifacts:/team-a')
    const created = await api(server.url, 'POST', '/experiments/create', { name: 'rooted' })
    const exp = await api(server.url, 'GET', '/experiments/get', { experiment_id: created.json.experiment_id })
    expect(exp.json.experiment.artifact_location).toBe(`mlflow-artifacts:/team-a/${created.json.experiment_id}`)
  })

  it('--no-serve-artifacts answers artifact routes with 503, as MLflow does', async () => {
    const server = await start('--no-serve-artifacts')
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=x`)
    expect(res.status).toBe(503)
  })

  it('--workers 2 serves from two processes over one SQLite store without losing writes', async () => {
    const server = await start('--workers', '2')
    const exp = await api(server.url, 'POST', '/experiments/create', { name: 'workers' })
    const run = await api(server.url, 'POST', '/runs/create', { experiment_id: exp.json.experiment_id })
    const runId = run.json.run.info.run_id as string
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        api(server.url, 'POST', '/runs/log-metric', { run_id: runId, key: 'm', value: i, timestamp: 1, step: i }),
      ),
    )
    expect(results.filter((r) => r.status !== 200)).toEqual([])
    const history = await api(server.url, 'GET', '/metrics/get-history', { run_id: runId, metric_key: 'm' })
    expect(history.json.metrics).toHaveLength(200)
  }, 60_000)

  it('answers /api/3.0/mlflow/server-info for the client telemetry probe', async () => {
    const server = await start()
    const res = await fetch(`${server.url}/api/3.0/mlflow/server-info`)
    expect(await res.json()).toEqual({ store_type: 'SqlStore', workspaces_enabled: false })
  })

  it('refuses an unsupported store URI with a clear message', async () => {
    await expect(startKeelServer({ args: ['--backend-store-uri', 'mysql://localhost/db'] })).rejects.toThrow(
      /Unsupported backend store URI scheme 'mysql'/,
    )
  })
})
