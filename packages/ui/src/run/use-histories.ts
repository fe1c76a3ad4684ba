/**
 * The histories of the chosen metric keys of one run, kept across renders: a key is fetched again
 * only when its latest value changed (live runs), and then only its tail.
 */
import { useEffect, useRef, useState } from 'react'
import { useJsonStable } from '../components/use-json-stable'
import { type History, loadRunHistory, loadRunTail } from './history'

export interface Histories {
  readonly byKey: ReadonlyMap<string, History>
  readonly errors: ReadonlyMap<string, Error>
}

/** `versions`: per key, something that changes when a new point is logged (the latest step/time/value). */
export function useHistories(
  runId: string,
  keys: readonly string[],
  versions: Readonly<Record<string, string>>,
): Histories {
  const cache = useRef(new Map<string, { version: string; history: History }>())
  const [state, setState] = useState<Histories>({ byKey: new Map(), errors: new Map() })
  const cachedRun = useRef(runId)
  // The keys with their versions, as one value that changes only when they do.
  const wanted = useJsonStable(keys.map((key) => ({ key, version: versions[key] ?? '' })))

  useEffect(() => {
    const controller = new AbortController()
    if (cachedRun.current !== runId) {
      cache.current.clear()
      cachedRun.current = runId
    }
    const publish = () => {
      const byKey = new Map<string, History>()
      for (const { key } of wanted) {
        const c = cache.current.get(key)
        if (c) byKey.set(key, c.history)
      }
      return byKey
    }
    setState((s) => ({ byKey: publish(), errors: s.errors }))
    for (const { key, version } of wanted) {
      const cached = cache.current.get(key)
      if (cached?.version === version) continue
      const load = cached
        ? loadRunTail(runId, key, cached.history, controller.signal)
        : loadRunHistory(runId, key, controller.signal)
      load
        .then((history) => {
          if (controller.signal.aborted) return
          cache.current.set(key, { version, history })
          setState((s) => {
            const errors = new Map(s.errors)
            errors.delete(key)
            return { byKey: publish(), errors }
          })
        })
        .catch((e: unknown) => {
          if (controller.signal.aborted) return
          setState((s) => ({
            byKey: s.byKey,
            errors: new Map(s.errors).set(key, e instanceof Error ? e : new Error(String(e))),
          }))
        })
    }
    return () => controller.abort()
  }, [runId, wanted])

  return state
}
