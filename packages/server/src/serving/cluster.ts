/**
 * Serving on every core: the primary process forks workers that each load the deployment and
 * share the listening socket (Node's cluster, round-robin). `GET /metrics` on any worker asks the
 * primary, which sums every worker's registry (prom-client's AggregatorRegistry). A worker that
 * dies is replaced; SIGTERM/SIGINT drain the workers and stop.
 */
import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry } from 'prom-client'

const METRICS_REQUEST = 'keel:metrics-request'
const METRICS_RESPONSE = 'keel:metrics-response'
const READY = 'keel:worker-ready'
const FAILED = 'keel:worker-failed'

interface Message {
  readonly type: string
  readonly id?: number
  readonly text?: string
  readonly error?: string
  readonly port?: number
}

export const isWorker = (): boolean => cluster.isWorker

export interface PrimaryOptions {
  readonly workers: number
  /** Environment for each worker (the deployment travels in it). */
  readonly env: Record<string, string>
  readonly onReady: (port: number) => void
  readonly onFailed: (error: string) => void
  readonly log: (message: string) => void
}

/** Runs the primary: forks the workers, relays metrics, replaces crashed workers. */
export function runPrimary(options: PrimaryOptions): { stop(): Promise<void> } {
  const aggregator = new AggregatorRegistry()
  let ready = 0
  let stopping = false
  let failed = false

  const fork = (): Worker => {
    const worker = cluster.fork(options.env)
    worker.on('message', (message: Message) => {
      if (message.type === READY) {
        ready++
        if (ready === options.workers) options.onReady(message.port ?? 0)
      } else if (message.type === FAILED && !failed) {
        failed = true
        stopping = true
        options.onFailed(message.error ?? 'a worker failed to start')
      } else if (message.type === METRICS_REQUEST) {
        aggregator.clusterMetrics().then(
          (text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
          (error: unknown) => worker.send({ type: METRICS_RESPONSE, id: message.id, error: String(error) }),
        )
      }
    })
    return worker
  }
  for (let i = 0; i < options.workers; i++) fork()
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    options.log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`)
    fork()
  })
  return {
    stop: async () => {
      stopping = true
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve())
              w.process.kill('SIGTERM')
            }),
        ),
      )
    },
  }
}

let nextId = 0
const pending = new Map<number, { resolve(text: string): void; reject(error: Error): void }>()

/** In a worker: tells the primary it listens (or failed), and answers its metrics relays. */
export const worker = {
  ready(port: number): void {
    process.send?.({ type: READY, port })
  },
  failed(error: string): void {
    process.send?.({ type: FAILED, error })
  },
  /** The metrics of all workers, summed by the primary. */
  clusterMetrics(): Promise<string> {
    const id = nextId++
    if (pending.size === 0) process.on('message', onMessage)
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      process.send?.({ type: METRICS_REQUEST, id })
      setTimeout(() => {
        if (pending.delete(id)) reject(new Error('The primary did not answer the metrics request'))
        if (pending.size === 0) process.off('message', onMessage)
      }, 5_000).unref()
    })
  },
}

function onMessage(message: Message): void {
  if (message.type !== METRICS_RESPONSE || message.id === undefined) return
  const p = pending.get(message.id)
  if (p === undefined) return
  pending.delete(message.id)
  if (pending.size === 0) process.off('message', onMessage)
  if (message.error !== undefined) p.reject(new Error(message.error))
  else p.resolve(message.text ?? '')
}

export { AggregatorRegistry }
