/**
 * Live runs: every few seconds, while Live is on or a run on screen is running, refresh the runs
 * on screen in place (not while the tab is hidden). The table reports which runs are on screen.
 */
import type { Run } from '@keel/contracts'
import { useCallback, useEffect, useRef } from 'react'

export const LIVE_POLL_MS = 5000

export function useLiveRefresh(
  runs: readonly Run[],
  live: boolean,
  refresh: (runIds: readonly string[]) => Promise<unknown>,
): { anyRunning: boolean; onVisibleRuns: (runIds: readonly string[]) => void } {
  const visible = useRef<readonly string[]>([])
  const onVisibleRuns = useCallback((ids: readonly string[]) => (visible.current = ids), [])
  const runsRef = useRef(runs)
  runsRef.current = runs
  const anyRunning = runs.some((r) => r.info.status === 'RUNNING')
  useEffect(() => {
    if (!live && !anyRunning) return
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return
      const ids = new Set(visible.current)
      const onScreen = runsRef.current.filter((r) => ids.has(r.info.runId))
      if (live || onScreen.some((r) => r.info.status === 'RUNNING'))
        void refresh(onScreen.map((r) => r.info.runId)).catch(() => {})
    }, LIVE_POLL_MS)
    return () => clearInterval(timer)
  }, [live, anyRunning, refresh])
  return { anyRunning, onVisibleRuns }
}
