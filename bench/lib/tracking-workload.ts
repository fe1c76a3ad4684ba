/**
 * The tracking workload, as raw MLflow REST calls, run identically against keel and MLflow:
 * log-batch ingestion, single log-metric round trips, and search_runs over a seeded experiment.
 */
import { createRng } from '@keel/ml'
import type { Client } from './http.js'
import { summarize, type Summary } from './stats.js'
import { Progress } from './table.js'

const API = '/api/2.0/mlflow'

export interface IngestResult {
  readonly clients: number
  readonly requests: number
  readonly metricsPerRequest: number
  readonly seconds: number
  readonly metricsPerSecond: number
  readonly latencyMs: Summary
}

export interface RoundTripResult {
  readonly warmup: number
  readonly latencyMs: Summary
  /** GET /health on the same connection: the transport + machine floor under log-metric. */
  readonly healthMs: Summary
}

export interface SearchResult {
  readonly runs: number
  readonly seedSeconds: number
  readonly matching: number
  readonly returned: number
  readonly warmup: number
  readonly latencyMs: Summary
}

export async function createExperiment(c: Client, name: string): Promise<string> {
  const r = await c.post<{ experiment_id: string }>(`${API}/experiments/create`, { name })
  return r.body.experiment_id
}

export async function createRun(c: Client, experimentId: string, runName?: string): Promise<string> {
  const body = { experiment_id: experimentId, start_time: Date.now(), ...(runName ? { run_name: runName } : {}) }
  const r = await c.post<{ run: { info: { run_id: string } } }>(`${API}/runs/create`, body)
  return r.body.run.info.run_id
}

/** Runs `count` tasks with at most `inFlight` running at once. */
async function pool(count: number, inFlight: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker))
}

function batchBody(runId: string, batch: number, size: number): string {
  const ts = Date.now()
  const metrics = Array.from({ length: size }, (_, i) => ({
    key: 'train_loss',
    value: 1 / (batch * size + i + 1),
    timestamp: ts,
    step: batch * size + i,
  }))
  return JSON.stringify({ run_id: runId, metrics })
}

/** `requests` log-batch calls of `size` metrics (distinct steps) from `clients` concurrent clients. */
export async function ingest(
  c: Client,
  experimentId: string,
  requests: number,
  clients: number,
  size = 1000,
): Promise<IngestResult> {
  const runId = await createRun(c, experimentId, 'ingest')
  const warmup = clients
  // Bodies are serialised up front so client-side JSON work stays out of the measurement.
  const bodies = Array.from({ length: warmup + requests }, (_, b) => batchBody(runId, b, size))
  await pool(warmup, clients, async (i) => void (await c.send('POST', `${API}/runs/log-batch`, bodies[i])))
  const latencies: number[] = []
  const progress = new Progress('log-batch', requests)
  const started = performance.now()
  await pool(requests, clients, async (i) => {
    const r = await c.send('POST', `${API}/runs/log-batch`, bodies[warmup + i])
    latencies.push(r.ms)
    progress.tick()
  })
  const seconds = (performance.now() - started) / 1000
  progress.finish()
  return {
    clients,
    requests,
    metricsPerRequest: size,
    seconds,
    metricsPerSecond: (requests * size) / seconds,
    latencyMs: summarize(latencies),
  }
}

/** Sequential log-metric calls on one keep-alive connection, after `warmup` untimed ones. */
export async function logMetricRoundTrips(
  c: Client,
  experimentId: string,
  count: number,
  warmup: number,
): Promise<RoundTripResult> {
  const runId = await createRun(c, experimentId, 'round-trip')
  const body = (step: number): string =>
    JSON.stringify({ run_id: runId, key: 'rt', value: step * 0.5, timestamp: Date.now(), step })
  for (let i = 0; i < warmup; i++) await c.send('POST', `${API}/runs/log-metric`, body(i))
  const latencies: number[] = []
  for (let i = 0; i < count; i++) {
    const payload = body(warmup + i)
    latencies.push((await c.send('POST', `${API}/runs/log-metric`, payload)).ms)
  }
  const health: number[] = []
  for (let i = 0; i < Math.min(count, 500); i++) health.push((await c.send('GET', '/health')).ms)
  return { warmup, latencyMs: summarize(latencies), healthMs: summarize(health) }
}

