/** A line chart's legend: each series' value under the cursor (else its last), a button that hides or shows it, and Reset zoom. */
import type uPlot from 'uplot'
import { formatNumber } from '../format'

export function ChartLegend({
  series,
  drawn,
  smooth,
  at,
  xText,
  hidden,
  zoomed,
  label,
  onToggle,
  onResetZoom,
}: {
  series: readonly { readonly label: string; readonly color: string }[]
  drawn: uPlot.AlignedData
  smooth: boolean
  /** The index under the cursor. */
  at: number | null
  xText: string
  hidden: ReadonlySet<string>
  zoomed: boolean
  label: string
  onToggle: (label: string) => void
  onResetZoom: () => void
}) {
  return (
    <fieldset className="chart-legend plain" aria-label={`Legend of ${label}`}>
      {series.map((s, i) => {
        const col = drawn[smooth ? 2 + 2 * i : 1 + i] as (number | null)[] | undefined
        const value = col ? (at !== null ? col[at] : lastValue(col)) : null
        return (
          <button
            type="button"
            key={s.label}
            className="legend-item"
            aria-pressed={!hidden.has(s.label)}
            title={hidden.has(s.label) ? `Show ${s.label}` : `Hide ${s.label}`}
            onClick={() => onToggle(s.label)}
          >
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            <span className="legend-label">{s.label}</span>
            <span className="legend-value">{value === null || value === undefined ? '–' : formatNumber(value)}</span>
          </button>
        )
      })}
      <span className="legend-x muted">{xText}</span>
      {zoomed && (
        <button type="button" className="chart-reset" onClick={onResetZoom}>
          Reset zoom
        </button>
      )}
    </fieldset>
  )
}

function lastValue(col: readonly (number | null)[]): number | null {
  for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null) return col[i]!
  return null
}
