/**
 * Reference against current for one column of one window (SVG): grouped bars of each side's share
 * of rows, numeric bins on an axis of their edges, categories (and `other`) by name.
 */
import { useRef } from 'react'
import type { MonitorHistogram } from '@keel/contracts'
import { useWidth } from '../compare/use-width'
import { formatNumber } from '../format'
import { histogramBars } from './shape'

export const REFERENCE_COLOR = '#1f5fa8'
export const CURRENT_COLOR = '#d9480f'

const H = 260
const LEFT = 52
const RIGHT = 12
const TOP = 12

export function HistogramChart({ histogram, column }: { histogram: MonitorHistogram; column: string }) {
  const holder = useRef<HTMLDivElement>(null)
  const W = Math.max(320, useWidth(holder, 720))
  const bars = histogramBars(histogram, edgeLabel)
  const n = bars.labels.length
  const bottom = histogram.kind === 'categorical' && plotWidthFor(W) / Math.max(1, n) < 90 ? 64 : 36
  const plotW = plotWidthFor(W)
  const plotH = H - TOP - bottom
  const max = Math.max(0.0001, ...bars.reference, ...bars.current)
  const top = niceCeil(max)
  const step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25].find((s) => top / s <= 5 + 1e-9) ?? 0.25
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step)
  // Few categories keep narrow groups (bars side by side read better than bars far apart).
  const group = Math.min(plotW / Math.max(1, n), histogram.kind === 'categorical' ? 120 : Infinity)
  const right = LEFT + group * n
  const rotate = histogram.kind === 'categorical' && group < 90
  const barW = Math.max(1, Math.min(28, (group - (group > 8 ? 4 : 1)) / 2))
  const y = (share: number) => TOP + plotH - (share / top) * plotH
  const every = Math.max(1, Math.ceil((histogram.kind === 'numeric' ? 56 : rotate ? 18 : 70) / group))
  const describe = `${column}: reference (${formatNumber(bars.referenceTotal)} rows) against current (${formatNumber(bars.currentTotal)} rows), ${n} ${histogram.kind === 'numeric' ? 'bins' : 'categories'}`

  return (
    <div ref={holder} className="histogram">
      <div className="chart-legend">
        <span className="legend-item static">
          <span className="swatch" style={{ background: REFERENCE_COLOR }} aria-hidden="true" /> reference{' '}
          <span className="legend-value">{formatNumber(bars.referenceTotal)} rows</span>
        </span>
        <span className="legend-item static">
          <span className="swatch" style={{ background: CURRENT_COLOR }} aria-hidden="true" /> current window{' '}
          <span className="legend-value">{formatNumber(bars.currentTotal)} rows</span>
        </span>
      </div>
      {n === 0 ? (
        <p className="muted">No values to draw: both sides are empty for this column.</p>
      ) : (
        <svg className="plot-svg" viewBox={`0 0 ${W} ${H}`} height={H} role="img" aria-label={describe}>
          {ticks.map((t) => (
            <g key={t}>
              <line className="grid-line" x1={LEFT} x2={right} y1={y(t)} y2={y(t)} />
              <text x={LEFT - 6} y={y(t) + 4} textAnchor="end">
                {`${Math.round(t * 1000) / 10}%`}
              </text>
            </g>
          ))}
          {bars.labels.map((label, i) => {
            const x0 = LEFT + i * group + (group - 2 * barW) / 2
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a bin is its place on the axis (bins never move; a category named 'other' may stand beside the other-values bin)
              <g key={`${i}-${label}`} className="histogram-group" data-label={label}>
                <title>{`${label}: reference ${percent(bars.reference[i]!)}, current ${percent(bars.current[i]!)}`}</title>
                <rect
                  x={x0}
                  y={y(bars.reference[i]!)}
                  width={barW}
                  height={TOP + plotH - y(bars.reference[i]!)}
                  fill={REFERENCE_COLOR}
                  className="bar-reference"
                />
                <rect
                  x={x0 + barW}
                  y={y(bars.current[i]!)}
                  width={barW}
                  height={TOP + plotH - y(bars.current[i]!)}
                  fill={CURRENT_COLOR}
                  className="bar-current"
                />
              </g>
            )
          })}
          <line className="axis-line" x1={LEFT} x2={right} y1={TOP + plotH} y2={TOP + plotH} />
          {histogram.kind === 'numeric'
            ? histogram.edges.slice(0, n + 1).map((edge, i) =>
                i % every === 0 || i === n ? (
                  <text key={edge} x={LEFT + i * group} y={TOP + plotH + 16} textAnchor="middle">
                    {edgeLabel(edge)}
                  </text>
                ) : null,
              )
            : bars.labels.map((label, i) =>
                i % every === 0 ? (
                  <text
                    // biome-ignore lint/suspicious/noArrayIndexKey: a category's label under its bin, at the bin's place (labels may repeat, as above)
                    key={i}
                    transform={
                      rotate
                        ? `translate(${LEFT + (i + 0.5) * group} ${TOP + plotH + 12}) rotate(30)`
                        : `translate(${LEFT + (i + 0.5) * group} ${TOP + plotH + 16})`
                    }
                    textAnchor={rotate ? 'start' : 'middle'}
                    className={label === 'other' && i === n - 1 ? 'muted-text' : undefined}
                  >
                    {label.length > 14 ? `${label.slice(0, 13)}…` : label}
                  </text>
                ) : null,
              )}
        </svg>
      )}
    </div>
  )
}

const plotWidthFor = (W: number) => W - LEFT - RIGHT

function percent(share: number): string {
  const p = share * 100
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`
}

function edgeLabel(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  const a = Math.abs(v)
  if (a !== 0 && (a < 0.01 || a >= 1e5)) return v.toExponential(1)
  return String(Number(v.toPrecision(3)))
}

function niceCeil(v: number): number {
  const steps = [0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1]
  return steps.find((s) => s >= v) ?? 1
}
