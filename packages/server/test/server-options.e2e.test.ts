/**
 * `keel server` flags whose effect is the process's own (the built CLI): its request log's format,
 * its worker processes, and refusing to start. What the other flags change over HTTP is tested
 * in-process (server-options.test.ts).
 */
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
    const requests = () =>
      server
        .output()
        .split('\n')
        .slice(0, -1) // complete lines only
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request')
    // The log is written asynchronously: poll (briefly between looks) until both lines are out.
    const deadline = Date.now() + 10_000
    while (requests().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(requests()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', path: '/api/2.0/mlflow/experiments/get', status: 200, level: 30 }),
        expect.objectContaining({ method: 'GET', path: '/api/2.0/mlflow/runs/get', status: 404 }),
      ]),
    )
    for (const r of requests()) expect(typeof r.ms).toBe('number')
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

  it('refuses an unsupported store URI with a clear message', async () => {
    await expect(startKeelServer({ args: ['--backend-store-uri', 'mysql://localhost/db'] })).rejects.toThrow(
      /Unsupported backend store URI scheme 'mysql'/,
    )
  })
})
