/**
 * Concurrent log-batch ingestion into one run, as raw MLflow REST calls, for auth.bench.ts (keel and
 * MLflow with authentication off and on). tracking-ingest.bench.ts has the fuller workload.
 */
import type { Client } from './http.js'
import { createRun } from './ingest-workload.js'
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
