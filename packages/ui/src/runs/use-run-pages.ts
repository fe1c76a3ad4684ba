/**
 * The runs of a search, loaded a page at a time through `page_token` (the table asks for the next
 * page as the user scrolls near the end), and refreshed in place for live runs: a refresh replaces
 * the runs it fetched and keeps every other row, so scroll position and selection stay.
 */
import { type Run, runFromWire, trackingApi } from '@keel/contracts'
import { useCallback, useEffect, useRef, useState } from 'react'
import { call } from '../api/client'

export const PAGE_SIZE = 250

export interface RunQuery {
  readonly experimentId: string
  readonly filter: string
  readonly orderBy: string | undefined
}

export interface RunPages {
  /** The loaded runs; while a new query loads, those of the previous one (see `stale`). */
  readonly runs: readonly Run[]
  /** The runs shown answer an earlier query (a re-sort or a new filter is loading). */
  readonly stale: boolean
  /** The query the loaded runs answer (undefined before the first page). */
  readonly loadedKey: string | undefined
  readonly loading: boolean
  readonly error: Error | undefined
  /** True once every page is loaded. */
  readonly done: boolean
  loadMore(): void
  reload(): void
  /** Re-fetches the given runs (and, for the default order, new runs on top) and patches them in. */
  refresh(runIds: readonly string[]): Promise<void>
  readonly refreshedAt: number | undefined
}

export const queryKey = (q: RunQuery): string => JSON.stringify([q.experimentId, q.filter, q.orderBy ?? ''])

function search(
  q: RunQuery,
  pageToken: string | undefined,
  signal: AbortSignal,
  maxResults = PAGE_SIZE,
  filter = q.filter,
) {
  return call(
    trackingApi.searchRuns,
    {
      experiment_ids: [q.experimentId],
      max_results: maxResults,
      ...(filter.trim() && { filter }),
      ...(q.orderBy && { order_by: [q.orderBy] }),
      ...(pageToken && { page_token: pageToken }),
    },
    signal,
  )
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

export function useRunPages(query: RunQuery): RunPages {
  const key = queryKey(query)
  const [state, setState] = useState<{
    key?: string
    runs: readonly Run[]
    /** undefined once the last page is in (a page without a next token clears it). */
    token?: string | undefined
    done: boolean
    refreshedAt?: number
  }>({
    runs: [],
    done: false,
  })
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<Error | undefined>()
  const [generation, setGeneration] = useState(0)
  const current = useRef({ key, controller: new AbortController(), busy: false })
  const queryRef = useRef(query)
  queryRef.current = query
  const stateRef = useRef(state)
  stateRef.current = state

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is what triggers a search of the same query again (reload()), not a value the search reads
  useEffect(() => {
    const controller = new AbortController()
    current.current = { key, controller, busy: true }
    setLoading(true)
    setError(undefined)
    search(queryRef.current, undefined, controller.signal)
      .then((res) => {
        if (controller.signal.aborted) return
        const runs = (res.runs ?? []).map(runFromWire)
        setState({
          key,
          runs,
          ...(res.next_page_token && { token: res.next_page_token }),
          done: !res.next_page_token,
          refreshedAt: Date.now(),
        })
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)))
      })
      .finally(() => {
        if (controller.signal.aborted) return
        current.current.busy = false
        setLoading(false)
      })
    return () => controller.abort()
  }, [key, generation])

  const loadMore = useCallback(() => {
    const c = current.current
    const s = stateRef.current
    if (c.busy || s.done || !s.token || s.key !== c.key) return
    c.busy = true
    setLoading(true)
    const signal = c.controller.signal
    search(queryRef.current, s.token, signal)
      .then((res) => {
        if (signal.aborted) return
        const more = (res.runs ?? []).map(runFromWire)
        setState((prev) => {
          const seen = new Set(prev.runs.map((r) => r.info.runId))
          const runs = [...prev.runs, ...more.filter((r) => !seen.has(r.info.runId))]
          return {
            ...prev,
            runs,
            ...(res.next_page_token ? { token: res.next_page_token } : { token: undefined }),
            done: !res.next_page_token,
          }
        })
      })
      .catch((e: unknown) => {
        if (!signal.aborted) setError(e instanceof Error ? e : new Error(String(e)))
      })
      .finally(() => {
        if (signal.aborted) return
        c.busy = false
        setLoading(false)
      })
  }, [])

  const refresh = useCallback(async (runIds: readonly string[]) => {
    const c = current.current
    const q = queryRef.current
    const signal = c.controller.signal
    const ids = runIds.slice(0, 200)
    const [patched, top] = await Promise.all([
      ids.length > 0
        ? search(q, undefined, signal, ids.length, `attributes.run_id IN (${ids.map(quote).join(', ')})`)
        : undefined,
      // New runs start last: in the default order (newest first) they belong on top.
      q.orderBy === undefined ? search(q, undefined, signal, 50) : undefined,
    ])
    if (signal.aborted || current.current !== c) return
    const byId = new Map((patched?.runs ?? []).map((w) => [w.info.run_id, runFromWire(w)]))
    setState((prev) => {
      if (prev.key !== c.key) return prev
      const seen = new Set(prev.runs.map((r) => r.info.runId))
      const fresh = (top?.runs ?? []).map(runFromWire).filter((r) => !seen.has(r.info.runId))
      for (const r of top?.runs ?? [])
        if (seen.has(r.info.run_id) && !byId.has(r.info.run_id)) byId.set(r.info.run_id, runFromWire(r))
      const runs = [...fresh, ...prev.runs.map((r) => byId.get(r.info.runId) ?? r)]
      return { ...prev, runs, refreshedAt: Date.now() }
    })
  }, [])

  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  const fresh = state.key === key
  return {
    runs: state.runs,
    stale: !fresh,
    loadedKey: state.key,
    loading,
    error,
    done: fresh && state.done,
    loadMore,
    reload,
    refresh,
    refreshedAt: state.refreshedAt,
  }
}
