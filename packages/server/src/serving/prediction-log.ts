/**
 * The prediction log's writer: requests are queued as they are answered and written to keel's
 * store in batches, off the request path. A full batch is written as soon as it is queued; what is
 * left (a partial batch) waits for the timer (`flushMs`) or `flush()`, so a busy server sends few
 * large batches rather than one small call per answer the store acknowledged meanwhile (each call
 * costs both servers a fixed share of CPU). The queue is bounded; when it is full a record is
 * dropped and counted (the count travels with the next batch), so a slow or absent store never
 * slows requests down. A batch that fails to write is retried after a pause while newer records
 * keep queueing behind it. A batch the store refuses (a 4xx: e.g. one record's inputs over its
 * size limit) is split in halves until the refused records are alone; those are dropped and
 * counted, so one bad record never blocks the log.
 */
import { KeelError, type PredictionRecord, type PredictionRow } from '@keel/contracts'
import type { ModelInput } from '@keel/sdk'
import type { PredictionLogSpec } from './deployment-spec.js'
import type { ServingMetrics } from './serving-metrics.js'

/** Where batches go: the SDK's `PredictionLogClient` in production. */
export interface PredictionSink {
  logBatch(records: readonly PredictionRecord[], dropped?: number): Promise<unknown>
}

/** A record as queued: the request's input kept as parsed, turned into rows only when written. */
export type QueuedRecord = Omit<PredictionRecord, 'inputs'> & {
  readonly input: ModelInput
  /** The model's column names, for inputs given as arrays. */
  readonly columns: readonly string[]
}

/** The input rows as objects keyed by column. */
export function inputRows(input: ModelInput, columns: readonly string[]): PredictionRow[] {
  if (Array.isArray(input)) {
    return (input as readonly unknown[]).map((row) => {
      if (!Array.isArray(row)) return row as PredictionRow
      if (columns.length === 1) return { [columns[0]!]: row }
      const out: Record<string, unknown> = {}
      for (let j = 0; j < row.length; j++) out[columns[j] ?? String(j)] = row[j]
      return out
    })
  }
  const table = input as Readonly<Record<string, readonly unknown[]>>
  const names = Object.keys(table)
  const n = names.length === 0 ? 0 : table[names[0]!]!.length
  const rows = new Array<PredictionRow>(n)
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {}
    for (const name of names) row[name] = table[name]![i]
    rows[i] = row
  }
  return rows
}

export class PredictionLog {
  private queue: QueuedRecord[] = []
  private dropped = 0
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> | undefined
  private backoffUntil = 0
  /**
   * Set by `flush()`: how many records at the head of the queue must go out now, in a partial
   * batch if need be (the records queued after it wait for a full batch or the next flush), and
   * whether the dropped count must (a flush with nothing queued still reports it).
   */
  private owed = 0
  private owedDropped = false

  constructor(
    private readonly sink: PredictionSink,
    private readonly spec: PredictionLogSpec,
    private readonly metrics: ServingMetrics,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), spec.flushMs)
    this.timer.unref()
  }

  /** Queues a record; false (and counted) when the queue is full. Never blocks. */
  push(record: QueuedRecord): boolean {
    if (this.queue.length >= this.spec.queueSize) {
      this.dropped++
      this.metrics.logDropped.inc()
      return false
    }
    this.queue.push(record)
    if (this.queue.length >= this.spec.batchSize && this.writing === undefined) void this.write()
    return true
  }

  get pending(): number {
    return this.queue.length
  }

  /** Writes everything queued, a batch at a time (a write already running takes it over). */
  flush(): Promise<void> {
    this.owed = this.queue.length
    this.owedDropped = this.dropped > 0
    return this.write()
  }

  /** Writes full batches (and the rest too after `flush()`); one write runs at a time. */
  private write(): Promise<void> {
    if (this.writing !== undefined) return this.writing
    if (this.queue.length === 0 && this.dropped === 0) return Promise.resolve()
    if (Date.now() < this.backoffUntil) return Promise.resolve()
    this.writing = this.drain().finally(() => {
      this.writing = undefined
    })
    return this.writing
  }

  private async drain(): Promise<void> {
    let size = this.spec.batchSize
    while (
      this.queue.length >= this.spec.batchSize ||
      (this.owed > 0 && this.queue.length > 0) ||
      (this.owedDropped && this.dropped > 0)
    ) {
      const batch = this.queue.slice(0, size)
      const dropped = this.dropped
      try {
        await this.sink.logBatch(
          batch.map(({ input, columns, ...rest }) => ({ ...rest, inputs: inputRows(input, columns) })),
          dropped,
        )
      } catch (error) {
        if (refused(error) && batch.length > 0) {
          if (batch.length > 1) {
            size = Math.ceil(batch.length / 2) // find the refused record(s) by halves
            continue
          }
          this.queue.splice(0, 1) // a record the store will never take
          this.owed = Math.max(0, this.owed - 1)
          this.dropped++
          this.metrics.logDropped.inc()
          this.onError(error)
          size = this.spec.batchSize
          continue
        }
        this.metrics.logFailures.inc()
        this.backoffUntil = Date.now() + Math.max(1_000, this.spec.flushMs)
        this.onError(error)
        return
      }
      this.queue.splice(0, batch.length)
      this.dropped -= dropped
      this.owed = Math.max(0, this.owed - batch.length)
      if (this.dropped === 0) this.owedDropped = false
      this.metrics.logWritten.inc(batch.length)
      size = this.spec.batchSize
    }
  }

  /**
   * Stops the timer and writes what is left (one attempt), waiting at most `timeoutMs` for the
   * store (a shutdown must not wait on it). Returns how many records were not written.
   */
  async close(timeoutMs = 10_000): Promise<number> {
    clearInterval(this.timer)
    this.backoffUntil = 0
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
    await Promise.race([this.flush(), timeout])
    clearTimeout(timer)
    return this.queue.length
  }
}

/** The store refused the content (4xx), so sending it again would fail again. */
function refused(error: unknown): boolean {
  return error instanceof KeelError && (error.code === 'INVALID_PARAMETER_VALUE' || error.code === 'BAD_REQUEST')
}
