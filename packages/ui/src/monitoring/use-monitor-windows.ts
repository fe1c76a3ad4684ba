/**
 * A monitor's windows, live: the first load reads the range; each poll after asks only for the
 * windows that started since the newest one held (stored windows do not change) and merges them.
 */
import type { MonitorWindow } from '@keel/contracts'
import { useRef } from 'react'
import { type ApiState, useApi } from '../api/use-api'
import { listWindows } from './monitoring-data'
import { mergeWindows } from './shape'
import { type RangeValue, rangeStart } from './view-state'

/** Windows held at most (the newest); each load reads at most this many pages of 1,000. */
export const MAX_WINDOWS = 5000
const PAGES_PER_LOAD = 3

export interface WindowsData {
  readonly windows: readonly MonitorWindow[]
  /** the server has windows in the range that are not loaded yet */
  readonly more: boolean
}

export function useMonitorWindows(monitorId: string, range: RangeValue, pollMs: number): ApiState<WindowsData> {
  const key = `windows|${monitorId}|${range}`
  const held = useRef<{ key: string; windows: MonitorWindow[] }>({ key: '', windows: [] })
  return useApi(
    key,
    async (signal) => {
      const since = rangeStart(range, Date.now())
      const prev = held.current.key === key ? held.current.windows : []
      const from = prev.length > 0 ? prev.at(-1)!.startMs : since
      const page = await listWindows(monitorId, from, PAGES_PER_LOAD, signal)
      const windows = mergeWindows(prev, page.windows, since, MAX_WINDOWS)
      held.current = { key, windows }
      return { windows, more: page.more }
    },
    { pollMs },
  )
}
