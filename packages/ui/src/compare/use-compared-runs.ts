/**
 * The runs of a comparison: loaded once, then polled while one of them is running. A run that
 * cannot be loaded is reported beside the others rather than failing the page.
 */
import { type Run, runFromWire, trackingApi } from '@keel/contracts'
import { useMemo } from 'react'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { isSystemTag } from '../run/status-badge'
import type { ComparedRun } from './diff'

export const LIVE_POLL_MS = 3000
/** System tags worth comparing (which code made the run); the rest stay on the run page. */
const COMPARED_SYSTEM_TAGS = [
  'mlflow.source.git.commit',
  'mlflow.source.git.branch',
  'mlflow.source.name',
  'keel.source.git.dirty',
]

type Loaded = { id: string; run: Run } | { id: string; error: Error }

export function useComparedRuns(ids: readonly string[]) {
  const load = async (signal: AbortSignal) =>
    Promise.all(
      ids.map(async (id): Promise<Loaded> => {
        try {
          return { id, run: runFromWire((await call(trackingApi.getRun, { run_id: id }, signal)).run) }
        } catch (e) {
          if (signal.aborted) throw e
          return { id, error: e as Error }
        }
      }),
    )
  const first = useApi(ids.length ? `cmp|${ids.join(',')}` : null, load)
  const anyLive = first.data?.some((r) => 'run' in r && r.run.info.status === 'RUNNING') ?? false
  const polled = useApi(anyLive ? `cmp-live|${ids.join(',')}` : null, load, { pollMs: LIVE_POLL_MS })
  const loaded = polled.data ?? first.data

  const runs = useMemo(() => (loaded ?? []).flatMap((r) => ('run' in r ? [r.run] : [])), [loaded])
  const failed = (loaded ?? []).flatMap((r) => ('error' in r ? [r] : []))
  const compared = useMemo<ComparedRun[]>(
    () =>
      runs.map((r) => ({
        id: r.info.runId,
        name: r.info.runName || r.info.runId.slice(0, 8),
        params: Object.fromEntries(r.data.params.map((p) => [p.key, p.value])),
        metrics: Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value])),
        tags: Object.fromEntries(
          r.data.tags
            .filter((t) => !isSystemTag(t.key) || COMPARED_SYSTEM_TAGS.includes(t.key))
            .map((t) => [t.key, t.value]),
        ),
      })),
    [runs],
  )
  return { first, loaded, anyLive, runs, failed, compared }
}
