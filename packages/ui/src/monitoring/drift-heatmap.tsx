/**
 * Per-column drift over time (SVG): one row per column, one cell per window, coloured by how far
 * the column is from its drift threshold (whatever its test), drifted cells marked with a dot.
 * Clicking a cell (or the arrow keys, once focused) selects that column and window.
 */
import { type KeyboardEvent, useRef } from 'react'
import { useWidth } from '../compare/use-width'
import { formatNumber, formatTime } from '../format'
import { type HeatmapCell, type HeatmapMatrix, cellColor, scoreKind } from './shape'

const LABEL = 150
const RIGHT = 12
const TOP = 8
const ROW = 26
const AXIS = 40
const MIN_CELL = 6

export interface Selection {
  readonly column?: string
  readonly windowId?: number
}

export function DriftHeatmap({
  matrix,
  selected,
  onSelect,
}: {
  matrix: HeatmapMatrix
  selected: Selection
  onSelect: (s: { column: string; windowId: number }) => void
}) {
  const holder = useRef<HTMLDivElement>(null)
  const W = Math.max(360, useWidth(holder, 960))
  const plotW = W - LABEL - RIGHT
  const fit = Math.max(1, Math.floor(plotW / MIN_CELL))
  const total = matrix.windows.length
  const selectedIndex = matrix.windows.findIndex((w) => w.windowId === selected.windowId)
  // The newest windows that fit; further back when the selected window is older than those.
  const end =
    total <= fit || selectedIndex < 0 || selectedIndex >= total - fit
      ? total
      : Math.min(total, selectedIndex + Math.ceil(fit / 2))
  const start = Math.max(0, end - fit)
  const shown = matrix.windows.slice(start, end)
  const cell = plotW / Math.max(1, shown.length)
  const H = TOP + matrix.columns.length * ROW + AXIS
  const labelEvery = Math.max(1, Math.ceil(56 / cell))
  const rowIndex = selected.column === undefined ? -1 : matrix.columns.indexOf(selected.column)

  const onKey = (e: KeyboardEvent) => {
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
    }
    const move = moves[e.key]
    if (!move || total === 0) return
    e.preventDefault()
    const r = Math.min(matrix.columns.length - 1, Math.max(0, Math.max(rowIndex, 0) + move[0]))
    const c = Math.min(total - 1, Math.max(0, (selectedIndex < 0 ? total - 1 : selectedIndex) + move[1]))
    onSelect({ column: matrix.columns[r]!, windowId: matrix.windows[c]!.windowId })
  }

  return (
    <div ref={holder} className="heatmap">
      {/* biome-ignore lint/a11y/useSemanticElements: the heatmap is an SVG, which has no table elements: ARIA's grid roles are how its columns and windows are exposed, and the svg itself takes the focus (the arrow keys move the selection) */}
      <svg
        className="plot-svg heatmap-svg"
        viewBox={`0 0 ${W} ${H}`}
        height={H}
        // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: as above, the svg is the grid (it takes the focus; the arrow keys move the selection)
        role="grid"
        aria-label={`Drift per column and window: ${matrix.columns.length} columns × ${shown.length} windows. Arrow keys move the selection.`}
        tabIndex={0}
        onKeyDown={onKey}
      >
        {matrix.columns.map((column, r) => {
          const y = TOP + r * ROW
          const isPrediction = column === matrix.predictionColumn && r === matrix.columns.length - 1
          return (
            // biome-ignore lint/a11y/useSemanticElements: a row of the SVG heatmap's ARIA grid (SVG has no table rows)
            <g key={column} role="row" aria-label={column}>
              {isPrediction && <line className="heatmap-sep" x1={0} x2={W - RIGHT} y1={y - 1} y2={y - 1} />}
              <text
                x={LABEL - 10}
                y={y + ROW / 2 + 4}
                textAnchor="end"
                className={`heatmap-label${r === rowIndex ? ' heatmap-label-selected' : ''}`}
              >
                {truncate(column, 20)}
                {isPrediction ? ' (output)' : ''}
              </text>
              {shown.map((w, i) => (
                <Cell
                  key={w.windowId}
                  cell={matrix.cells[r]![start + i]!}
                  x={LABEL + i * cell}
                  y={y}
                  width={cell}
                  selected={r === rowIndex && w.windowId === selected.windowId}
                  onSelect={onSelect}
                />
              ))}
            </g>
          )
        })}
        {shown.map((w, i) =>
          (shown.length - 1 - i) % labelEvery === 0 ? (
            <text
              key={w.windowId}
              x={LABEL + (i + 0.5) * cell}
              y={TOP + matrix.columns.length * ROW + 16}
              textAnchor="middle"
              className={w.windowId === selected.windowId ? 'heatmap-label-selected' : undefined}
            >
              #{w.windowId}
            </text>
          ) : null,
        )}
        {shown.length > 0 && (
          <text x={LABEL} y={H - 6} className="muted-text">
            {formatTime(shown[0]!.startMs)} → {formatTime(shown.at(-1)!.endMs)}
          </text>
        )}
      </svg>
      <div className="heatmap-legend small muted">
        <span>
          <i className="key" style={{ background: '#eef2f6' }} /> far from the threshold
        </span>
        <span>
          <i className="key" style={{ background: '#f2c879' }} /> close to it
        </span>
        <span>
          <i className="key key-dot" style={{ background: '#d4423f' }} /> drifted (darker: further past it)
        </span>
        <span>
          <i className="key" style={{ background: '#d0d7de' }} /> no score (see the cell)
        </span>
        {start > 0 || end < total ? (
          <span>
            Showing windows #{shown[0]!.windowId}–#{shown.at(-1)!.windowId} of {total}; pick a window below or a shorter
            time range to see others.
          </span>
        ) : null}
      </div>
    </div>
  )
}

