/**
 * One variant of a deployment: the model it serves now, and how it follows its URI. A variant
 * whose URI names an alias, a stage or `latest` checks the registry on every `refresh()`; when the
 * version moved, it loads the new one completely, then switches between requests. The old model
 * is closed once its last in-flight request has finished, so a switch never fails a request.
 * Moving the alias back is the rollback.
 */
import { KeelError } from '@keel/contracts'
import type { Label } from '@keel/ml'
import { type LoadedModel, type ModelInput, type ModelVersionRef, type Schema, parseModelUri } from '@keel/sdk'
import type { BatchingSpec, VariantSpec } from './deployment-spec.js'
import { MicroBatcher } from './micro-batcher.js'
import type { ModelShape } from './protocol/open-inference.js'

/** Where models come from: the registry and the model loader (the SDK's, in production). */
export interface ModelSource {
  /** The version a registry URI points at now. */
  resolveVersion(uri: string): Promise<ModelVersionRef>
  /** Loads a model by URI. */
  load(uri: string): Promise<LoadedModel>
}

export interface Prediction {
  readonly predictions: Label[] | number[]
  readonly probabilities?: number[][]
}

/** A loaded model with the count of requests using it. */
class Generation {
  inflight = 0
  retired = false
  private readonly batcher: MicroBatcher<unknown> | undefined
  private readonly probaBatcher: MicroBatcher<number[]> | undefined

  constructor(
    readonly model: LoadedModel,
    readonly version: string | undefined,
    batching: BatchingSpec | undefined,
  ) {
    // A python_function model's worker pool batches the requests that queue for it already.
    if (batching !== undefined && model.flavor !== 'python_function') {
      this.batcher = new MicroBatcher<unknown>(
        (input) => model.predict(input) as Promise<unknown[]>,
        batching.maxBatchSize,
        batching.maxWaitMs,
      )
      if (model.predictProba !== undefined)
        this.probaBatcher = new MicroBatcher(
          (input) => model.predictProba!(input),
          batching.maxBatchSize,
          batching.maxWaitMs,
        )
    }
  }

  async predict(
    input: ModelInput,
    rows: number,
    proba: boolean,
    params?: Readonly<Record<string, unknown>>,
  ): Promise<Prediction> {
    this.inflight++
    try {
      const wantProba = proba && this.model.predictProba !== undefined
      if (wantProba && this.model.predictWithProba !== undefined) {
        // One pass for both (the prediction log asks for probabilities on every request).
        return await this.model.predictWithProba(input, params === undefined ? {} : { params })
      }
      if (params !== undefined) {
        const predictions = await this.model.predict(input, { params })
        return wantProba ? { predictions, probabilities: await this.model.predictProba!(input) } : { predictions }
      }
      if (this.batcher !== undefined) {
        const [predictions, probabilities] = await Promise.all([
          this.batcher.submit(input, rows) as Promise<Label[]>,
          wantProba ? this.probaBatcher!.submit(input, rows) : undefined,
        ])
        return probabilities === undefined ? { predictions } : { predictions, probabilities }
      }
      const predictions = await this.model.predict(input)
      return wantProba ? { predictions, probabilities: await this.model.predictProba!(input) } : { predictions }
    } finally {
      this.inflight--
      if (this.retired && this.inflight === 0) void this.model.close()
    }
  }

  retire(): void {
    this.retired = true
    if (this.inflight === 0) void this.model.close()
  }
}

/** Whether an output signature names two or more columns (a DataFrame answer, one v2 output each). */
const columnOutputs = (schema: Schema | undefined): boolean =>
  schema !== undefined && schema.length > 1 && schema.every((f) => f.type !== 'tensor' && f.name !== undefined)

export interface VersionSwitch {
  readonly variant: string
  readonly from?: string
  readonly to: string
}

export class Variant {
  private current!: Generation
  /** Whether the URI can move (an alias, a stage or `latest`). */
  readonly follows: boolean
  private registeredName: string | undefined
  private closed = false

  constructor(
    readonly spec: VariantSpec,
    private readonly source: ModelSource,
    private readonly batching: BatchingSpec | undefined,
  ) {
    const parsed = parseModelUri(spec.modelUri)
    this.follows = parsed.kind === 'alias' || parsed.kind === 'stage' || parsed.kind === 'latest'
    this.registeredName = 'name' in parsed ? parsed.name : undefined
  }

  get name(): string {
    return this.spec.name
  }

  get model(): LoadedModel {
    return this.current.model
  }

  /** The registered version serving now, when the model came from the registry. */
  get version(): string | undefined {
    return this.current.version
  }

  /** The registered model's name, else the deployment's model name is used. */
  get modelName(): string | undefined {
    return this.registeredName
  }

  get shape(): ModelShape {
    const m = this.current.model
    return {
      inputSchema: m.inputSchema,
      ...(m.task !== undefined && { task: m.task }),
      ...(m.classes !== undefined && { classes: m.classes }),
      hasProba: m.predictProba !== undefined,
      ...(m.flavor === 'python_function' &&
        columnOutputs(m.signature?.outputs) && { outputColumns: m.signature!.outputs! }),
    }
  }

  async start(): Promise<void> {
    if (this.follows) {
      const ref = await this.source.resolveVersion(this.spec.modelUri)
      this.current = await this.generation(`models:/${ref.name}/${ref.version}`, ref.version)
    } else {
      const model = await this.source.load(this.spec.modelUri)
      this.current = new Generation(model, model.modelVersion?.version, this.batching)
      this.registeredName ??= model.modelVersion?.name
    }
  }

  private async generation(uri: string, version: string): Promise<Generation> {
    const model = await this.source.load(uri)
    return new Generation(model, version, this.batching)
  }

  /** Checks the registry; when the URI points at another version, loads it and switches to it. */
  async refresh(): Promise<VersionSwitch | undefined> {
    if (!this.follows) return undefined
    const ref = await this.source.resolveVersion(this.spec.modelUri)
    if (ref.version === this.current.version) return undefined
    const next = await this.generation(`models:/${ref.name}/${ref.version}`, ref.version)
    const previous = this.current
    this.current = next // between requests: JavaScript runs one at a time
    previous.retire()
    return { variant: this.name, ...(previous.version !== undefined && { from: previous.version }), to: ref.version }
  }

  /** A request that reaches a closed variant (a shadow's copy during shutdown) is a 503: retry on another server. */
  predict(
    input: ModelInput,
    rows: number,
    proba: boolean,
    params?: Readonly<Record<string, unknown>>,
  ): Promise<Prediction> {
    if (this.closed) {
      return Promise.reject(
        new KeelError(
          'TEMPORARILY_UNAVAILABLE',
          `Variant '${this.name}' no longer serves: the model server is closing`,
        ),
      )
    }
    return this.current.predict(input, rows, proba, params)
  }

  async close(): Promise<void> {
    this.closed = true
    this.current.retire()
  }
}
