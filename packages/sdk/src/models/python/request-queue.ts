/**
 * The requests waiting for a Python worker, and how they form batches: a free worker takes the head
 * request and every queued request that can share its call (same input form, columns, method and
 * params), up to a number of rows. A request being retried on its own (its batch failed, or the
 * model's answer was not one value per row) is never batched again.
 */
import type { ColumnType, TableColumn } from './frame.js'

/** How the rows reach the model: a pandas DataFrame, or a numpy array (`vector`: one column, 1-D). */
export interface InputForm {
  readonly kind: 'dataframe' | 'ndarray'
  readonly vector?: boolean
}

export interface PredictRequest {
  readonly rows: number
  readonly columns: readonly TableColumn[]
  /** Column types to use instead of inferring them from the values (the signature's). */
  readonly types?: ReadonlyMap<string, ColumnType>
  readonly form: InputForm
  readonly method?: 'predict' | 'predict_proba' | 'predict_and_proba'
  readonly params?: Readonly<Record<string, unknown>>
}

export interface Job {
  readonly request: PredictRequest
  /** Requests with the same key may share a call. */
  readonly key: string
  /** Predicted alone (a failed or unaligned batch being retried). */
  readonly alone: boolean
  resolve(value: unknown): void
  reject(error: unknown): void
}

const keyOf = (r: PredictRequest): string =>
  JSON.stringify([r.form, r.method ?? 'predict', r.params ?? null, r.columns.map((c) => c.name)])

/** The columns of several requests, one after another. */
export function concatColumns(requests: readonly PredictRequest[]): TableColumn[] {
  return requests[0]!.columns.map((column, i) => ({
    name: column.name,
    values: requests.flatMap((r) => r.columns[i]!.values as unknown[]),
  }))
}

export class RequestQueue {
  private jobs: Job[] = []

  get length(): number {
    return this.jobs.length
  }

  /** Queues a request; the promise settles when a worker answers it. */
  push(request: PredictRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.jobs.push({ request, key: keyOf(request), alone: false, resolve, reject })
    })
  }

  /** Puts a batch's requests back at the head, each to be predicted on its own. */
  retryAlone(jobs: readonly Job[]): void {
    this.jobs.unshift(...jobs.map((j) => ({ ...j, alone: true })))
  }

  /** The next batch: the head request and those that may join it, up to `maxRows` rows (0: the head alone). */
  take(maxRows: number): Job[] {
    const first = this.jobs.shift()!
    const batch = [first]
    if (first.alone || maxRows === 0) return batch
    let rows = first.request.rows
    const rest: Job[] = []
    for (const job of this.jobs) {
      if (rows < maxRows && !job.alone && job.key === first.key && rows + job.request.rows <= maxRows) {
        batch.push(job)
        rows += job.request.rows
      } else rest.push(job)
    }
    this.jobs = rest
    return batch
  }

  rejectAll(error: unknown): void {
    for (const job of this.jobs.splice(0)) job.reject(error)
  }
}