function Cell({
  cell,
  x,
  y,
  width,
  selected,
  onSelect,
}: {
  cell: HeatmapCell
  x: number
  y: number
  width: number
  selected: boolean
  onSelect: (s: { column: string; windowId: number }) => void
}) {
  const d = cell.drift
  const title =
    cell.state === 'missing'
      ? `${cell.column}, window #${cell.windowId}: not compared`
      : `${cell.column}, window #${cell.windowId}: ${cell.state === 'drifted' ? 'drifted' : cell.state === 'error' ? 'no result' : 'no drift'}` +
        (d?.test
          ? ` — ${d.test} ${scoreKind(d.test) === 'distance' ? 'distance' : 'p-value'} ${formatNumber(d.score)} (threshold ${formatNumber(d.threshold)})`
          : '') +
        (d?.error ? ` — ${d.error}` : '')
  const pad = width > 4 ? 1 : 0
  const showText = width >= 46 && d?.score !== undefined
  return (
    // biome-ignore lint/a11y/useSemanticElements: a cell of the SVG heatmap's ARIA grid (SVG has no table cells)
    <g
      role="gridcell"
      aria-selected={selected}
      aria-label={title}
      className={`heatmap-cell heatmap-${cell.state}`}
      data-column={cell.column}
      data-window={cell.windowId}
      onClick={() => onSelect({ column: cell.column, windowId: cell.windowId })}
    >
      <title>{title}</title>
      <rect
        x={x + pad / 2}
        y={y + 1}
        width={Math.max(1, width - pad)}
        height={ROW - 2}
        fill={cellColor(cell)}
        stroke={cell.state === 'missing' ? '#d0d7de' : 'none'}
        strokeDasharray={cell.state === 'missing' ? '2 2' : undefined}
      />
      {cell.state === 'drifted' && width >= 8 && !showText && (
        <circle cx={x + width / 2} cy={y + ROW / 2} r={Math.min(3, width / 4)} fill="#fff" />
      )}
      {showText && (
        <text
          x={x + width / 2}
          y={y + ROW / 2 + 4}
          textAnchor="middle"
          className={cell.state === 'drifted' ? 'cell-text cell-text-drifted' : 'cell-text'}
        >
          {cell.state === 'drifted' ? '● ' : ''}
          {short(d!.score!)}
        </text>
      )}
      {selected && (
        <rect
          className="heatmap-selected"
          x={x + 0.5}
          y={y + 0.5}
          width={Math.max(2, width - 1)}
          height={ROW - 1}
          fill="none"
        />
      )}
    </g>
  )
}

function short(v: number): string {
  if (v === 0) return '0'
  if (Math.abs(v) < 0.001) return v.toExponential(0)
  return v.toPrecision(2).replace(/\.?0+$/, '')
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}
