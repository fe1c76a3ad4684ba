/**
 * The runs table: a virtualised grid (rows and columns: 100,000 runs and hundreds of metric
 * columns render only what is on screen), sortable headers (the server sorts), group headers,
 * selection (checkboxes, shift-click ranges, select all loaded) and keyboard navigation
 * (arrows / Page Up / Page Down / Home / End move the focused row, Space selects it, Enter opens it).
 */
import type { Run } from '@keel/contracts'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useLayoutEffect, useRef } from 'react'
import type { ColumnDef } from './columns'
import { LEAD_WIDTH, ROW_HEIGHT } from './grid-geometry'
import { GroupRow, RunRow } from './runs-grid-rows'
import { RunsGridHead } from './runs-grid-head'
import { useGridNavigation } from './use-grid-navigation'
import type { OrderBy } from './view-state'

export type Item =
  | { readonly kind: 'group'; readonly label: string; readonly count: number; readonly value: string }
  | { readonly kind: 'run'; readonly run: Run; readonly index: number }

export interface RunsTableProps {
  readonly items: readonly Item[]
  /** The runs in display order (for ranges and select-all). */
  readonly runs: readonly Run[]
  readonly columns: readonly ColumnDef[]
  readonly order: OrderBy | undefined
  readonly onSort: (column: ColumnDef) => void
  readonly selection: ReadonlySet<string>
  readonly onSelect: (next: ReadonlySet<string>) => void
  /** Called when the rendered window comes near the end of the loaded rows. */
  readonly onNearEnd: () => void
  /** The ids of the runs in the rendered window (live refresh patches those). */
  readonly onVisibleRuns: (runIds: readonly string[]) => void
  /** Identifies what the rows answer (a query); the table marks the first paint of each. */
  readonly renderKey: string
  readonly busy: boolean
}

declare global {
  interface Window {
    /** Set after the rows of a query are painted (read by the UI benchmark). */
    __keelRunsPainted?: { key: string; at: number; firstRunId: string | undefined }
  }
}

export function RunsTable(props: RunsTableProps) {
  const { items, runs, columns, order, selection, onSelect, renderKey } = props
  const scrollRef = useRef<HTMLDivElement>(null)

  const rows = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })
  const cols = useVirtualizer({
    horizontal: true,
    count: columns.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => columns[i]?.width ?? 120,
    overscan: 4,
  })
  // biome-ignore lint/correctness/useExhaustiveDependencies: new columns are what trigger a new measure (estimateSize reads their widths, which the virtualizer caches)
  useEffect(() => cols.measure(), [columns, cols])
  const { focused, setFocused, toggle, onKeyDown } = useGridNavigation({
    items,
    runs,
    selection,
    onSelect,
    rows,
    scrollRef,
    renderKey,
  })

  const virtualRows = rows.getVirtualItems()
  const virtualCols = cols.getVirtualItems()
  const totalWidth = LEAD_WIDTH + cols.getTotalSize()

  // Paged loading and live refresh follow the rendered window.
  const last = virtualRows[virtualRows.length - 1]?.index ?? -1
  const { onNearEnd, onVisibleRuns } = props
  useEffect(() => {
    if (items.length > 0 && last >= items.length - 60) onNearEnd()
  }, [last, items.length, onNearEnd])
  const first = virtualRows[0]?.index ?? 0
  useEffect(() => {
    const ids: string[] = []
    for (let i = first; i <= last; i++) {
      const item = items[i]
      if (item?.kind === 'run') ids.push(item.run.info.runId)
    }
    onVisibleRuns(ids)
  }, [first, last, items, onVisibleRuns])

  // Marks the paint of the first rows of each query (navigation and re-sort timings).
  const marked = useRef<string | undefined>(undefined)
  useLayoutEffect(() => {
    if (items.length === 0 || marked.current === renderKey) return
    marked.current = renderKey
    const firstRun = items.find((i) => i.kind === 'run')
    requestAnimationFrame(() => {
      performance.mark('keel:runs-rows-painted', { detail: renderKey })
      window.__keelRunsPainted = {
        key: renderKey,
        at: performance.now(),
        firstRunId: firstRun?.kind === 'run' ? firstRun.run.info.runId : undefined,
      }
    })
  }, [items, renderKey])

  const focusedItem = items[focused]

  return (
    // biome-ignore lint/a11y/useSemanticElements: the runs grid is an ARIA grid of divs (the WAI-ARIA grid pattern): its rows are virtualised and absolutely positioned, which table rows cannot be, and the keyboard focus stays on the grid (aria-activedescendant), so rows and cells are not focusable themselves
    <div
      ref={scrollRef}
      className={`runs-grid${props.busy ? ' runs-grid-busy' : ''}`}
      role="grid"
      aria-label="Runs"
      aria-rowcount={runs.length + 1}
      aria-colcount={columns.length + 1}
      aria-busy={props.busy}
      tabIndex={0}
      aria-activedescendant={focusedItem?.kind === 'run' ? `run-row-${focusedItem.run.info.runId}` : undefined}
      onKeyDown={onKeyDown}
      onClick={(e) => {
        // A click in a run's row moves the focused row there (the grid keeps the keyboard focus).
        const runId = (e.target as Element).closest('[data-run-id]')?.getAttribute('data-run-id')
        if (runId) setFocused(items.findIndex((i) => i.kind === 'run' && i.run.info.runId === runId))
      }}
      data-render-key={renderKey}
    >
      <RunsGridHead
        columns={columns}
        virtualCols={virtualCols}
        totalWidth={totalWidth}
        order={order}
        onSort={props.onSort}
        runs={runs}
        selection={selection}
        onSelect={onSelect}
      />
      <div className="runs-body" style={{ height: rows.getTotalSize(), width: totalWidth }}>
        {virtualRows.map((vr) => {
          const item = items[vr.index]!
          return item.kind === 'group' ? (
            <GroupRow
              key={`g-${item.value}`}
              label={item.label}
              count={item.count}
              columnCount={columns.length}
              top={vr.start}
              width={totalWidth}
            />
          ) : (
            <RunRow
              key={item.run.info.runId}
              run={item.run}
              position={item.index}
              columns={columns}
              virtualCols={virtualCols}
              top={vr.start}
              width={totalWidth}
              selected={selection.has(item.run.info.runId)}
              focused={vr.index === focused}
              onFocus={() => setFocused(vr.index)}
              onToggle={(shift) => toggle(item.run, shift)}
            />
          )
        })}
      </div>
    </div>
  )
}
