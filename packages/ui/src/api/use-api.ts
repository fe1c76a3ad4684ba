/**
 * A small data hook: runs `load` when its key changes, keeps the last data while reloading, polls
 * when asked (live runs), and cancels what a newer key made stale.
 */
import { useCallback, useEffect, useRef, useState } from 'react'

export interface ApiState<T> {
  readonly data: T | undefined
  readonly error: Error | undefined
  readonly loading: boolean
  reload(): void
}

export function useApi<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<T>,
  options: { pollMs?: number } = {},
): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<Error | undefined>(undefined)
  const [loading, setLoading] = useState(key !== null)
  const [tick, setTick] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load
  const lastKey = useRef<string | null>(null)

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is what triggers a load of the same key again (reload(), polling), not a value the load reads
  useEffect(() => {
    if (key === null) return
    const controller = new AbortController()
    if (lastKey.current !== key) setData(undefined)
    lastKey.current = key
    setLoading(true)
    loadRef
      .current(controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return
        setData(value)
        setError(undefined)
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)))
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false)
      })
    return () => controller.abort()
  }, [key, tick])

  useEffect(() => {
    if (!options.pollMs || key === null) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1)
    }, options.pollMs)
    return () => clearInterval(timer)
  }, [options.pollMs, key])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data, error, loading, reload }
}
