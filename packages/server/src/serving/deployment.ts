/**
 * A running deployment: its variants, the traffic policy between the live ones, the shadows that
 * get copies, the watcher that follows registry aliases, and what each answered request leaves
 * behind (metrics and a prediction-log record). The wire protocols are in `protocol/`, the HTTP
 * edge in `model-server.ts`.
 */
import type { ModelInput } from '@keel/sdk'
import type { DeploymentSpec } from './deployment-spec.js'
import type { PredictionLog } from './prediction-log.js'
import { statusOfServingError } from './protocol/protocol-error.js'
import type { RequestLabels, ServingMetrics } from './serving-metrics.js'
import { TrafficPolicy } from './traffic.js'
import { type ModelSource, type Prediction, Variant, type VersionSwitch } from './variant.js'

export interface RequestContext {
  readonly requestId: string
  readonly protocol: 'v2' | 'mlflow'
  /** performance.now() when the request arrived. */
  readonly started: number
  /** Compute class probabilities too (asked for, or logged for monitoring). */
  readonly proba: boolean
  /** MLflow's inference params from the request (python_function models take them). */
  readonly params?: Readonly<Record<string, unknown>>
}

export interface DeploymentEvents {
  switched(change: VersionSwitch): void
  refreshFailed(variant: string, error: unknown): void
  shadowFailed(variant: string, error: unknown): void
}

/** What a request left on one variant: the prediction-log record's facts. */
interface Outcome {
  readonly variant: Variant
  /** The version that computed it (read when the request started: a switch may land meanwhile). */
  readonly version: string | undefined
  readonly input: ModelInput
  readonly ctx: RequestContext
  /** The HTTP status of the answer (a shadow's: of the answer it would have given). */
  readonly status: number
  /** Milliseconds. */
  readonly latency: number
  readonly shadow: boolean
  readonly result?: Prediction
  readonly error?: unknown
}

/**
 * A prediction as the log takes it: a class or a value as it is; anything else a python_function
 * model may answer (a row of values, a record, a boolean, null) as its JSON text.
 */
const loggable = (value: unknown): number | string =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : JSON.stringify(value)

/** The names of a model's input columns, in order (for inputs sent as arrays). */
const columnsOf = (variant: Variant): string[] => variant.model.inputSchema.map((f, i) => f.name ?? String(i))

export class Deployment {
  readonly variants: readonly Variant[]
  readonly live: readonly Variant[]
  readonly shadows: readonly Variant[]
  private readonly policy: TrafficPolicy
  private watcher: NodeJS.Timeout | undefined
  private refreshing = false
  /** The last registry failure reported per variant: reported again only when it changes. */
  private readonly refreshErrors = new Map<string, string>()
  private started = false
  /** Requests in progress (live variants). */
  inflight = 0

  constructor(
    readonly spec: DeploymentSpec,
    source: ModelSource,
    readonly metrics: ServingMetrics,
    private readonly log: PredictionLog | undefined,
    private readonly events: DeploymentEvents,
  ) {
    this.variants = spec.variants.map((v) => new Variant(v, source, spec.batching))
    this.live = this.variants.filter((v) => !v.spec.shadow)
    this.shadows = this.variants.filter((v) => v.spec.shadow)
    this.policy = new TrafficPolicy(this.live.map((v) => v.spec.weight))
  }

  get name(): string {
    return this.spec.name
  }

  get ready(): boolean {
    return this.started
  }

  /** Loads every variant; the deployment is ready once all are loaded. */
  async start(): Promise<void> {
    await Promise.all(this.variants.map((v) => v.start()))
    this.started = true
    if (this.variants.some((v) => v.follows)) {
      this.watcher = setInterval(() => void this.refresh(), this.spec.pollIntervalMs)
      this.watcher.unref()
    }
  }

  /** Checks each following variant against the registry once. */
  async refresh(): Promise<void> {
    if (this.refreshing) return
    this.refreshing = true
    try {
      for (const variant of this.variants) {
        try {
          const change = await variant.refresh()
          this.refreshErrors.delete(variant.name)
          if (change !== undefined) {
            this.metrics.switched(change.variant, change.from, change.to)
            this.events.switched(change)
          }
        } catch (error) {
          // Keep serving the version we have; say so once per distinct failure, not every poll.
          const message = error instanceof Error ? error.message : String(error)
          if (this.refreshErrors.get(variant.name) !== message) this.events.refreshFailed(variant.name, error)
          this.refreshErrors.set(variant.name, message)
        }
      }
    } finally {
      this.refreshing = false
    }
  }

  /** The live variant for a request: sticky on `key` when given, else weighted at random. */
  choose(key: string | undefined): Variant {
    return this.live[this.policy.pick(key)]!
  }

