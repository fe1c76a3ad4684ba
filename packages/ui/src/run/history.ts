/**
 * Metric histories for charts, through the public API: a run's full history (paged get-history,
 * up to a cap), histories of several runs sampled by get-history-bulk-interval, and the tail of a
 * live run (bulk-interval from the last step loaded), merged onto what is already drawn.
 */
import { LIMITS, type Metric, metricFromWire, trackingApi } from '@keel/contracts'
import { call } from '../api/client'

/** Past this many points a run's history is sampled evenly over its steps instead. */
export const FULL_HISTORY_CAP = 200_000
const PAGE = LIMITS.metricHistoryMaxResults
/** Points per run of a sampled history (get-history-bulk-interval's limit, as MLflow's). */
const SAMPLED = LIMITS.bulkHistoryMaxResults

export interface History {
  readonly points: readonly Metric[]
  /** True when the server sampled the points (too many to draw them all). */
  readonly sampled: boolean
}

export async function loadRunHistory(runId: string, key: string, signal?: AbortSignal): Promise<History> {
  const points: Metric[] = []
  let token: string | undefined
  do {
    const page = await call(
      trackingApi.getMetricHistory,
      { run_id: runId, metric_key: key, max_results: PAGE, ...(token && { page_token: token }) },
      signal,
    )
    for (const m of page.metrics ?? []) points.push(metricFromWire(m))
    token = page.next_page_token
    if (token && points.length >= FULL_HISTORY_CAP) {
      const sampled = await loadSampled([runId], key, signal)
      return { points: sampled.get(runId) ?? [], sampled: true }
    }
  } while (token)
  return { points: sortByStep(points), sampled: false }
}

/** Up to 2,500 points per run, spread evenly over its points, both ends kept (get-history-bulk-interval). */
export async function loadSampled(
  runIds: readonly string[],
  key: string,
  signal?: AbortSignal,
  startStep?: number,
): Promise<Map<string, Metric[]>> {
  const out = new Map<string, Metric[]>(runIds.map((id) => [id, []]))
  for (let i = 0; i < runIds.length; i += LIMITS.bulkHistoryMaxRuns) {
    const ids = runIds.slice(i, i + LIMITS.bulkHistoryMaxRuns)
    const res = await call(
      trackingApi.getMetricHistoryBulkInterval,
      {
        run_ids: ids,
        metric_key: key,
        max_results: SAMPLED,
        // A range names both ends (as MLflow requires): from startStep to the last step there is.
        ...(startStep !== undefined && { start_step: startStep, end_step: Number.MAX_SAFE_INTEGER }),
      },
      signal,
    )
    for (const w of res.metrics ?? []) {
      const m = metricFromWire(w)
      out.get(m.runId ?? '')?.push(m)
    }
  }
  return out
}

/**
 * A live run's new points: everything from the last loaded step on. Falls back to a full reload
 * when the tail is itself too long to come back unsampled.
 */
export async function loadRunTail(
  runId: string,
  key: string,
  previous: History,
  signal?: AbortSignal,
): Promise<History> {
  const last = previous.points[previous.points.length - 1]
  if (!last || previous.sampled) return loadRunHistory(runId, key, signal)
  const tail = (await loadSampled([runId], key, signal, last.step)).get(runId) ?? []
  if (tail.length >= SAMPLED) return loadRunHistory(runId, key, signal)
  return { points: mergeTail(previous.points, tail), sampled: false }
}

/** Replaces the points from the tail's first step on with the tail (steps ascending). */
export function mergeTail(points: readonly Metric[], tail: readonly Metric[]): Metric[] {
  if (tail.length === 0) return [...points]
  const from = tail[0]!.step
  let cut = points.length
  while (cut > 0 && points[cut - 1]!.step >= from) cut--
  return [...points.slice(0, cut), ...tail]
}

function sortByStep(points: Metric[]): Metric[] {
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.step < points[i - 1]!.step)
      return points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)
  }
  return points
}
