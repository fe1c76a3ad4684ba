/**
 * A line chart around uPlot (canvas; 100k points per series stay fluid): several series on one x
 * axis (step or wall time), log y, TensorBoard-style smoothing (raw curve faint behind the smoothed
 * one), zoom by dragging with a reset (button or double-click), and a legend with the values under
 * the cursor in which series can be hidden. Data updates keep the zoom; it follows the container's
 * width.
 */
import 'uplot/dist/uPlot.min.css'
import './charts.css'
import { useEffect, useMemo, useRef, useState } from 'react'
import uPlot from 'uplot'
import { formatNumber, formatTime } from '../format'
import { type Aligned, alignSeries, ema, finiteOrNull, forLogScale } from './series'

export interface LineSeries {
  readonly label: string
  readonly color: string
  /** Steps, or epoch milliseconds when the chart's x is time. */
  readonly xs: ArrayLike<number>
  readonly ys: ArrayLike<number>
}

export type XAxis = 'step' | 'time'

export interface LineChartProps {
  readonly series: readonly LineSeries[]
  readonly x: XAxis
  readonly logY?: boolean
  /** EMA weight in [0, 1); 0 draws the raw curves only. */
  readonly smoothing?: number
  readonly height?: number
  /** What the chart shows, for screen readers and the figure caption. */
  readonly label: string
}

interface Zoom {
  min: number
  max: number
}

export function LineChart({ series, x, logY = false, smoothing = 0, height = 320, label }: LineChartProps) {
  const holder = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const zoom = useRef<Zoom | null>(null)
  const [zoomed, setZoomed] = useState(false)
  const [hover, setHover] = useState<number | null>(null)
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set())
  const smooth = smoothing > 0

  // The aligned columns, and what uPlot draws: per series [raw] or [raw faint, smoothed].
  const aligned = useMemo<Aligned>(
    () => alignSeries(series.map((s) => (x === 'time' ? { xs: Array.from(s.xs, (v) => v / 1000), ys: s.ys } : s))),
    [series, x],
  )
  const drawn = useMemo<uPlot.AlignedData>(() => {
    const clean = logY ? forLogScale : finiteOrNull
    const cols: (number | null)[][] = []
    for (let i = 1; i < aligned.length; i++) {
      const raw = aligned[i] as (number | null)[]
      cols.push(clean(raw))
      if (smooth) cols.push(clean(ema(finiteOrNull(raw), smoothing)))
    }
    return [aligned[0], ...cols] as uPlot.AlignedData
  }, [aligned, logY, smooth, smoothing])

  const shape = JSON.stringify([series.map((s) => [s.label, s.color]), x, logY, smooth, height])

  // (Re)create the chart when its shape changes; keep the x zoom across.
  useEffect(() => {
    const el = holder.current
    if (!el) return
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
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
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
        setCursor: [(u) => setHover(u.cursor.idx ?? null)],
        setScale: [
          (u, key) => {
            if (key !== 'x') return
            const xs = u.data[0]
            const { min, max } = u.scales.x!
            if (xs.length < 2 || min === undefined || max === undefined || min === null || max === null) return
            const isZoomed = min > xs[0]! || max < xs[xs.length - 1]!
            zoom.current = isZoomed ? { min, max } : null
            setZoomed(isZoomed)
          },
        ],
      },
    }
    const u = new uPlot(opts, drawn, el)
    plot.current = u
    if (zoom.current) u.setScale('x', zoom.current)
    const observer = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth)
      if (width !== u.width) u.setSize({ width, height })
    })
    observer.observe(el)
    return () => {
      observer.disconnect()
      u.destroy()
      plot.current = null
    }
    // `drawn` is applied by the effect below on data-only changes; `hidden` by toggle().
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape])

  // New data (live updates, smoothing): redraw in place, keeping the zoom window.
  useEffect(() => {
    const u = plot.current
    if (!u || u.data === drawn) return
    const keep = zoom.current
    u.batch(() => {
      u.setData(drawn, true)
      if (keep) u.setScale('x', keep)
    })
  }, [drawn])

  const resetZoom = () => {
    const u = plot.current
    const xs = u?.data[0]
    zoom.current = null
    if (u && xs && xs.length > 0) u.setScale('x', { min: xs[0]!, max: xs[xs.length - 1]! })
    setZoomed(false)
  }

  const toggle = (name: string) => {
    const next = new Set(hidden)
    next.has(name) ? next.delete(name) : next.add(name)
    setHidden(next)
    const u = plot.current
    const i = series.findIndex((s) => s.label === name)
    if (!u || i < 0) return
    const show = !next.has(name)
    if (smooth) {
      u.setSeries(1 + 2 * i, { show })
      u.setSeries(2 + 2 * i, { show })
    } else u.setSeries(1 + i, { show })
  }

  const xs = aligned[0]
  const at = hover !== null && hover < xs.length ? hover : null
  const xText = at === null ? '' : x === 'time' ? formatTime(xs[at]! * 1000) : `step ${formatNumber(xs[at])}`
  const points = series.reduce((n, s) => n + s.xs.length, 0)

  return (
    <figure className="line-chart" aria-label={label}>
      <div className="chart-legend" aria-label={`Legend of ${label}`}>
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
              onClick={() => toggle(s.label)}
            >
              <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
              <span className="legend-label">{s.label}</span>
              <span className="legend-value">{value === null || value === undefined ? '–' : formatNumber(value)}</span>
            </button>
          )
        })}
        <span className="legend-x muted">{xText}</span>
        {zoomed && (
          <button type="button" className="chart-reset" onClick={resetZoom}>
            Reset zoom
          </button>
        )}
      </div>
      <div
        className="chart-canvas"
        ref={holder}
        role="img"
        aria-label={`${label}: ${series.length} series, ${points} points. Drag to zoom, double-click to reset.`}
      />
      <figcaption className="sr-only">{label}</figcaption>
    </figure>
  )
}

/** Y tick labels; a log axis labels its powers of ten only (uPlot puts minor ticks between). */
function yTick(t: number | null | undefined, log: boolean): string {
  if (t === null || t === undefined) return ''
  if (log && Math.abs(Math.log10(t) - Math.round(Math.log10(t))) > 1e-9) return ''
  return formatNumber(t)
}

function lastValue(col: readonly (number | null)[]): number | null {
  for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null) return col[i]!
  return null
}

function fade(hex: string): string {
  return `${hex}55`
}
