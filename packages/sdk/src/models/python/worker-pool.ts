/**
 * A pool of Python processes that each load one MLflow model with MLflow's pyfunc loader and
 * predict what keel sends them (`python/keel_pyfunc_worker.py`; the wire is `frame.ts`).
 *
 * - Batching: requests wait in one queue; a worker that becomes free takes the head request and
 *   every queued request that can share its call (same input form, columns, method and params), up
 *   to `maxBatchRows`. Nothing waits for a batch to fill: at low load each request goes alone, and
 *   under load the queue itself forms the batches, so the added latency is bounded by one
 *   prediction in progress. A batch whose output is not one value per row is split and each request
 *   predicted alone (and batching stops for the model); a batch that fails is retried request by
 *   request, so only the request that made the model fail gets its error.
 * - Faults: a worker that exits fails the requests it held with 503 and is replaced; a prediction
 *   that outlives `requestTimeoutMs` kills its worker and answers 504; an idle worker that does not
 *   answer a ping within `pingTimeoutMs` is replaced; a worker whose resident memory passes
 *   `maxMemoryBytes` is recycled once its batch is done (its replacement starts loading at once; until it is ready the other workers serve).
 * - Bounds: one batch per worker at a time, at most `maxQueue` requests waiting (beyond: 503).
 */
import { KeelError } from '@keel/contracts'
import { encodeTable } from './frame.js'
import { type Job, type PredictRequest, RequestQueue, concatColumns } from './request-queue.js'
import { type Held, Worker, type WorkerInfo, modelError, outputValue } from './worker-process.js'

export type { InputForm, PredictRequest } from './request-queue.js'
export { WORKER_SCRIPT, type WorkerInfo, outputValue } from './worker-process.js'

export interface WorkerPoolOptions {
  /** The Python interpreter that runs the workers (it must import mlflow). */
  readonly python: string
  /** Worker processes (default 1). */
  readonly workers?: number
  /** Longest a prediction may take before its worker is killed and the request answered 504 (default 60 s, MLflow's). */
  readonly requestTimeoutMs?: number
  /** Longest loading the model may take (default 10 minutes). */
  readonly loadTimeoutMs?: number
  /** How often idle workers are pinged (default 5 s), and how long they may take to answer (default 10 s). */
  readonly pingIntervalMs?: number
  readonly pingTimeoutMs?: number
  /** A worker whose resident memory passes this many bytes is recycled (default: no bound). */
  readonly maxMemoryBytes?: number
  /** Combine queued requests into one call (default true), up to this many rows (default 1024). */
  readonly batching?: boolean
  readonly maxBatchRows?: number
  /** Requests that may wait for a worker; beyond, 503 (default 4096). */
  readonly maxQueue?: number
  /** Environment of the workers (default: this process's). */
  readonly env?: NodeJS.ProcessEnv
  /** A line the worker printed (the model's own output, warnings, tracebacks). */
  readonly onLog?: (line: string, pid: number | undefined) => void
  /** A worker replaced or recycled, and why. */
  readonly onEvent?: (event: WorkerEvent) => void
}

export interface WorkerEvent {
  readonly kind: 'exited' | 'timeout' | 'unresponsive' | 'recycled' | 'restart-failed'
  readonly pid: number | undefined
  readonly detail: string
}

type Batch = Held<Job>

const DEFAULTS = {
  requestTimeoutMs: 60_000,
  loadTimeoutMs: 600_000,
  pingIntervalMs: 5_000,
  pingTimeoutMs: 10_000,
  maxBatchRows: 1024,
  maxQueue: 4096,
}

export class PythonWorkerPool {
  private readonly workers = new Set<Worker<Job>>()
  private readonly queue = new RequestQueue()
  private nextId = 1
  private closed = false
  /** Whether the model's output is one value per row (else batching stops). */
  private aligned: boolean
  private readonly pinger: NodeJS.Timeout
  private restartDelayMs = 100
  private readonly waiting = new Map<Worker<Job>, { resolve(info: WorkerInfo): void; reject(error: Error): void }>()
  /** Calls made to the workers, and the requests they carried (their ratio is the batching). */
  readonly stats = { batches: 0, requests: 0, restarts: 0 }
  /** What the first worker reported. */
  info!: WorkerInfo

  private constructor(
    private readonly modelDir: string,
    private readonly options: WorkerPoolOptions,
  ) {
    this.aligned = options.batching !== false
    this.pinger = setInterval(() => this.pingIdle(), options.pingIntervalMs ?? DEFAULTS.pingIntervalMs)
    this.pinger.unref()
  }

  /** Starts the workers; resolves once each has loaded the model (rejects with the first load error). */
  static async start(modelDir: string, options: WorkerPoolOptions): Promise<PythonWorkerPool> {
    const pool = new PythonWorkerPool(modelDir, options)
    try {
      const infos = await Promise.all(Array.from({ length: Math.max(1, options.workers ?? 1) }, () => pool.spawn()))
      pool.info = infos[0]!
      return pool
    } catch (error) {
      await pool.close()
      throw error
    }
  }

