/**
 * `ActiveRun`: a run being logged to. Metrics, params and tags are queued and sent in log-batch
 * requests: when 1000 metrics are waiting, every second (on an unref'd timer), on `flush()` and on
 * `end()`. A failed send is retried by the transport; if it still fails, the error is thrown by the
 * next call on the run (or by `end()`), and data that failed transiently stays queued for the next send.
 */
import { type Dataset, KeelError, LIMITS, type Metric, type Run, type RunInfo, type RunStatus } from '@keel/contracts'
import type { Estimator } from '@keel/ml'
import { type ArtifactRepository, resolveArtifactRepository } from './artifacts.js'
import { type Batch, splitBatch } from './batch.js'
import { isTransient } from './http-errors.js'
import { type ParamValue, type ParamsInput, type TagsInput, toKeyValues } from './inputs.js'
import { type LogModelOptions, type ModelInfo, logModel } from './models/log-model.js'
import type { ModelRegistry } from './models/registry.js'
import { type TrackedRun, trackRun, untrackRun } from './run-registry.js'
import type { TrackingClient } from './tracking-client.js'

export interface ActiveRunOptions {
  /** Period of the background flush (default 1000 ms). */
  readonly flushIntervalMs?: number
}

export interface RunMetricOptions {
  /** Default 0. */
  readonly step?: number
  /** Epoch ms; default: when `logMetric` is called. */
  readonly timestamp?: number
}

/** The tag `fail(error)` records the error's message in. */
export const ERROR_TAG = 'keel.error'

function checkMetric(key: string, value: number, step: number, timestamp: number): void {
  if (typeof key !== 'string' || key === '') throw KeelError.invalid('A metric key must be a non-empty string')
  if (typeof value !== 'number') throw KeelError.invalid(`Metric '${key}' must be a number, got ${typeof value}`)
  if (!Number.isSafeInteger(step)) throw KeelError.invalid(`Metric '${key}': step must be an integer, got ${step}`)
  if (!Number.isSafeInteger(timestamp))
    throw KeelError.invalid(`Metric '${key}': timestamp must be an integer (epoch ms)`)
}

export class ActiveRun implements AsyncDisposable, TrackedRun {
  readonly runId: string
  readonly experimentId: string

  private metrics: Metric[] = []
  private params = new Map<string, string>()
  private tags = new Map<string, string>()
  /** Every param value of the run, logged or queued: MLflow params are immutable. */
  private readonly paramValues: Map<string, string>
  /** The tail of the chain of sends (they run one at a time, in order). */
  private sending: Promise<void> = Promise.resolve()
  /** A send that has not taken the queue yet: later requests join it. */
  private nextSend: Promise<void> | undefined
  /** Send failures not yet surfaced; `dropped` when the server refused the data for good. */
  private failures: { readonly error: unknown; readonly dropped: boolean }[] = []
  private ending: Promise<void> | undefined
  private readonly timer: NodeJS.Timeout
  private repository: ArtifactRepository | undefined
  private currentInfo: RunInfo

  constructor(
    readonly client: TrackingClient,
    run: Run,
    options: ActiveRunOptions = {},
    /** The registry `logModel` registers with (`registeredModelName`). */
    private readonly modelRegistry?: () => ModelRegistry,
  ) {
    this.runId = run.info.runId
    this.experimentId = run.info.experimentId
    this.currentInfo = run.info
    this.paramValues = new Map(run.data.params.map((p) => [p.key, p.value]))
    this.timer = setInterval(() => {
      if (this.hasQueued()) this.send().catch(() => undefined)
    }, options.flushIntervalMs ?? 1000)
    this.timer.unref()
    trackRun(this)
  }

  /** The run's info: as created, then as the server returned it on `end()`. */
  get info(): RunInfo {
    return this.currentInfo
  }

  /** True once `end()` (or `fail()`) was called. */
  get ended(): boolean {
    return this.ending !== undefined
  }

  /** The run's artifact repository (resolved from its artifact URI on first use). */
  get artifacts(): ArtifactRepository {
    this.repository ??= resolveArtifactRepository(this.info.artifactUri, this.client.http)
    return this.repository
  }

