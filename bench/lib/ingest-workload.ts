/**
 * The tracking write path as training scripts drive it, in raw MLflow REST calls sent identically to
 * keel and MLflow: log-batch rounds from one or several clients (each a training script logging its
 * own run, one request at a time on its own keep-alive connection), the sequential log-metric round
 * trip, and the server's resident memory and CPU time read from /proc (its whole process group).
 */
import type { Client } from './http.js'
import { groupCpuMs } from './proc.js'
import { summarize, type Summary } from './stats.js'

const API = '/api/2.0/mlflow'

/** What a training loop logs at each step (ten keys, as a typical script's metrics dict). */
export const METRIC_KEYS = [
  'train/loss',
  'train/accuracy',
  'val/loss',
  'val/accuracy',
  'learning_rate',
  'grad_norm',
  'epoch',
  'throughput/samples_per_sec',
  'gpu/memory_allocated_gb',
  'train/perplexity',
] as const

export async function createExperiment(c: Client, name: string): Promise<string> {
  const r = await c.post<{ experiment_id: string }>(`${API}/experiments/create`, { name })
  return r.body.experiment_id
}

export async function createRun(c: Client, experimentId: string, runName: string): Promise<string> {
  const body = { experiment_id: experimentId, start_time: Date.now(), run_name: runName }
  const r = await c.post<{ run: { info: { run_id: string } } }>(`${API}/runs/create`, body)
  return r.body.run.info.run_id
}

/** A deterministic pseudo-random number in [0, 1) for step `s` and key `k` (no shared state). */
function noise(s: number, k: number): number {
  const x = Math.sin(s * 12.9898 + k * 78.233) * 43758.5453
  return x - Math.floor(x)
}

/** The value a training script would log for key `k` at step `s`: decaying losses, rising accuracies. */
function metricValue(s: number, k: number): number {
  const t = s / 1000
  const n = noise(s, k)
  switch (k) {
    case 0:
      return 2.3 * Math.exp(-t) + 0.05 * n
    case 1:
      return 1 - 0.9 * Math.exp(-t) - 0.02 * n
    case 2:
      return 2.4 * Math.exp(-0.8 * t) + 0.08 * n
    case 3:
      return 1 - 0.92 * Math.exp(-0.8 * t) - 0.03 * n
    case 4:
      return 3e-4 * Math.cos(Math.min(t, 3.14))
    case 5:
      return 0.5 + 4 * n
    case 6:
      return Math.floor(s / 500)
    case 7:
      return 1200 + 300 * n
    case 8:
      return 11.7 + n
    default:
      return Math.exp(2.3 * Math.exp(-t) + 0.05 * n)
  }
}

/**
 * The JSON body of log-batch number `batch` of a run: `size` metrics, ten keys per step (fewer in a
 * batch smaller than ten), steps following on from the previous batch's, the time of logging.
 */
export function batchBody(runId: string, batch: number, size: number): string {
  const perStep = Math.min(size, METRIC_KEYS.length)
  const firstStep = batch * Math.ceil(size / perStep)
  const timestamp = Date.now()
  const metrics = Array.from({ length: size }, (_, i) => {
    const k = i % perStep
    const step = firstStep + Math.floor(i / perStep)
    return { key: METRIC_KEYS[k], value: metricValue(step, k), timestamp, step }
  })
  return JSON.stringify({ run_id: runId, metrics, params: [], tags: [] })
}

export interface IngestRound {
  readonly requests: number
  readonly seconds: number
  readonly metricsPerSecond: number
  readonly latencyMs: Summary
  /** CPU time of the server's process group during the round, per 1,000 metrics (ms); summed over replicas. */
  readonly serverCpuMsPer1k: number
  /** The same for each server process group (one entry per replica). */
  readonly serverCpuMsPer1kEach: readonly number[]
  /** CPU time of the database server (PostgreSQL's process group) per 1,000 metrics, when it has one. */
  readonly databaseCpuMsPer1k?: number
  /** CPU time of this process (the load generator) per 1,000 metrics. */
  readonly clientCpuMsPer1k: number
}

/** One client: a training script logging its own run through its own connection(s) to one server. */
export interface Lane {
  readonly client: Client
  readonly runId: string
}

/** Whose CPU a round measures: each server's process group, and the database server's CPU (ms). */
export interface CpuGroups {
  readonly servers: readonly number[]
  readonly database?: () => number
}

/**
 * One round: each lane (a client) sends log-batch requests of `size` metrics to its own run, one at
 * a time, until `seconds` have passed (and at least `minRequests` each). `next[i]` is lane i's next
 * batch number (it carries over between rounds, so steps never repeat). Bodies are serialised before
 * the round starts, so client-side JSON work stays out of the measurement.
 */
export async function ingestRound(
  lanes: readonly Lane[],
  next: number[],
  size: number,
  seconds: number,
  cpu: CpuGroups,
  expectedMetricsPerSecond = 1_000_000,
  minRequests = 3,
): Promise<IngestRound> {
  // Enough bodies for the round at the expected rate (at most 20,000 a client; more are made as
  // needed). Making many more than needed would take seconds, while other connections sit idle.
  const perClient = Math.min(
    20_000,
    Math.max(minRequests, Math.ceil((expectedMetricsPerSecond * seconds) / size / lanes.length)),
  )
  const bodies = lanes.map((lane, i) =>
    Array.from({ length: perClient }, (_, j) => batchBody(lane.runId, (next[i] ?? 0) + j, size)),
  )
  const latencies: number[] = []
  let requests = 0
  const serversBefore = cpu.servers.map(groupCpuMs)
  const databaseBefore = cpu.database?.()
  const clientBefore = process.cpuUsage()
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(
    lanes.map(async (lane, i) => {
      const mine = bodies[i] ?? []
      let j = 0
      while (j < minRequests || performance.now() < deadline) {
        const body = mine[j] ?? batchBody(lane.runId, (next[i] ?? 0) + j, size)
        const r = await lane.client.send('POST', `${API}/runs/log-batch`, body)
        latencies.push(r.ms)
        j++
      }
      next[i] = (next[i] ?? 0) + j
      requests += j
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const metrics = requests * size
  const per1k = (ms: number): number => (ms / metrics) * 1000
  const each = cpu.servers.map((pgid, i) => per1k(groupCpuMs(pgid) - (serversBefore[i] ?? 0)))
  const client = process.cpuUsage(clientBefore)
  return {
    requests,
    seconds: elapsed,
    metricsPerSecond: metrics / elapsed,
    latencyMs: summarize(latencies),
    serverCpuMsPer1k: each.reduce((a, b) => a + b, 0),
    serverCpuMsPer1kEach: each,
    ...(cpu.database && databaseBefore !== undefined && { databaseCpuMsPer1k: per1k(cpu.database() - databaseBefore) }),
    clientCpuMsPer1k: per1k((client.user + client.system) / 1000),
  }
}

export interface RoundTripResult {
  readonly warmup: number
  readonly latencyMs: Summary
  /** GET /health on the same connection: the transport + machine floor under log-metric. */
  readonly healthMs: Summary
}

/** Sequential log-metric calls on one keep-alive connection, after `warmup` untimed ones. */
export async function logMetricRoundTrips(
  c: Client,
  runId: string,
  count: number,
  warmup: number,
): Promise<RoundTripResult> {
  const body = (step: number): string =>
    JSON.stringify({ run_id: runId, key: 'train/loss', value: metricValue(step, 0), timestamp: Date.now(), step })
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
