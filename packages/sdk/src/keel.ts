/**
 * The fluent entry point, like `import mlflow`: pick an experiment, start runs (nested or not),
 * and run a function inside a run. `keel.client` is the full `TrackingClient`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { type Experiment, KeelError, type ModelVersion } from '@keel/contracts'
import { type ArtifactRepository, resolveArtifactRepository } from './artifacts.js'
import type { HttpOptions } from './http.js'
import { type TagsInput, toKeyValues } from './inputs.js'
import { type LineageOptions, collectLineageTags } from './lineage.js'
import { type LoadModelOptions, type LoadedModel, loadModelWith } from './models/load-model.js'
import { PredictionLogClient } from './prediction-log-client.js'
import { MonitorClient } from './monitor-client.js'
import { JobClient } from './job-client.js'
import { ActiveRun, type ActiveRunOptions } from './run.js'
import { RegistryClient } from './registry-client.js'
import { AuthClient } from './auth-client.js'
import { MonitoringClient } from './monitoring-client.js'
import { TrackingClient } from './tracking-client.js'
import type { LiveSpan } from './tracing/span.js'
import { type TraceOptions, type TracedOptions, Tracer, type TracerOptions } from './tracing/tracer.js'
import { TracingClient } from './tracing/tracing-client.js'

export interface KeelOptions extends HttpOptions, ActiveRunOptions, TracerOptions {
  /** Record lineage tags (`mlflow.source.*`, `keel.runtime.*`, `keel.dependencies`) on new runs (default true). */
  readonly lineage?: boolean | LineageOptions
}

export interface StartRunOptions {
  readonly runName?: string
  readonly tags?: TagsInput
  /** Default: the experiment of `setExperiment`, else `MLFLOW_EXPERIMENT_NAME`/`MLFLOW_EXPERIMENT_ID`, else the server's default ("0"). */
  readonly experimentId?: string
  /** Stored as the tag `mlflow.note.content`, which the MLflow UI shows as the run's description. */
  readonly description?: string
  /** The parent (a run or its id): the new run gets the tag `mlflow.parentRunId`. */
  readonly parentRun?: ActiveRun | string
  /** Nest under the current run: the run of the enclosing `withRun`, else the latest active run started here. */
  readonly nested?: boolean
}

export class Keel {
  private clientInstance: TrackingClient | undefined
  private registryInstance: RegistryClient | undefined
  private monitoringInstance: MonitoringClient | undefined
  private predictionsInstance: PredictionLogClient | undefined
  private monitorsInstance: MonitorClient | undefined
  private jobsInstance: JobClient | undefined
  private authInstance: AuthClient | undefined
  private tracerInstance: Tracer | undefined
  private tracesInstance: TracingClient | undefined
  private experimentId: string | undefined
  private readonly started: ActiveRun[] = []
  private readonly currentRun = new AsyncLocalStorage<ActiveRun>()
  private lineage: Promise<Record<string, string>> | undefined

  constructor(private readonly options: KeelOptions = {}) {}

  /** The full tracking client (created on first use, so a bad tracking URI fails there, not at import). */
  get client(): TrackingClient {
    this.clientInstance ??= new TrackingClient(this.options)
    return this.clientInstance
  }

  /** The model-registry client, on the same connection as `client`. */
  get registry(): RegistryClient {
    this.registryInstance ??= new RegistryClient(this.client.http)
    return this.registryInstance
  }

  /** The prediction log (served requests, labels, per-deployment summary), on the same connection. */
  get predictions(): PredictionLogClient {
    this.predictionsInstance ??= new PredictionLogClient(this.client.http)
    return this.predictionsInstance
  }

  /** Live monitors on keel server: windows of a deployment's prediction log, performance, alerts. */
  get monitors(): MonitorClient {
    this.monitorsInstance ??= new MonitorClient(this.client.http)
    return this.monitorsInstance
  }

  /** keel server's work queue: background jobs, their state, attempts and last error; cancel. */
  get jobs(): JobClient {
    this.jobsInstance ??= new JobClient(this.client.http)
    return this.jobsInstance
  }

  /** Users, permissions, roles, tokens and the audit log (a server with authentication on). */
  get auth(): AuthClient {
    this.authInstance ??= new AuthClient(this.client.http)
    return this.authInstance
  }

