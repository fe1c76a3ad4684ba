/**
 * Concurrency and durability of the SQLite store behind a real server: 20 concurrent clients lose
 * nothing and see no "database is locked"; a SIGKILL mid-ingestion keeps every acknowledged write.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { api, startKeelServer, type KeelServer } from './support/keel-server.js'

const servers: KeelServer[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})

async function runIn(url: string, name: string): Promise<string> {
  const exp = await api(url, 'POST', '/experiments/create', { name })
  const run = await api(url, 'POST', '/runs/create', { experiment_id: exp.json.experiment_id })
  return run.json.run.info.run_id
}

describe('concurrency', () => {
  it('20 clients logging at once: no errors, nothing lost', async () => {
    const server = await startKeelServer()
    servers.push(server)
    const runId = await runIn(server.url, 'concurrent')
    const clients = 20
    const batches = 10
    const perBatch = 50
    const failures: string[] = []
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let b = 0; b < batches; b++) {
          const metrics = Array.from({ length: perBatch }, (_, i) => ({
            key: `client${c}`,
            value: b * perBatch + i,
            timestamp: 1,
            step: b * perBatch + i,
          }))
          const res = await api(server.url, 'POST', '/runs/log-batch', { run_id: runId, metrics })
          if (res.status !== 200) failures.push(JSON.stringify(res.json))
          const single = await api(server.url, 'POST', '/runs/log-metric', {
            run_id: runId,
            key: `single${c}`,
            value: b,
            timestamp: 1,
            step: b,
          })
          if (single.status !== 200) failures.push(JSON.stringify(single.json))
        }
      }),
    )
    expect(failures).toEqual([])
    expect(server.output()).not.toMatch(/database is locked/i)
    for (let c = 0; c < clients; c++) {
      const history = await api(server.url, 'GET', '/metrics/get-history', { run_id: runId, metric_key: `client${c}` })
      expect(history.json.metrics).toHaveLength(batches * perBatch)
      const singles = await api(server.url, 'GET', '/metrics/get-history', { run_id: runId, metric_key: `single${c}` })
      expect(singles.json.metrics).toHaveLength(batches)
    }
  }, 120_000)
})

describe('durability', () => {
  it('keeps every acknowledged write when killed with SIGKILL during ingestion', async () => {
    const first = await startKeelServer()
    const runId = await runIn(first.url, 'crash')
    const acknowledged: number[] = []
    let stop = false
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const step = w * 1_000_000 + i
        try {
          const res = await api(first.url, 'POST', '/runs/log-metric', {
            run_id: runId,
            key: 'm',
            value: step,
            timestamp: 1,
            step,
          })
          if (res.status === 200) acknowledged.push(step)
        } catch {
          return // the server died mid-request: that write was never acknowledged
        }
      }
    })
    // Kill once a few hundred writes were acknowledged (bounded in time on a loaded machine).
    const deadline = Date.now() + 30_000
    while (acknowledged.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await first.stop('SIGKILL')
    stop = true
    await Promise.all(writers)
    expect(acknowledged.length).toBeGreaterThan(100)

    const second = await startKeelServer({ dataDir: first.dataDir })
    servers.push(second, first)
    const history = await api(second.url, 'GET', '/metrics/get-history', { run_id: runId, metric_key: 'm' })
    const stored = new Set<number>(history.json.metrics.map((m: { step: number }) => m.step))
    const lost = acknowledged.filter((s) => !stored.has(s))
    expect(lost).toEqual([])
  }, 120_000)
})

describe('registry durability', () => {
  it('keeps an acknowledged stage transition and alias move when killed with SIGKILL', async () => {
    const first = await startKeelServer()
    const runId = await runIn(first.url, 'registry-crash')
    const name = 'crash-model'
    await api(first.url, 'POST', '/registered-models/create', { name })
    for (let i = 0; i < 2; i++) {
      const created = await api(first.url, 'POST', '/model-versions/create', {
        name,
        source: `runs:/${runId}/model`,
        run_id: runId,
      })
      expect(created.status, JSON.stringify(created.json)).toBe(200)
    }
    await api(first.url, 'POST', '/model-versions/transition-stage', {
      name,
      version: '1',
      stage: 'Production',
      archive_existing_versions: false,
    })
    await api(first.url, 'POST', '/registered-models/alias', { name, alias: 'champion', version: '1' })
    // the writes under test: acknowledged, then the process dies at once
    const moved = await api(first.url, 'POST', '/registered-models/alias', { name, alias: 'champion', version: '2' })
    const promoted = await api(first.url, 'POST', '/model-versions/transition-stage', {
      name,
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
    })
    expect([moved.status, promoted.status]).toEqual([200, 200])
    await first.stop('SIGKILL')

    const second = await startKeelServer({ dataDir: first.dataDir })
    servers.push(second, first)
    const byAlias = await api(second.url, 'GET', '/registered-models/alias', { name, alias: 'champion' })
    expect(byAlias.json.model_version).toMatchObject({ version: '2', current_stage: 'Production' })
    const v1 = await api(second.url, 'GET', '/model-versions/get', { name, version: '1' })
    expect(v1.json.model_version.current_stage).toBe('Archived')
    const events = await fetch(`${second.url}/api/2.0/keel/registry/events?name=${name}&max_results=3`)
    const trail = ((await events.json()) as { events: { kind: string; version: string; to: string }[] }).events
    expect(trail.map((e) => [e.kind, e.version, e.to])).toEqual([
      ['stage_transition', '1', 'Archived'],
      ['stage_transition', '2', 'Production'],
      ['alias_set', '2', '2'],
    ])
  }, 60_000)
})