  /** Live workers. */
  get size(): number {
    return [...this.workers].filter((w) => w.info !== undefined && !w.retiring).length
  }

  /** Process ids of the live workers. */
  get pids(): number[] {
    return [...this.workers].flatMap((w) => (w.info !== undefined && !w.exited && !w.killed ? [w.info.pid] : []))
  }

  /**
   * Predicts a batch of rows; resolves with the model's output in MLflow's JSON form (with the
   * method `predict_and_proba`: `{predictions, probabilities}`, from one call to the worker).
   */
  predict(request: PredictRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new KeelError('TEMPORARILY_UNAVAILABLE', 'The model is closed'))
    if (this.queue.length >= (this.options.maxQueue ?? DEFAULTS.maxQueue)) {
      return Promise.reject(
        new KeelError('TEMPORARILY_UNAVAILABLE', `${this.queue.length} requests are waiting for a Python worker`),
      )
    }
    const answer = this.queue.push(request)
    this.dispatch()
    return answer
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.pinger)
    this.queue.rejectAll(new KeelError('TEMPORARILY_UNAVAILABLE', 'The model is closed'))
    const exits = [...this.workers].map(
      (w) => new Promise<void>((resolve) => (w.exited ? resolve() : w.process.once('exit', () => resolve()))),
    )
    for (const w of this.workers) {
      w.end()
      setTimeout(() => w.kill(), 5_000).unref()
    }
    await Promise.all(exits)
  }

  private spawn(): Promise<WorkerInfo> {
    const o = this.options
    const worker = new Worker<Job>(
      o.python,
      this.modelDir,
      o.env ?? process.env,
      o.onLog,
      (w, h, b) => this.onFrame(w, h, b),
      (w, code, signal) => this.onExit(w, code, signal),
    )
    this.workers.add(worker)
    return new Promise<WorkerInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.kill()
        reject(
          new KeelError(
            'INVALID_STATE',
            `The Python worker did not load the model within ${o.loadTimeoutMs ?? DEFAULTS.loadTimeoutMs} ms`,
          ),
        )
      }, o.loadTimeoutMs ?? DEFAULTS.loadTimeoutMs)
      this.waiting.set(worker, {
        resolve: (info) => {
          clearTimeout(timer)
          resolve(info)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
    })
  }

  private onFrame(worker: Worker<Job>, header: Record<string, unknown>, body: Buffer): void {
    if (worker.info === undefined) {
      const waiter = this.waiting.get(worker)
      this.waiting.delete(worker)
      if (header.op === 'loaded') {
        worker.info = header as unknown as WorkerInfo
        this.restartDelayMs = 100
        waiter?.resolve(worker.info)
        this.dispatch()
      } else {
        const error = header.error as Record<string, unknown> | undefined
        waiter?.reject(
          new KeelError(
            'INVALID_STATE',
            `MLflow could not load the model at '${this.modelDir}' (${this.options.python}): ${String(error?.message ?? 'unknown error')}`,
          ),
        )
      }
      return
    }
    const batch = worker.batch
    if (batch === undefined || header.id !== batch.id) return
    clearTimeout(batch.timer)
    worker.batch = undefined
    if (
      typeof header.rss === 'number' &&
      this.options.maxMemoryBytes !== undefined &&
      header.rss > this.options.maxMemoryBytes
    ) {
      this.recycle(worker, `resident memory ${header.rss} bytes passed the bound of ${this.options.maxMemoryBytes}`)
    }
    if (!batch.ping) this.settle(batch, header, body)
    if (worker.retiring) worker.end()
    this.dispatch()
  }

  /** Hands a batch's answer to its requests. */
  private settle(batch: Batch, header: Record<string, unknown>, body: Buffer): void {
    const { jobs } = batch
    if (header.ok !== true) {
      if (jobs.length === 1) jobs[0]!.reject(modelError(header.error as Record<string, unknown> | undefined))
      else this.queue.retryAlone(jobs)
      return
    }
    let parts: unknown[]
    try {
      const proba = header.proba as { output: unknown; offset: number } | undefined
      parts =
        proba === undefined
          ? [outputValue(header, body)]
          : [
              outputValue(header, body.subarray(0, proba.offset)),
              outputValue({ output: proba.output }, body.subarray(proba.offset)),
            ]
    } catch (error) {
      for (const job of jobs) job.reject(error)
      return
    }
    const answer = (values: unknown[]): unknown =>
      values.length === 1 ? values[0] : { predictions: values[0], probabilities: values[1] }
    if (jobs.length === 1) {
      jobs[0]!.resolve(answer(parts))
      return
    }
    if (parts.some((v) => !Array.isArray(v) || v.length !== batch.rows)) {
      this.aligned = false // not one value per row: each request on its own from now on
      this.queue.retryAlone(jobs)
      return
    }
    let offset = 0
    for (const job of jobs) {
      const end = offset + job.request.rows
      job.resolve(answer(parts.map((v) => (v as unknown[]).slice(offset, end))))
      offset = end
    }
  }

  private onExit(worker: Worker<Job>, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(worker)
    const how = signal !== null ? `signal ${signal}` : `exit code ${code}`
    const waiter = this.waiting.get(worker)
    if (waiter !== undefined) {
      this.waiting.delete(worker)
      const tail = worker.tail().trim()
      waiter.reject(
        new KeelError(
          'INVALID_STATE',
          `The Python worker (${this.options.python}) exited while loading the model (${how})${tail === '' ? '' : `:\n${tail}`}`,
        ),
      )
    }
    const batch = worker.batch
    if (batch !== undefined) {
      worker.batch = undefined
      clearTimeout(batch.timer)
      for (const job of batch.jobs) {
        job.reject(
          new KeelError(
            'TEMPORARILY_UNAVAILABLE',
            `The Python worker predicting this request (pid ${worker.pid}) exited (${how}); the pool is replacing it`,
          ),
        )
      }
    }
    if (this.closed || worker.info === undefined) return
    if (!worker.retiring) {
      this.options.onEvent?.({ kind: 'exited', pid: worker.pid, detail: how })
      this.replace()
    }
  }

  /** Starts a replacement worker, retrying with a growing delay while loading fails. */
  private replace(): void {
    const delay = this.restartDelayMs
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, 30_000)
    this.stats.restarts++
    setTimeout(() => {
      if (this.closed) return
      this.spawn().catch((error: unknown) => {
        this.options.onEvent?.({
          kind: 'restart-failed',
          pid: undefined,
          detail: error instanceof Error ? error.message : String(error),
        })
        this.replace()
      })
    }, delay).unref()
  }

  private recycle(worker: Worker<Job>, why: string): void {
    if (worker.retiring) return
    worker.retiring = true
    this.options.onEvent?.({ kind: 'recycled', pid: worker.pid, detail: why })
    this.replace()
  }

  /** Gives each free worker the next batch from the queue. */
  private dispatch(): void {
    for (const worker of this.workers) {
      if (this.queue.length === 0) return
      if (worker.info === undefined || worker.batch !== undefined || worker.retiring || worker.exited || worker.killed)
        continue
      this.sendBatch(worker, this.queue.take(this.aligned ? (this.options.maxBatchRows ?? DEFAULTS.maxBatchRows) : 0))
    }
  }

  private sendBatch(worker: Worker<Job>, jobs: Job[]): void {
    const id = this.nextId++
    const first = jobs[0]!.request
    const rows = jobs.reduce((n, j) => n + j.request.rows, 0)
    let body: Buffer
    try {
      body = encodeTable(
        rows,
        jobs.length === 1 ? first.columns : concatColumns(jobs.map((j) => j.request)),
        first.types,
      )
    } catch (error) {
      for (const job of jobs) job.reject(KeelError.invalid(error instanceof Error ? error.message : String(error)))
      this.dispatch()
      return
    }
    const timeoutMs = this.options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs
    const timer = setTimeout(() => {
      if (worker.batch?.id !== id) return
      worker.batch = undefined
      this.options.onEvent?.({
        kind: 'timeout',
        pid: worker.pid,
        detail: `a prediction took longer than ${timeoutMs} ms`,
      })
      for (const job of jobs) {
        job.reject(
          new KeelError(
            'DEADLINE_EXCEEDED',
            `Request processing time exceeded limit (${timeoutMs} ms): the worker was stopped`,
          ),
        )
      }
      worker.kill()
    }, timeoutMs)
    worker.batch = { id, jobs, rows, timer }
    this.stats.batches++
    this.stats.requests += jobs.length
    worker.send(
      {
        op: 'predict',
        id,
        input: first.form,
        ...(first.method !== undefined && { method: first.method }),
        ...(first.params !== undefined && { params: first.params }),
      },
      body,
    )
  }

  /** Pings idle workers; one that does not answer in time is killed (and replaced). */
  private pingIdle(): void {
    const timeoutMs = this.options.pingTimeoutMs ?? DEFAULTS.pingTimeoutMs
    for (const worker of this.workers) {
      if (worker.info === undefined || worker.batch !== undefined || worker.exited || worker.killed) continue
      const id = this.nextId++
      const timer = setTimeout(() => {
        if (worker.batch?.id !== id) return
        worker.batch = undefined
        this.options.onEvent?.({
          kind: 'unresponsive',
          pid: worker.pid,
          detail: `no answer to a ping within ${timeoutMs} ms`,
        })
        worker.kill()
      }, timeoutMs)
      worker.batch = { id, jobs: [], rows: 0, timer, ping: true }
      worker.send({ op: 'ping', id })
    }
  }
}
