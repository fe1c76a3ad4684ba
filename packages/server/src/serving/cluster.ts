/**
 * Serving on every core: the primary process forks workers that each load the deployment and
 * share the listening socket (Node's cluster, round-robin). `GET /metrics` on any worker asks the
 * primary, which collects every worker's registry and sums them (prom-client's
 * `AggregatorRegistry.aggregate`). A worker that dies is replaced; SIGTERM drains the workers.
 *
 * With `--port 0` every worker must serve the one port announced. Node's cluster gives workers that
 * listen with the same arguments (port 0 included) one shared listener, but only while one of them
 * holds it: were every worker to die, their replacements' listen(0) would get a new port. So a
 * replacement is told the port (`KEEL_CLUSTER_PORT`) and listens on it, or joins the survivors'
 * listener when they hold it; the primary stops rather than serve a port it did not announce.
 */
import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client'

const METRICS_REQUEST = 'keel:metrics-request'
const METRICS_RESPONSE = 'keel:metrics-response'
const COLLECT = 'keel:collect'
const COLLECTED = 'keel:collected'
/** A loaded machine can be slow to answer; a scrape gives up after this. */
const TIMEOUT_MS = 15_000
const READY = 'keel:worker-ready'
const FAILED = 'keel:worker-failed'
/** The port the workers share, for a replacement worker (see the file's comment). */
const PORT_ENV = 'KEEL_CLUSTER_PORT'

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[]

interface Message {
  readonly type: string
  readonly id?: number
  readonly text?: string
  readonly error?: string
  readonly port?: number
  readonly metrics?: WorkerMetrics
}

/** Asks every live worker for its metrics and sums them. */
function collect(): Promise<string> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true)
  const id = nextId++
  return new Promise((resolve, reject) => {
    const parts: WorkerMetrics[] = []
    const timer = setTimeout(() => {
      cluster.off('message', onCollected)
      reject(
        new Error(`${workers.length - parts.length} of ${workers.length} workers did not report their metrics in time`),
      )
    }, TIMEOUT_MS)
    const onCollected = (_worker: Worker, message: Message): void => {
      if (message.type !== COLLECTED || message.id !== id) return
      parts.push(message.metrics ?? [])
      if (parts.length < workers.length) return
      clearTimeout(timer)
      cluster.off('message', onCollected)
      resolve(AggregatorRegistry.aggregate(parts).metrics())
    }
    cluster.on('message', onCollected)
    for (const w of workers) w.send({ type: COLLECT, id })
  })
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
export function runPrimary(options: PrimaryOptions): { stop(timeoutMs?: number): Promise<void> } {
  let ready = 0
  let stopping = false
  let failed = false
  /** The port the first worker reported; every other worker must serve it too. */
  let port: number | undefined

  const fail = (error: string): void => {
    if (failed) return
    failed = true
    stopping = true
    options.onFailed(error)
  }
  const fork = (): Worker => {
    const worker = cluster.fork(port === undefined ? options.env : { ...options.env, [PORT_ENV]: String(port) })
    worker.on('message', (message: Message) => {
      if (message.type === READY) {
        port ??= message.port
        if (message.port !== port)
          return fail(
            `worker ${worker.process.pid} listens on port ${message.port}, not ${port} where the others serve`,
          )
        ready++
        if (ready === options.workers) options.onReady(port ?? 0)
        else if (ready > options.workers)
          options.log(`worker ${worker.process.pid} (a replacement) serves on port ${port}`)
      } else if (message.type === FAILED) {
        fail(message.error ?? 'a worker failed to start')
      } else if (message.type === METRICS_REQUEST) {
        collect().then(
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
    /** SIGTERM to every worker (each drains and exits); one still running after `timeoutMs` is killed. */
    stop: async (timeoutMs = 30_000) => {
      stopping = true
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead())
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => {
                options.log(`worker ${w.process.pid} did not stop within ${timeoutMs} ms; killing it`)
                w.process.kill('SIGKILL')
              }, timeoutMs)
              w.once('exit', () => {
                clearTimeout(kill)
                resolve()
              })
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
  /**
   * Listens (`listen(port)` resolves with the port it got) on the cluster's port: `requested`, or
   * with port 0 the one the other workers serve when the primary told it (a replacement).
   */
  async listen(listen: (port: number) => Promise<number>, requested: number): Promise<number> {
    const known = Number(process.env[PORT_ENV])
    if (requested !== 0 || !Number.isInteger(known) || known <= 0) return listen(requested)
    try {
      return await listen(known)
    } catch (error) {
      // The survivors hold the port through their shared port-0 listener: join it.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
      return listen(0)
    }
  },
  ready(port: number): void {
    process.send?.({ type: READY, port })
  },
  failed(error: string): void {
    process.send?.({ type: FAILED, error })
  },
  /** Reports this worker's registry whenever the primary collects. */
  serveMetrics(registry: Registry): void {
    process.on('message', (message: Message) => {
      if (message.type !== COLLECT) return
      registry.getMetricsAsJSON().then(
        (metrics) => process.send?.({ type: COLLECTED, id: message.id, metrics }),
        () => process.send?.({ type: COLLECTED, id: message.id, metrics: [] }),
      )
    })
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
      }, TIMEOUT_MS + 1_000).unref()
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