  /** Drift and data-quality reports: computed locally, or by the server (`remoteDriftReport`). */
  get monitoring(): MonitoringClient {
    this.monitoringInstance ??= new MonitoringClient(() => this.client.http)
    return this.monitoringInstance
  }

  /**
   * Tracing, like MLflow's `@mlflow.trace`: `trace`, `traced`, `startSpan`, `flush`, and reading
   * traces back (`getTrace`, `searchTraces`, tags, `logFeedback`), on the same connection. A
   * trace goes to the experiment of the active run, else of `setExperiment`, else the
   * environment's, else "0"; the active run is its `mlflow.sourceRun`.
   */
  get tracing(): Tracer {
    this.tracerInstance ??= new Tracer(
      {
        client: () => {
          this.tracesInstance ??= new TracingClient(this.client.http)
          return this.tracesInstance
        },
        activeRun: () => {
          const run = this.activeRun()
          return run && { runId: run.runId, experimentId: run.experimentId }
        },
        experimentId: () => this.experimentId,
        defaultExperimentId: () => this.defaultExperimentId(),
        traceMetadata: async () => {
          // What MLflow records of where a trace came from: mlflow.user, mlflow.source.* (git included).
          const tags = Object.entries(await this.lineageTags())
          return Object.fromEntries(tags.filter(([key, value]) => key.startsWith('mlflow.') && value.length <= 250))
        },
      },
      this.options,
    )
    return this.tracerInstance
  }

  /**
   * Runs `fn` inside a span (see `Tracer.trace`): nested calls become child spans, the result is
   * the span's outputs, an error is recorded and rethrown. The trace is sent when its root span
   * ends; `await keel.tracing.flush()` waits for that.
   */
  trace<T>(name: string, fn: (span: LiveSpan) => T, options?: TraceOptions): T {
    return this.tracing.trace(name, fn, options)
  }

  /** `fn` wrapped so that every call is a span (see `Tracer.traced`), like `@mlflow.trace`. */
  traced<A extends unknown[], R>(fn: (...args: A) => R, options?: TracedOptions<A>): (...args: A) => R {
    return this.tracing.traced(fn, options)
  }

  get trackingUri(): string {
    return this.client.http.baseUrl
  }

