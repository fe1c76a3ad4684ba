/**
 * Cutting a deployment's prediction log into windows, page by page (never the whole log): the
 * next complete window after a cursor, by count of input rows (whole requests) or by time
 * (aligned to multiples of the window's length since the epoch; empty spans are skipped), and
 * the rows of a window collected as columns with a uniform sample above a cap, so memory is bounded
 * by the cap whatever the window's size.
 */
import { createRng } from '@keel/ml'
import type { Monitor } from '@keel/contracts'
import type { PredictionLogStore, StoredPrediction } from '../../predictions/prediction-log-store.js'
import type { LogCursor } from './monitor-store.js'

const PAGE = 1000

/** The window a monitor reads next: records after `after` up to `end` inclusive. */
export interface WindowRange {
  readonly after: LogCursor
  readonly end: LogCursor
  readonly startMs: number
  readonly endMs: number
}

/** The log read of a monitor: its deployment, model, variant (not shadows unless it names one). */
function scope(m: Monitor) {
  return {
    deployment: m.deployment,
    ...(m.modelName !== undefined && { modelName: m.modelName }),
    ...(m.variant !== undefined ? { variant: m.variant } : { shadow: false }),
  }
}

const before = (a: LogCursor, b: LogCursor) =>
  a.timestampMs < b.timestampMs || (a.timestampMs === b.timestampMs && a.seq <= b.seq)
const served = (r: StoredPrediction) =>
  r.statusCode >= 200 && r.statusCode < 300 && r.outputs.length === r.inputs.length

/** Every served record of the monitor in (after, end], page by page. */
export async function* readRange(
  log: PredictionLogStore,
  m: Monitor,
  after: LogCursor,
  end: LogCursor,
): AsyncGenerator<StoredPrediction[]> {
  let cursor = after
  for (;;) {
    const page = await log.search({
      ...scope(m),
      after: cursor,
      endTime: end.timestampMs + 1,
      order: 'asc',
      limit: PAGE,
    })
    const items = page.items.filter((r) => before(r, end))
    if (items.length > 0) yield items.filter(served)
    const last = page.items.at(-1)
    if (!page.hasMore || !last || items.length < page.items.length) return
    cursor = { timestampMs: last.timestampMs, seq: last.seq }
  }
}

/**
 * The next complete window after `after`, or undefined when the log does not hold one yet. Records
 * newer than `cutoff` (now minus the monitor's lateness) are not considered: the model server
 * writes its log in batches, so the newest part may still be filling in.
 */
export async function nextWindow(
  log: PredictionLogStore,
  m: Monitor,
  after: LogCursor,
  cutoff: number,
): Promise<WindowRange | undefined> {
  if (m.window.kind === 'time') {
    const first = await log.search({ ...scope(m), after, endTime: cutoff, order: 'asc', limit: 1 })
    const record = first.items[0]
    if (!record) return undefined
    const length = Math.round(m.window.seconds * 1000)
    const startMs = Math.floor(record.timestampMs / length) * length
    const endMs = startMs + length
    if (endMs > cutoff) return undefined
    return {
      after,
      end: { timestampMs: endMs - 1, seq: Number.MAX_SAFE_INTEGER },
      startMs: Math.max(startMs, after.timestampMs),
      endMs,
    }
  }
  const want = m.window.count
  let rows = 0
  let cursor = after
  let firstMs: number | undefined
  for (;;) {
    const page = await log.search({ ...scope(m), after: cursor, endTime: cutoff, order: 'asc', limit: PAGE })
    for (const r of page.items) {
      cursor = { timestampMs: r.timestampMs, seq: r.seq }
      if (!served(r)) continue
      firstMs ??= r.timestampMs
      rows += r.inputs.length
      if (rows >= want) return { after, end: cursor, startMs: firstMs, endMs: r.timestampMs + 1 }
    }
    if (!page.hasMore) return undefined
  }
}

/** One row of a window: its inputs, output, probabilities and label (single-row requests only). */
export interface WindowRow {
  readonly input: Readonly<Record<string, unknown>>
  readonly output: number | string
  readonly probabilities?: readonly number[]
}

/** A reservoir of at most `cap` rows (Vitter's algorithm R): a uniform sample of everything offered. */
export class Reservoir<T> {
  readonly items: T[] = []
  seen = 0
  private readonly random: () => number

  constructor(
    private readonly cap: number,
    seed: number,
  ) {
    this.random = createRng(Math.trunc(seed)) // deterministic, so a window's sample is the same on a re-run
  }

  offer(item: T): void {
    this.seen++
    if (this.items.length < this.cap) this.items.push(item)
    else {
      const j = Math.floor(this.random() * this.seen)
      if (j < this.cap) this.items[j] = item
    }
  }
}

/** Rows of the records in a range, sampled to `cap`; `onPage` sees every row, a page at a time. */
export async function collectRows(
  log: PredictionLogStore,
  m: Monitor,
  range: WindowRange,
  cap: number,
  onPage?: (rows: readonly WindowRow[]) => void,
): Promise<Reservoir<WindowRow>> {
  const sample = new Reservoir<WindowRow>(cap, range.after.timestampMs ^ range.end.timestampMs)
  for await (const page of readRange(log, m, range.after, range.end)) {
    const rows: WindowRow[] = []
    for (const r of page) {
      for (let i = 0; i < r.inputs.length; i++) {
        const p = r.probabilities?.[i]
        const row = { input: r.inputs[i]!, output: r.outputs[i]!, ...(p && { probabilities: p }) }
        sample.offer(row)
        if (onPage) rows.push(row)
      }
    }
    onPage?.(rows)
  }
  return sample
}