  /** Logs a param. Logging a key again with another value throws (MLflow params are immutable). */
  logParam(key: string, value: ParamValue): void {
    this.logParams({ [key]: value })
  }

  /** Logs several params; if any of them conflicts with a logged value, none is logged. */
  logParams(params: ParamsInput): void {
    this.checkUsable()
    const added = new Map<string, string>()
    for (const { key, value } of toKeyValues(params)) {
      const previous = added.get(key) ?? this.paramValues.get(key)
      if (previous !== undefined && previous !== value) {
        throw KeelError.invalid(
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${previous}' ` +
            `for run ID='${this.runId}'. Attempted logging new value '${value}'.`,
        )
      }
      if (previous === undefined) added.set(key, value)
    }
    for (const [key, value] of added) {
      this.paramValues.set(key, value)
      this.params.set(key, value)
    }
  }

  /** Queues a metric value; `step` defaults to 0 and `timestamp` to now. */
  logMetric(key: string, value: number, options: RunMetricOptions = {}): void {
    this.logMetrics({ [key]: value }, options)
  }

  /** Queues several metric values at the same step and time. */
  logMetrics(metrics: Readonly<Record<string, number>>, options: RunMetricOptions = {}): void {
    this.checkUsable()
    const step = options.step ?? 0
    const timestamp = options.timestamp ?? Date.now()
    const entries = Object.entries(metrics)
    for (const [key, value] of entries) checkMetric(key, value, step, timestamp)
    for (const [key, value] of entries) this.metrics.push({ key, value, step, timestamp })
    if (this.metrics.length >= LIMITS.metricsPerBatch) this.send().catch(() => undefined)
  }

  setTag(key: string, value: string): void {
    this.setTags({ [key]: value })
  }

  setTags(tags: TagsInput): void {
    this.checkUsable()
    for (const { key, value } of toKeyValues(tags)) this.tags.set(key, value)
  }

