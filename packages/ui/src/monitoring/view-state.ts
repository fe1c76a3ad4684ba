/**
 * The monitor page's state in its URL: `col` (the selected column), `win` (the selected window id),
 * `range` (how far back the page looks) and `metric` (the performance chart's), so a reload or a
 * shared link shows the same view.
 */
import type { HeatmapMatrix } from './shape'

export const RANGES = [
  { value: 'all', label: 'All windows', ms: undefined },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const

export type RangeValue = (typeof RANGES)[number]['value']

export interface MonitorView {
  readonly column?: string
  readonly windowId?: number
  readonly range: RangeValue
  readonly metric?: string
}

export function readMonitorView(params: URLSearchParams): MonitorView {
  const col = params.get('col') ?? undefined
  const win = Number(params.get('win'))
  const range = RANGES.find((r) => r.value === params.get('range'))?.value ?? 'all'
  const metric = params.get('metric') ?? undefined
  return {
    ...(col && { column: col }),
    ...(Number.isSafeInteger(win) && win > 0 && { windowId: win }),
    range,
    ...(metric && { metric }),
  }
}

/** A change of the view: a key given as undefined is taken out of the URL. */
export type MonitorViewChange = { readonly [K in keyof MonitorView]?: MonitorView[K] | undefined }

export function writeMonitorView(params: URLSearchParams, next: MonitorViewChange): URLSearchParams {
  const p = new URLSearchParams(params)
  if ('column' in next) next.column ? p.set('col', next.column) : p.delete('col')
  if ('windowId' in next) next.windowId !== undefined ? p.set('win', String(next.windowId)) : p.delete('win')
  if (next.range !== undefined) next.range === 'all' ? p.delete('range') : p.set('range', next.range)
  if ('metric' in next) next.metric ? p.set('metric', next.metric) : p.delete('metric')
  return p
}

/** Where a range starts (epoch ms), or undefined for all windows. */
export function rangeStart(range: RangeValue, now: number): number | undefined {
  const ms = RANGES.find((r) => r.value === range)?.ms
  return ms === undefined ? undefined : now - ms
}

/**
 * The column and window the distributions show: the URL's when the matrix has them, else the
 * newest window and, in it, the column that drifted most (the first column when none did).
 */
export function effectiveSelection(m: HeatmapMatrix, view: MonitorView): { column?: string; windowId?: number } {
  if (m.windows.length === 0 || m.columns.length === 0) return {}
  const windowIndex = view.windowId !== undefined ? m.windows.findIndex((w) => w.windowId === view.windowId) : -1
  const wi = windowIndex >= 0 ? windowIndex : m.windows.length - 1
  const windowId = m.windows[wi]!.windowId
  if (view.column !== undefined && m.columns.includes(view.column)) return { column: view.column, windowId }
  let best: { column: string; severity: number } | undefined
  for (const row of m.cells) {
    const cell = row[wi]!
    if (cell.state === 'drifted' && (best === undefined || (cell.severity ?? 0) > best.severity))
      best = { column: cell.column, severity: cell.severity ?? 0 }
  }
  return { column: best?.column ?? m.columns[0]!, windowId }
}