  /**
   * Makes the experiment of that name the default of later runs, creating it if needed (like
   * `mlflow.set_experiment`). Refuses a deleted experiment: restore it first.
   */
  async setExperiment(name: string): Promise<Experiment> {
    let experiment = await this.client.getExperimentByName(name)
    if (experiment === undefined) {
      try {
        experiment = await this.client.getExperiment(await this.client.createExperiment(name))
      } catch (error) {
        if (!(error instanceof KeelError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error
        experiment = await this.client.getExperimentByName(name) // created concurrently
      }
    }
    if (experiment === undefined) throw KeelError.notFound(`Experiment '${name}' does not exist`)
    if (experiment.lifecycleStage === 'deleted') {
      throw KeelError.invalid(
        `Cannot set a deleted experiment '${name}' as the active experiment. Restore it, or permanently delete it to create a new one.`,
      )
    }
    this.experimentId = experiment.experimentId
    return experiment
  }

  /** The run of the enclosing `withRun`, else the latest run started here that has not ended. */
  activeRun(): ActiveRun | undefined {
    const current = this.currentRun.getStore()
    if (current !== undefined && !current.ended) return current
    return this.started.filter((run) => !run.ended).at(-1)
  }

  /**
   * Starts a run and returns it, with lineage tags recorded (see `collectLineageTags`).
   *
   * With `await using run = await keel.startRun()`, the run ends FINISHED when the block is left,
   * including when an exception leaves it: JavaScript does not tell a disposer that an exception is
   * propagating. To record failures, use `withRun` (ends FAILED on exception and rethrows) or call
   * `run.fail(err)` in a `catch`. A crash of the process (uncaught exception, unhandled rejection)
   * still marks the active runs FAILED, and SIGINT/SIGTERM mark them KILLED.
   */
  async startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
    const parent = options.parentRun ?? (options.nested ? this.activeRun() : undefined)
    if (options.nested && parent === undefined)
      throw KeelError.invalid('nested: true needs an active run to nest under')
    const parentId = typeof parent === 'string' ? parent : parent?.runId
    const experimentId =
      options.experimentId ??
      (typeof parent === 'object' ? parent.experimentId : undefined) ??
      (await this.defaultExperimentId())
    const tags: Record<string, string> = { ...(await this.lineageTags()) }
    for (const { key, value } of toKeyValues(options.tags)) tags[key] = value
    if (parentId !== undefined) tags['mlflow.parentRunId'] = parentId
    if (options.runName !== undefined) tags['mlflow.runName'] = options.runName
    if (options.description !== undefined) tags['mlflow.note.content'] = options.description
    const run = await this.client.createRun({
      ...(experimentId !== undefined && { experimentId }),
      ...(options.runName !== undefined && { runName: options.runName }),
      tags,
    })
    const active = new ActiveRun(this.client, run, this.options, () => this.registry)
    this.started.splice(0, this.started.length, ...this.started.filter((r) => !r.ended), active)
    return active
  }

  /**
   * Runs `fn` inside a new run: the run ends FINISHED when `fn` resolves, FAILED when it throws
   * (the error is rethrown). Runs started with `nested: true` inside `fn` nest under this run.
   */
  async withRun<T>(options: StartRunOptions, fn: (run: ActiveRun) => Promise<T> | T): Promise<T> {
    const run = await this.startRun(options)
    let result: T
    try {
      result = await this.currentRun.run(run, () => fn(run))
    } catch (error) {
      await run.fail(error).catch((endError: unknown) => {
        process.emitWarning(`keel: could not mark run ${run.runId} FAILED: ${String(endError)}`)
      })
      throw error
    }
    await run.end()
    return result
  }

  /** The artifact repository of any run, to list or download its artifacts. */
  async artifacts(runId: string): Promise<ArtifactRepository> {
    const run = await this.client.getRun(runId)
    return resolveArtifactRepository(run.info.artifactUri, this.client.http)
  }

  /**
   * Loads a model to predict with: `models:/<name>/<version>`, `models:/<name>@<alias>`,
   * `models:/<name>/latest`, `models:/<name>/<stage>`, `models:/<model_id>`, `runs:/<run_id>/<path>`,
   * an artifact URI or a local folder. Runs the `keel` flavor (estimators of `@keel/ml`) and the
   * `onnx` flavor (with onnxruntime-node); see `LoadedModel`.
   */
  async loadModel(uri: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
    return loadModelWith(uri, {
      ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
      ...(options.python !== undefined && { python: options.python }),
      client: () => options.client ?? this.client,
      registry: () => options.registry ?? this.registry,
    })
  }

  /**
   * Registers a model as the next version of `name`, creating the registered model if needed, like
   * `mlflow.register_model`: `runs:/<run_id>/model`, `models:/<model_id>` or an artifact URI.
   */
  async registerModel(
    modelUri: string,
    name: string,
    options: { description?: string; tags?: TagsInput } = {},
  ): Promise<ModelVersion> {
    try {
      await this.registry.createRegisteredModel(name)
    } catch (error) {
      if (!(error instanceof KeelError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error
    }
    // The server checks that a source belongs to the run or logged model it names, as MLflow does.
    const runId = /^runs:\/([^/]+)/.exec(modelUri)?.[1]
    const modelId = /^models:\/(m-[^/@]+)$/.exec(modelUri)?.[1]
    return this.registry.createModelVersion(name, modelUri, {
      ...options,
      ...(runId && { runId }),
      ...(modelId && { modelId }),
    })
  }

  private async defaultExperimentId(): Promise<string | undefined> {
    if (this.experimentId !== undefined) return this.experimentId
    const name = process.env.MLFLOW_EXPERIMENT_NAME
    if (name) return (await this.setExperiment(name)).experimentId
    return process.env.MLFLOW_EXPERIMENT_ID || undefined
  }

  private lineageTags(): Promise<Record<string, string>> {
    const lineage = this.options.lineage ?? true
    if (lineage === false) return Promise.resolve({})
    this.lineage ??= collectLineageTags(lineage === true ? {} : lineage)
    return this.lineage
  }
}

/** A keel instance; options override the environment (`KEEL_TRACKING_URI`, `MLFLOW_TRACKING_URI`, …). */
export function createKeel(options: KeelOptions = {}): Keel {
  return new Keel(options)
}