  /** Uploads a local file as `<artifactPath>/<file name>` (streamed). */
  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.checkUsable()
    await this.artifacts.logArtifact(localPath, artifactPath)
  }

  /** Uploads the contents of a local folder, recursively, under `artifactPath`. */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    this.checkUsable()
    await this.artifacts.logArtifacts(localDir, artifactPath)
  }

  /** Stores `value` as JSON in the artifact `artifactFile` (e.g. `config.json`). */
  async logDict(value: unknown, artifactFile: string): Promise<void> {
    this.checkUsable()
    await this.artifacts.logDict(value, artifactFile)
  }

  async logText(text: string, artifactFile: string): Promise<void> {
    this.checkUsable()
    await this.artifacts.logText(text, artifactFile)
  }

  /** Records a dataset the run used; `context` (e.g. "training") becomes the tag `mlflow.data.context`. */
  async logInput(dataset: Dataset, options: { context?: string; tags?: TagsInput } = {}): Promise<void> {
    this.checkUsable()
    const context = options.context === undefined ? [] : [{ key: 'mlflow.data.context', value: options.context }]
    await this.client.logInputs(this.runId, [{ dataset, tags: [...context, ...toKeyValues(options.tags)] }])
  }

  /**
   * Logs a fitted `@keel/ml` estimator as a model of this run, the MLflow 3 way (a logged model
   * `m-…` with the run as source, its files uploaded, recorded as the run's output), registering it
   * as a new version of `registeredModelName` if given. Load it back with
   * `loadModel('runs:/<run_id>/<name>')` or `loadModel(info.modelUri)`.
   */
  async logModel(estimator: Estimator, options: LogModelOptions = {}): Promise<ModelInfo> {
    this.checkUsable()
    const registry =
      options.registry ?? (options.registeredModelName === undefined ? undefined : this.modelRegistry?.())
    return logModel(this.client, this, estimator, { ...options, ...(registry !== undefined && { registry }) })
  }

  /**
   * Sends everything queued so far, then throws any send failure not surfaced yet (this one's, or
   * a background send's).
   */
  async flush(): Promise<void> {
    await this.send().catch(() => undefined)
    this.throwFailures()
  }

  /**
   * Flushes, then ends the run with `status` (default FINISHED). Idempotent: later calls return the
   * first call's promise. Throws a send failure not yet surfaced, even if the run was ended.
   */
  end(status: RunStatus = 'FINISHED'): Promise<void> {
    this.ending ??= this.finish(status)
    return this.ending
  }

  /** Ends the run FAILED, recording the error's message in the tag `keel.error`. */
  fail(error?: unknown): Promise<void> {
    if (this.ending === undefined && error !== undefined) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      this.tags.set(ERROR_TAG, message.slice(0, LIMITS.tagValueLength))
    }
    return this.end('FAILED')
  }

  /** `await using run = …`: ends the run FINISHED on leaving the block, unless it was ended already. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.ending === undefined) await this.end('FINISHED')
  }

  /** For the process hooks: end with `status` and report a failure on stderr instead of throwing. */
  async terminate(status: RunStatus): Promise<void> {
    try {
      await this.end(status)
    } catch (error) {
      process.stderr.write(`keel: run ${this.runId} could not be ended ${status}: ${String(error)}\n`)
    }
  }

  private async finish(status: RunStatus): Promise<void> {
    clearInterval(this.timer)
    const errors: unknown[] = []
    await this.flush().catch((error: unknown) => errors.push(error))
    try {
      this.currentInfo = await this.client.updateRun(this.runId, { status, endTime: Date.now() })
    } catch (error) {
      errors.push(error)
    } finally {
      untrackRun(this)
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, `Run ${this.runId} ended with ${errors.length} errors`)
  }

  private hasQueued(): boolean {
    return this.metrics.length > 0 || this.params.size > 0 || this.tags.size > 0
  }

  /** Throws if the run has ended, or the send failures not surfaced yet. */
  private checkUsable(): void {
    if (this.ending !== undefined) throw new KeelError('INVALID_STATE', `Run ${this.runId} has ended`)
    this.throwFailures()
  }

  private throwFailures(): void {
    const errors = this.failures.map((f) => f.error)
    this.failures = []
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} sends of run ${this.runId} failed`)
  }

  /** Sends the queue after the sends before it, joining a send that has not taken the queue yet. */
  private send(): Promise<void> {
    this.nextSend ??= this.sending.then(() => {
      this.nextSend = undefined
      return this.sendQueued()
    })
    const send = this.nextSend
    this.sending = send.catch(() => undefined)
    return send
  }

  private async sendQueued(): Promise<void> {
    if (!this.hasQueued()) return
    const entries = (map: Map<string, string>) => [...map].map(([key, value]) => ({ key, value }))
    const batch: Batch = { metrics: this.metrics, params: entries(this.params), tags: entries(this.tags) }
    this.metrics = []
    this.params = new Map()
    this.tags = new Map()
    const chunks = splitBatch(batch)
    let failure: { error: unknown; dropped: boolean } | undefined
    for (const [i, chunk] of chunks.entries()) {
      try {
        await this.client.logBatch(this.runId, chunk)
      } catch (error) {
        if (!isTransient(error)) {
          failure = { error, dropped: true } // the server refused this chunk: retrying cannot help
          this.failures.push(failure)
          continue
        }
        this.requeue(chunks.slice(i))
        failure = { error, dropped: false }
        this.failures = [...this.failures.filter((f) => f.dropped), failure] // only the latest outage matters
        break
      }
    }
    if (failure !== undefined) throw failure.error
    this.failures = this.failures.filter((f) => f.dropped) // what failed transiently has gone through since
  }

  /** Puts unsent chunks back in front of what was queued meanwhile. */
  private requeue(chunks: readonly Batch[]): void {
    this.metrics = [...chunks.flatMap((c) => c.metrics), ...this.metrics]
    this.params = new Map([...chunks.flatMap((c) => c.params.map((p) => [p.key, p.value] as const)), ...this.params])
    this.tags = new Map([...chunks.flatMap((c) => c.tags.map((t) => [t.key, t.value] as const)), ...this.tags])
  }
}