interface SeedRun {
  readonly alpha: string
  readonly depth: string
  readonly team: string
  readonly accuracy: number
  readonly loss: number
}

export const SEARCH_FILTER = "metrics.accuracy > 0.5 and params.depth = '5'"
export const SEARCH_ORDER = ['metrics.loss ASC']
const SEARCH_MAX = 100

function seedData(runs: number): SeedRun[] {
  const r = createRng(42) // seeded, so both servers get the same data
  return Array.from({ length: runs }, () => ({
    alpha: (Math.floor(r() * 100) / 100).toFixed(2),
    depth: String(1 + Math.floor(r() * 10)),
    team: ['vision', 'nlp', 'tabular', 'speech'][Math.floor(r() * 4)] ?? 'vision',
    accuracy: r(),
    loss: r() * 5,
  }))
}

/**
 * Seeds one experiment with `runs` runs (create run + one log-batch each, `inFlight` at once), then
 * times the search sequentially. Checks the answer against the seeded data so that both servers
 * are known to do the same work.
 */
export async function searchRuns(
  c: Client,
  runs: number,
  inFlight: number,
  count: number,
  warmup: number,
): Promise<SearchResult> {
  const experimentId = await createExperiment(c, 'bench-search')
  const data = seedData(runs)
  const progress = new Progress(`seeding ${runs} runs`, runs)
  const seedStart = performance.now()
  const ts = Date.now()
  await pool(runs, inFlight, async (i) => {
    const d = data[i]!
    const runId = await createRun(c, experimentId, `seed-${i}`)
    await c.post(`${API}/runs/log-batch`, {
      run_id: runId,
      params: [
        { key: 'alpha', value: d.alpha },
        { key: 'depth', value: d.depth },
      ],
      tags: [{ key: 'team', value: d.team }],
      metrics: [
        { key: 'accuracy', value: d.accuracy, timestamp: ts, step: 0 },
        { key: 'loss', value: d.loss, timestamp: ts, step: 0 },
      ],
    })
    progress.tick()
  })
  const seedSeconds = (performance.now() - seedStart) / 1000
  progress.finish()

  const matches = data
    .filter((d) => d.accuracy > 0.5 && d.depth === '5')
    .map((d) => d.loss)
    .sort((a, b) => a - b)
  const payload = JSON.stringify({
    experiment_ids: [experimentId],
    filter: SEARCH_FILTER,
    order_by: SEARCH_ORDER,
    max_results: SEARCH_MAX,
  })
  type Found = { runs?: { data: { metrics?: { key: string; value: number }[] } }[] }
  const check = (raw: string): number => {
    const found = (JSON.parse(raw) as Found).runs ?? []
    const expected = Math.min(SEARCH_MAX, matches.length)
    const first = found[0]?.data.metrics?.find((m) => m.key === 'loss')?.value
    if (found.length !== expected || (expected > 0 && first !== matches[0])) {
      throw new Error(
        `search returned ${found.length} runs (first loss ${first}), expected ${expected} (first loss ${matches[0]})`,
      )
    }
    return found.length
  }
  let returned = 0
  for (let i = 0; i < warmup; i++) returned = check((await c.send('POST', `${API}/runs/search`, payload)).body)
  const latencies: number[] = []
  for (let i = 0; i < count; i++) latencies.push((await c.send('POST', `${API}/runs/search`, payload)).ms)
  return { runs, seedSeconds, matching: matches.length, returned, warmup, latencyMs: summarize(latencies) }
}
