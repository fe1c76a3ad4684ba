/**
 * The runs table: a virtualised grid (rows and columns: 100,000 runs and hundreds of metric
 * columns render only what is on screen), sortable headers (the server sorts), group headers,
 * selection (checkboxes, shift-click ranges, select all loaded) and keyboard navigation
 * (arrows / Page Up / Page Down / Home / End move the focused row, Space selects it, Enter opens it).
 */
import { type Run } from '@keel/contracts'
import { useVirtualizer } from '@tanstack/react-virtual'
import { type KeyboardEvent, type MouseEvent, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { type ColumnDef } from './columns'
import { type OrderBy, columnKey } from './view-state'

export const ROW_HEIGHT = 34
const LEAD_WIDTH = 300 // checkbox + run name, pinned on the left

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
  const navigate = useNavigate()
  const [focused, setFocused] = useState(() => items.findIndex((i) => i.kind === 'run'))
  const anchor = useRef<number | undefined>(undefined)

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
  useEffect(() => cols.measure(), [columns, cols])

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

  // A new query starts at the top.
  useEffect(() => {
    rows.scrollToIndex(0)
    setFocused(items.findIndex((i) => i.kind === 'run'))
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [renderKey])

  const toggle = (run: Run, shift: boolean) => {
    const next = new Set(selection)
    const index = runs.indexOf(run)
    if (shift && anchor.current !== undefined) {
      const [from, to] = anchor.current < index ? [anchor.current, index] : [index, anchor.current]
      const on = !selection.has(run.info.runId)
      for (let i = from; i <= to; i++) {
        const id = runs[i]?.info.runId
        if (id) on ? next.add(id) : next.delete(id)
      }
    } else if (next.has(run.info.runId)) next.delete(run.info.runId)
    else next.add(run.info.runId)
    anchor.current = index
    onSelect(next)
  }

  const moveTo = (target: number, direction: 1 | -1) => {
    let i = Math.max(0, Math.min(items.length - 1, target))
    while (items[i]?.kind === 'group' && i + direction >= 0 && i + direction < items.length) i += direction
    if (items[i]?.kind !== 'run') return
    setFocused(i)
    rows.scrollToIndex(i, { align: 'auto' })
  }

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget) return
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 2)
    const at = Math.max(focused, 0)
    const item = items[at]
    switch (e.key) {
      case 'ArrowDown':
        moveTo(focused < 0 ? 0 : at + 1, 1)
        break
      case 'ArrowUp':
        moveTo(at - 1, -1)
        break
      case 'PageDown':
        moveTo(at + page, 1)
        break
      case 'PageUp':
        moveTo(at - page, -1)
        break
      case 'Home':
        moveTo(0, 1)
        break
      case 'End':
        moveTo(items.length - 1, -1)
        break
      case ' ':
        if (item?.kind === 'run') toggle(item.run, e.shiftKey)
        break
      case 'Enter':
        if (item?.kind === 'run') void navigate(`/runs/${item.run.info.runId}`)
        break
      default:
        return
    }
    e.preventDefault()
  }

  const allSelected = runs.length > 0 && runs.every((r) => selection.has(r.info.runId))
  const someSelected = !allSelected && runs.some((r) => selection.has(r.info.runId))
  const focusedItem = items[focused]

  return (
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
      data-render-key={renderKey}
    >
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
            onClick={() => props.onSort(RUN_NAME_SORT)}
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
                <SortHeader label={col.label} kind={col.id.entity} sort={sort} onClick={() => props.onSort(col)} />
              ) : (
                <span className="runs-th-label">{col.label}</span>
              )}
            </div>
          )
        })}
      </div>
      <div className="runs-body" style={{ height: rows.getTotalSize(), width: totalWidth }}>
        {virtualRows.map((vr) => {
          const item = items[vr.index]!
          if (item.kind === 'group') {
            return (
              <div
                key={`g-${item.value}`}
                className="runs-row runs-group"
                role="row"
                style={{ transform: `translateY(${vr.start}px)`, width: totalWidth }}
              >
                <div className="runs-group-label" role="gridcell" aria-colspan={columns.length + 1}>
                  {item.label}{' '}
                  <span className="runs-count">
                    {item.count.toLocaleString()} {item.count === 1 ? 'run' : 'runs'}
                  </span>
                </div>
              </div>
            )
          }
          const run = item.run
          const selected = selection.has(run.info.runId)
          return (
            <div
              key={run.info.runId}
              id={`run-row-${run.info.runId}`}
              className={`runs-row${selected ? ' selected' : ''}${vr.index === focused ? ' focused' : ''}`}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={selected}
              data-run-id={run.info.runId}
              style={{ transform: `translateY(${vr.start}px)`, width: totalWidth }}
              onClick={() => setFocused(vr.index)}
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
                    setFocused(vr.index)
                    toggle(run, e.shiftKey)
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
        })}
      </div>
    </div>
  )
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

const STATUS_CLASS: Record<string, string> = {
  FINISHED: 'badge-ok',
  RUNNING: '',
  FAILED: 'badge-danger',
  KILLED: 'badge-warn',
  SCHEDULED: 'badge-muted',
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge runs-status ${STATUS_CLASS[status] ?? 'badge-muted'}`}>
      {status === 'RUNNING' && <span className="runs-pulse" aria-hidden="true" />}
      {status.toLowerCase()}
    </span>
  )
}
