/**
 * One metric's curves over several runs (get-history-bulk-interval, sampled per run), fetched
 * again when a run logged a new value of it. The last curves stay while the next ones load, so a
 * live chart neither blinks nor loses its zoom.
 */
import type { Metric } from '@keel/contracts'
import { useEffect, useState } from 'react'
import { useJsonStable } from '../components/use-json-stable'
import { loadSampled } from '../run/history'

export interface Curves {
  readonly key: string
  readonly byRun: ReadonlyMap<string, readonly Metric[]>
}

export function useCompareCurves(runIds: readonly string[], metric: string | undefined, version: string) {
  const [curves, setCurves] = useState<Curves | undefined>()
  const [error, setError] = useState<Error | undefined>()
  const [tick, setTick] = useState(0)
  const ids = runIds.join(',')
  const wanted = useJsonStable(runIds)
  // biome-ignore lint/correctness/useExhaustiveDependencies: version and tick are what trigger a new fetch (a run logged a new value; retry()), not values the fetch reads
  useEffect(() => {
    if (!metric || wanted.length === 0) return
    const controller = new AbortController()
    loadSampled(wanted, metric, controller.signal)
      .then((byRun) => {
        if (controller.signal.aborted) return
        setCurves({ key: `${wanted.join(',')}|${metric}`, byRun })
        setError(undefined)
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)))
      })
    return () => controller.abort()
  }, [wanted, metric, version, tick])
  const current = curves?.key === `${ids}|${metric}` ? curves : undefined
  return { curves: current, error, retry: () => setTick((t) => t + 1) }
}