  /** The variant serving a registered version (`/v2/models/<name>/versions/<v>`). */
  byVersion(version: string): Variant | undefined {
    return this.variants.find((v) => v.version === version) ?? this.variants.find((v) => v.name === version)
  }

  /** The value a sticky field has in the request's first row. */
  stickyKey(input: ModelInput, header: string | undefined): string | undefined {
    if (this.spec.stickyHeader !== undefined) return header
    const field = this.spec.stickyField
    if (field === undefined) return undefined
    let value: unknown
    if (Array.isArray(input)) {
      const first: unknown = input[0]
      if (Array.isArray(first)) value = first[columnsOf(this.live[0]!).indexOf(field)]
      else if (typeof first === 'object' && first !== null) value = (first as Record<string, unknown>)[field]
    } else {
      value = (input as Record<string, readonly unknown[]>)[field]?.[0]
    }
    return value === undefined || value === null ? undefined : String(value)
  }

  private labels(variant: Variant, protocol: 'v2' | 'mlflow'): RequestLabels {
    return { model: variant.modelName ?? this.name, version: variant.version ?? '', variant: variant.name, protocol }
  }

  /**
   * Runs a request on a live variant and records it; shadows get a copy afterwards. The answer
   * names the version that computed it (a switch may land while a request is in flight).
   */
  async run(
    variant: Variant,
    input: ModelInput,
    rows: number,
    ctx: RequestContext,
  ): Promise<Prediction & { readonly version?: string }> {
    const version = variant.version
    const result = await variant.predict(input, rows, ctx.proba, ctx.params) // a failure is recorded by the edge, with its status
    const latency = performance.now() - ctx.started
    this.metrics.observe({ ...this.labels(variant, ctx.protocol), version: version ?? '' }, 200, latency / 1000)
    this.queue({ variant, version, input, ctx, status: 200, latency, shadow: false, result })
    if (this.shadows.length > 0) setImmediate(() => this.runShadows(input, rows, ctx))
    return version === undefined ? result : { ...result, version }
  }

  /** Metrics and the log record of a failed request that reached a variant. */
  fail(variant: Variant, input: ModelInput | undefined, ctx: RequestContext, status: number, error: unknown): void {
    const latency = performance.now() - ctx.started
    this.metrics.observe(this.labels(variant, ctx.protocol), status, latency / 1000)
    if (input !== undefined)
      this.queue({ variant, version: variant.version, input, ctx, status, latency, shadow: false, error })
  }

  private queue(outcome: Outcome): void {
    if (this.log === undefined) return
    const { variant, version, input, ctx, status, latency, shadow, result, error } = outcome
    this.log.push({
      requestId: ctx.requestId,
      deployment: this.name,
      modelName: variant.modelName ?? this.name,
      ...(version !== undefined && { modelVersion: version }),
      modelUri: variant.spec.modelUri,
      variant: variant.name,
      shadow,
      timestampMs: Date.now(),
      latencyMs: Math.round(latency * 1000) / 1000,
      protocol: ctx.protocol,
      input,
      columns: columnsOf(variant),
      outputs: (result?.predictions ?? []).map(loggable),
      ...(result?.probabilities !== undefined && { probabilities: result.probabilities }),
      statusCode: status,
      ...(error !== undefined && { error: (error instanceof Error ? error.message : String(error)).slice(0, 2_000) }),
    })
  }

  private runShadows(input: ModelInput, rows: number, ctx: RequestContext): void {
    for (const shadow of this.shadows) {
      const labels = this.labels(shadow, ctx.protocol)
      if (this.inflight >= this.spec.maxConcurrency / 2) {
        this.metrics.shadow(labels, 'skipped') // under load, live requests come first
        continue
      }
      const started = performance.now()
      const copy = { variant: shadow, version: shadow.version, input, ctx, shadow: true }
      shadow.predict(input, rows, ctx.proba, ctx.params).then(
        (result) => {
          this.metrics.shadow(labels, 'ok')
          this.queue({ ...copy, status: 200, latency: performance.now() - started, result })
        },
        (error: unknown) => {
          this.metrics.shadow(labels, 'error')
          // Logged with the status its error maps to, as a live request's failure is (a model fault is 500).
          const status = statusOfServingError(error)
          this.queue({ ...copy, status, latency: performance.now() - started, error })
          this.events.shadowFailed(shadow.name, error)
        },
      )
    }
  }

  /** Stops watching and writes the prediction log's last records (at most `logTimeoutMs`); returns the records left unwritten. */
  async close(logTimeoutMs?: number): Promise<number> {
    clearInterval(this.watcher)
    await Promise.all(this.variants.map((v) => v.close()))
    return (await this.log?.close(logTimeoutMs)) ?? 0
  }
}
