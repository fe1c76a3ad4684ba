/**
 * Adaptive micro-batching: requests that arrive while a batch is being gathered are predicted in
 * one call. A batch goes when it holds `maxBatchSize` rows or when its first request has waited
 * `maxWaitMs`; each caller gets its own slice of the answer. Requests are grouped by input form
 * (rows or columns), because those concatenate differently.
 */
import type { ModelInput } from '@keel/sdk'

export type BatchPredict<T> = (input: ModelInput) => Promise<T[]>

interface Pending<T> {
  readonly input: ModelInput
  readonly rows: number
  resolve(value: T[]): void
  reject(error: unknown): void
}

export class MicroBatcher<T> {
  private pending: Pending<T>[] = []
  private rows = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly predict: BatchPredict<T>,
    private readonly maxBatchSize: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Queues a request's rows; resolves with the predictions for exactly those rows. */
  submit(input: ModelInput, rows: number): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      this.pending.push({ input, rows, resolve, reject })
      this.rows += rows
      if (this.rows >= this.maxBatchSize) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs)
    })
  }

  /** Requests waiting for their batch. */
  get waiting(): number {
    return this.pending.length
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.pending
    this.pending = []
    this.rows = 0
    const rowsForm = batch.filter((p) => Array.isArray(p.input))
    const columnsForm = batch.filter((p) => !Array.isArray(p.input))
    if (rowsForm.length > 0) void this.run(rowsForm, concatRows)
    if (columnsForm.length > 0) void this.run(columnsForm, concatColumns)
  }

  private async run(
    batch: readonly Pending<T>[],
    concat: (inputs: readonly ModelInput[]) => ModelInput,
  ): Promise<void> {
    let out: T[]
    try {
      out = await this.predict(batch.length === 1 ? batch[0]!.input : concat(batch.map((p) => p.input)))
    } catch (error) {
      // One bad request must not fail its neighbours: retry each alone, so only the culprit fails.
      if (batch.length === 1) batch[0]!.reject(error)
      else for (const p of batch) this.predict(p.input).then(p.resolve, p.reject)
      return
    }
    let offset = 0
    for (const p of batch) {
      p.resolve(out.slice(offset, offset + p.rows))
      offset += p.rows
    }
  }
}

function concatRows(inputs: readonly ModelInput[]): ModelInput {
  return (inputs as readonly (readonly unknown[])[]).flat() as ModelInput
}

/** Columns of several requests, column by column; a column missing from a request is padded with nulls. */
function concatColumns(inputs: readonly ModelInput[]): ModelInput {
  const tables = inputs as readonly Readonly<Record<string, readonly unknown[]>>[]
  const names = new Set(tables.flatMap((t) => Object.keys(t)))
  const out: Record<string, unknown[]> = {}
  for (const name of names) {
    const column: unknown[] = []
    for (const t of tables) {
      const values = t[name]
      const rows = Object.values(t)[0]?.length ?? 0
      if (values === undefined) for (let i = 0; i < rows; i++) column.push(null)
      else for (const v of values) column.push(v)
    }
    out[name] = column
  }
  return out
}
