/** The runs grid's rows: a group's header, and a run with its checkbox, name and the visible columns' cells. */
import type { Run } from '@keel/contracts'
import type { VirtualItem } from '@tanstack/react-virtual'
import type { MouseEvent } from 'react'
import { Link } from 'react-router'
import type { ColumnDef } from './columns'
import { LEAD_WIDTH } from './grid-geometry'
import { columnKey } from './view-state'

export function GroupRow({
  label,
  count,
  columnCount,
  top,
  width,
}: {
  label: string
  count: number
  columnCount: number
  top: number
  width: number
}) {
  // biome-ignore-start lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: the runs grid is an ARIA grid of divs (the WAI-ARIA grid pattern): its rows are virtualised and absolutely positioned, which table rows cannot be, and the keyboard focus stays on the grid (aria-activedescendant), so rows and cells are not focusable themselves
  return (
    <div className="runs-row runs-group" role="row" style={{ transform: `translateY(${top}px)`, width }}>
      <div className="runs-group-label" role="gridcell" aria-colspan={columnCount + 1}>
        {label}{' '}
        <span className="runs-count">
          {count.toLocaleString()} {count === 1 ? 'run' : 'runs'}
        </span>
      </div>
    </div>
  )
  // biome-ignore-end lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: as above
}

export function RunRow({
  run,
  position,
  columns,
  virtualCols,
  top,
  width,
  selected,
  focused,
  onFocus,
  onToggle,
}: {
  run: Run
  /** The run's place among the runs (its row is one below, after the header). */
  position: number
  columns: readonly ColumnDef[]
  virtualCols: readonly VirtualItem[]
  top: number
  width: number
  selected: boolean
  focused: boolean
  onFocus: () => void
  onToggle: (shift: boolean) => void
}) {
  // biome-ignore-start lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: the runs grid is an ARIA grid of divs (the WAI-ARIA grid pattern): its rows are virtualised and absolutely positioned, which table rows cannot be, and the keyboard focus stays on the grid (aria-activedescendant), so rows and cells are not focusable themselves
  return (
    <div
      id={`run-row-${run.info.runId}`}
      className={`runs-row${selected ? ' selected' : ''}${focused ? ' focused' : ''}`}
      role="row"
      aria-rowindex={position + 2}
      aria-selected={selected}
      data-run-id={run.info.runId}
      style={{ transform: `translateY(${top}px)`, width }}
    >
      <div className="runs-lead" role="gridcell" style={{ width: LEAD_WIDTH }}>
        <input
          type="checkbox"
          tabIndex={-1}
          checked={selected}
          aria-label={`Select run ${run.info.runName || run.info.runId}`}
          onChange={() => {}}
          onClick={(e: MouseEvent<HTMLInputElement>) => {
            e.stopPropagation()
            onFocus()
            onToggle(e.shiftKey)
          }}
        />
        <Link to={`/runs/${run.info.runId}`} tabIndex={-1} className="runs-name" title={run.info.runName}>
          {run.info.runName || run.info.runId}
        </Link>
      </div>
      {virtualCols.map((vc) => {
        const col = columns[vc.index]!
        return (
          <div
            key={columnKey(col.id)}
            className={`runs-cell${col.numeric ? ' num' : ''}`}
            role="gridcell"
            aria-colindex={vc.index + 2}
            style={{ left: LEAD_WIDTH + vc.start, width: vc.size }}
            title={col.title?.(run)}
          >
            {col.id.entity === 'attributes' && col.id.key === 'status' ? (
              <StatusBadge status={run.info.status} />
            ) : (
              col.text(run)
            )}
          </div>
        )
      })}
    </div>
  )
  // biome-ignore-end lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: as above
}

const STATUS_CLASS: Record<string, string> = {
  FINISHED: 'badge-ok',
  RUNNING: '',
  FAILED: 'badge-danger',
  KILLED: 'badge-warn',
  SCHEDULED: 'badge-muted',
}

/** The grid's compact status badge (a pulse for running runs). */
function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge runs-status ${STATUS_CLASS[status] ?? 'badge-muted'}`}>
      {status === 'RUNNING' && <span className="runs-pulse" aria-hidden="true" />}
      {status.toLowerCase()}
    </span>
  )
}
