/** The runs toolbar's controls: group by a param, the columns, Live, Compare the selection, clear it. */
import { Link } from 'react-router'
import { ColumnPicker, type ExperimentKeys } from './column-picker'
import type { ColumnId, RunsView } from './view-state'

export function RunsControls({
  view,
  setView,
  keys,
  columnIds,
}: {
  view: RunsView
  setView: (change: Partial<RunsView>, push?: boolean) => void
  keys: ExperimentKeys | undefined
  columnIds: readonly ColumnId[]
}) {
  const selected = [...view.selection]
  return (
    <div className="runs-controls">
      <label>
        Group by
        <select value={view.group ?? ''} onChange={(e) => setView({ group: e.target.value || undefined }, true)}>
          <option value="">no grouping</option>
          {(keys?.params ?? []).map((k) => (
            <option key={k} value={k}>
              param {k}
            </option>
          ))}
        </select>
      </label>
      <ColumnPicker
        keys={keys}
        columns={columnIds}
        onChange={(columns) => setView({ columns })}
        onReset={() => setView({ columns: undefined })}
      />
      <label title="Refresh the runs on screen every 5 seconds (always on while a run on screen is running)">
        <input type="checkbox" checked={view.live} onChange={(e) => setView({ live: e.target.checked })} /> Live
      </label>
      {selected.length >= 2 ? (
        <Link className="button-link" to={`/compare?runs=${selected.map(encodeURIComponent).join(',')}`}>
          Compare ({selected.length})
        </Link>
      ) : (
        <button type="button" disabled title="Select at least two runs">
          Compare ({selected.length})
        </button>
      )}
      {selected.length > 0 && (
        <button type="button" onClick={() => setView({ selection: new Set() })}>
          Clear selection
        </button>
      )}
    </div>
  )
}
