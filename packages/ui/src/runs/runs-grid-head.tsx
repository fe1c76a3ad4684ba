/** The runs grid's header row: select all, and a sortable header per column (the server sorts). */
import type { Run } from '@keel/contracts'
import type { VirtualItem } from '@tanstack/react-virtual'
import { useEffect, useRef } from 'react'
import type { ColumnDef } from './columns'
import { LEAD_WIDTH } from './grid-geometry'
import { type OrderBy, columnKey } from './view-state'

export function RunsGridHead({
  columns,
  virtualCols,
  totalWidth,
  order,
  onSort,
  runs,
  selection,
  onSelect,
}: {
  columns: readonly ColumnDef[]
  virtualCols: readonly VirtualItem[]
  totalWidth: number
  order: OrderBy | undefined
  onSort: (column: ColumnDef) => void
  runs: readonly Run[]
  selection: ReadonlySet<string>
  onSelect: (next: ReadonlySet<string>) => void
}) {
  const allSelected = runs.length > 0 && runs.every((r) => selection.has(r.info.runId))
  const someSelected = !allSelected && runs.some((r) => selection.has(r.info.runId))
  // biome-ignore-start lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: the runs grid is an ARIA grid of divs (the WAI-ARIA grid pattern): its rows are virtualised and absolutely positioned, which table rows cannot be, and the keyboard focus stays on the grid (aria-activedescendant), so rows and cells are not focusable themselves
  return (
    <div className="runs-head" role="row" aria-rowindex={1} style={{ width: totalWidth }}>
      <div className="runs-lead" role="columnheader" style={{ width: LEAD_WIDTH }}>
        <SelectAll
          all={allSelected}
          some={someSelected}
          onChange={(on) =>
            onSelect(
              on
                ? new Set([...selection, ...runs.map((r) => r.info.runId)])
                : new Set([...selection].filter((id) => !runs.some((r) => r.info.runId === id))),
            )
          }
        />
        <SortHeader
          label="Run name"
          sort={sortOf(order, 'attributes.run_name')}
          onClick={() => onSort(RUN_NAME_SORT)}
        />
      </div>
      {virtualCols.map((vc) => {
        const col = columns[vc.index]!
        const sort = sortOf(order, columnKey(col.id))
        return (
          <div
            key={columnKey(col.id)}
            className={`runs-cell runs-th${col.numeric ? ' num' : ''}`}
            role="columnheader"
            aria-sort={sort === 'none' ? undefined : sort}
            aria-colindex={vc.index + 2}
            style={{ left: LEAD_WIDTH + vc.start, width: vc.size }}
            title={`${col.id.entity === 'attributes' ? '' : `${col.id.entity}.`}${col.label}`}
          >
            {col.sortable ? (
              <SortHeader label={col.label} kind={col.id.entity} sort={sort} onClick={() => onSort(col)} />
            ) : (
              <span className="runs-th-label">{col.label}</span>
            )}
          </div>
        )
      })}
    </div>
  )
  // biome-ignore-end lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: as above
}

const RUN_NAME_SORT = {
  id: { entity: 'attributes', key: 'run_name' },
  label: 'Run name',
  width: LEAD_WIDTH,
  numeric: false,
  sortable: true,
  text: () => '',
} as const satisfies ColumnDef

function sortOf(order: OrderBy | undefined, key: string): 'ascending' | 'descending' | 'none' {
  if (!order || columnKey(order.column) !== key) return 'none'
  return order.ascending ? 'ascending' : 'descending'
}

function SortHeader({
  label,
  kind,
  sort,
  onClick,
}: {
  label: string
  kind?: string
  sort: 'ascending' | 'descending' | 'none'
  onClick: () => void
}) {
  const what = kind && kind !== 'attributes' ? `${kind.replace(/s$/, '')} ${label}` : label
  return (
    <button
      type="button"
      className="runs-sort"
      onClick={onClick}
      aria-label={`Sort by ${what}${sort === 'none' ? '' : `, now ${sort}`}`}
    >
      {kind && kind !== 'attributes' && (
        <span className={`runs-kind runs-kind-${kind}`} aria-hidden="true">
          {kind[0]!.toUpperCase()}
        </span>
      )}
      <span className="runs-th-label">{label}</span>
      <span className="runs-sort-arrow" aria-hidden="true">
        {sort === 'ascending' ? '▲' : sort === 'descending' ? '▼' : ''}
      </span>
    </button>
  )
}

function SelectAll({ all, some, onChange }: { all: boolean; some: boolean; onChange: (on: boolean) => void }) {
  const ref = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = some
  }, [some])
  return (
    <input
      ref={ref}
      type="checkbox"
      checked={all}
      aria-label="Select all loaded runs"
      onChange={(e) => onChange(e.target.checked)}
    />
  )
}
