/** The uPlot options of a line chart: its series (raw, or raw faint behind smoothed), axes, cursor zoom and hooks. */
import type uPlot from 'uplot'
import { formatNumber } from '../format'

export interface ChartShape {
  readonly series: readonly { readonly label: string; readonly color: string }[]
  readonly x: 'step' | 'time'
  readonly logY: boolean
  /** Smoothed: each series is drawn raw (faint) and smoothed. */
  readonly smooth: boolean
  readonly width: number
  readonly height: number
  /** The labels of the series not shown. */
  readonly hidden: ReadonlySet<string>
}

export function chartOptions(
  { series, x, logY, smooth, width, height, hidden }: ChartShape,
  hooks: { onCursor: (index: number | null) => void; onScale: (u: uPlot) => void },
): uPlot.Options {
  const specs: uPlot.Series[] = [{ label: x === 'time' ? 'time' : 'step' }]
  for (const s of series) {
    const show = !hidden.has(s.label)
    if (smooth) {
      specs.push({
        label: `${s.label} (raw)`,
        stroke: fade(s.color),
        width: 1,
        spanGaps: true,
        show,
        points: { show: false },
      })
      specs.push({ label: s.label, stroke: s.color, width: 2, spanGaps: true, show })
    } else specs.push({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true, show })
  }
  const axisStyle = {
    stroke: '#57606a',
    grid: { stroke: '#e6e9ed', width: 1 },
    ticks: { stroke: '#d0d7de', width: 1 },
  }
  return {
    width,
    height,
    series: specs,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
    scales: { x: { time: x === 'time' }, y: logY ? { distr: 3 } : {} },
    axes: [
      // Time labels are two rows wide (e.g. "10:45pm" over a date): give them room so they never overlap.
      {
        ...axisStyle,
        space: x === 'time' ? 90 : 50,
        ...(x === 'step' && { values: (_u, ticks) => ticks.map((t) => formatNumber(t)) }),
      },
      {
        ...axisStyle,
        size: 64,
        values: (_u, ticks) => {
          const labels = ticks.map((t) => yTick(t, logY))
          // A zoom inside one decade has fewer than two powers of ten: label every tick then.
          return logY && labels.filter(Boolean).length < 2 ? ticks.map((t) => yTick(t, false)) : labels
        },
      },
    ],
    hooks: {
      setCursor: [(u) => hooks.onCursor(u.cursor.idx ?? null)],
      setScale: [
        (u, key) => {
          if (key === 'x') hooks.onScale(u)
        },
      ],
    },
  }
}

/** Y tick labels; a log axis labels its powers of ten only (uPlot puts minor ticks between). */
function yTick(t: number | null | undefined, log: boolean): string {
  if (t === null || t === undefined) return ''
  if (log && Math.abs(Math.log10(t) - Math.round(Math.log10(t))) > 1e-9) return ''
  return formatNumber(t)
}

function fade(hex: string): string {
  return `${hex}55`
}
