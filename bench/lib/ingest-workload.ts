/**
 * The tracking write path as training scripts drive it, in raw MLflow REST calls sent identically to
 * keel and MLflow: log-batch rounds from one or several clients (each a training script logging its
 * own run, one request at a time on its own keep-alive connection), the sequential log-metric round
 * trip, and the server's resident memory and CPU time read from /proc (its whole process group).
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { Client } from './http.js'
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
  /** CPU time of the server's process group during the round, per 1,000 metrics (ms). */
  readonly serverCpuMsPer1k: number
}

/**
 * One round: each of `runIds.length` clients sends log-batch requests of `size` metrics to its own
 * run, one at a time, until `seconds` have passed (and at least `minRequests` each). `next[i]` is
 * client i's next batch number (it carries over between rounds, so steps never repeat). Bodies are
 * serialised before the round starts, so client-side JSON work stays out of the measurement.
 */
export async function ingestRound(
  c: Client,
  serverPid: number,
  runIds: readonly string[],
  next: number[],
  size: number,
  seconds: number,
  minRequests = 3,
): Promise<IngestRound> {
  // Enough bodies for the round at 1M metrics/s (at most 20,000 a client; more are made as needed).
  const perClient = Math.min(20_000, Math.max(minRequests, Math.ceil((1_000_000 * seconds) / size / runIds.length)))
  const bodies = runIds.map((runId, i) =>
    Array.from({ length: perClient }, (_, j) => batchBody(runId, (next[i] ?? 0) + j, size)),
  )
  const latencies: number[] = []
  let requests = 0
  const cpuBefore = groupCpuMs(serverPid)
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(
    runIds.map(async (_, i) => {
      const mine = bodies[i] ?? []
      let j = 0
      while (j < minRequests || performance.now() < deadline) {
        const body = mine[j] ?? batchBody(runIds[i] ?? '', (next[i] ?? 0) + j, size)
        const r = await c.send('POST', `${API}/runs/log-batch`, body)
        latencies.push(r.ms)
        j++
      }
      next[i] = (next[i] ?? 0) + j
      requests += j
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const cpu = groupCpuMs(serverPid) - cpuBefore
  return {
    requests,
    seconds: elapsed,
    metricsPerSecond: (requests * size) / elapsed,
    latencyMs: summarize(latencies),
    serverCpuMsPer1k: (cpu / (requests * size)) * 1000,
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

/** The processes of process group `pgid` (a server started detached leads its own group). */
function groupPids(pgid: number): number[] {
  const pids: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // Fields after the command name (which may hold spaces), from field 3: state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid) pids.push(Number(name))
    } catch {
      /* the process ended meanwhile */
    }
  }
  return pids
}

export interface GroupMemory {
  /** VmRSS of every process, summed (MB): pages shared between processes count once per process. */
  readonly rssMb: number
  /** Pss of every process, summed (MB): each shared page split between the processes that map it. */
  readonly pssMb: number
  readonly processes: number
  /** The command line of each process, shortened. */
  readonly commands: readonly string[]
}

/** The resident memory of every process in the group (a server and all its workers). */
export function groupMemory(pgid: number): GroupMemory {
  let rssKb = 0
  let pssKb = 0
  const commands: string[] = []
  const pids = groupPids(pgid)
  for (const pid of pids) {
    try {
      rssKb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
      pssKb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0)
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
      commands.push(
        argv
          .map((a) => a.replace(/^.*\/(?=[^/]+$)/, ''))
          .join(' ')
          .slice(0, 100),
      )
    } catch {
      /* ended */
    }
  }
  return { rssMb: rssKb / 1024, pssMb: pssKb / 1024, processes: pids.length, commands }
}

/**
 * Waits until the group has used less than `maxShare` of a core over a `windowMs` window (a server
 * that starts background processes, as `mlflow server` does, is busy for a while after it answers),
 * or `timeoutMs` has passed. Returns how long it waited (ms).
 */
export async function waitQuiet(pgid: number, windowMs = 1000, maxShare = 0.1, timeoutMs = 60_000): Promise<number> {
  const started = Date.now()
  for (;;) {
    const before = groupCpuMs(pgid)
    await new Promise((r) => setTimeout(r, windowMs))
    const used = groupCpuMs(pgid) - before
    if (used < windowMs * maxShare || Date.now() - started > timeoutMs) return Date.now() - started
  }
}

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** User + system CPU time of every process in the group (ms). */
export function groupCpuMs(pgid: number): number {
  let ticks = 0
  for (const pid of groupPids(pgid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
    } catch {
      /* ended */
    }
  }
  return ticks * TICK_MS
}
