/** The line under the runs toolbar: how many runs are loaded, loading, selected, and when live last refreshed. */
import { formatTime } from '../format'
import type { useRunPages } from './use-run-pages'

export function StatusLine({
  pages,
  live,
  selected,
}: {
  pages: ReturnType<typeof useRunPages>
  live: boolean
  selected: number
}) {
  const n = pages.runs.length
  return (
    <div className="runs-status-line" aria-live="polite">
      {pages.loadedKey !== undefined && !pages.stale && !pages.error && (
        <span data-testid="runs-loaded">
          {n.toLocaleString()} {n === 1 ? 'run' : 'runs'}{' '}
          {pages.done ? (n > 0 ? '(all loaded)' : '') : 'loaded, more as you scroll'}
        </span>
      )}
      {pages.loading && (
        <span>
          <span className="spinner" aria-hidden="true" />{' '}
          {pages.stale || pages.loadedKey === undefined ? 'Searching…' : 'Loading more…'}
        </span>
      )}
      {selected > 0 && <span>{selected} selected</span>}
      {live && pages.refreshedAt !== undefined && (
        <span title="Runs on screen refresh every 5 seconds">
          <span className="live-dot" aria-hidden="true" />
          Live · updated {formatTime(pages.refreshedAt).slice(11)}
        </span>
      )}
    </div>
  )
}
