/**
 * A line chart around uPlot (canvas; 100k points per series stay fluid): several series on one x
 * axis (step or wall time), log y, TensorBoard-style smoothing (raw curve faint behind the smoothed
 * one), zoom by dragging with a reset (button or double-click), and a legend with the values under
 * the cursor in which series can be hidden. Data updates keep the zoom; it follows the container's
 * width.
 */
import 'uplot/dist/uPlot.min.css'
import './charts.css'
import { useEffect, useEffectEvent, useMemo, useRef, useState } from 'react'
import uPlot from 'uplot'
import { useJsonStable } from '../components/use-json-stable'
import { formatNumber, formatTime } from '../format'
import { ChartLegend } from './chart-legend'
import { type Aligned, alignSeries, ema, finiteOrNull, forLogScale } from './series'
import { chartOptions } from './uplot-options'

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

  // The series' labels and colours: with x, logY, smoothing on or off and the height, the chart's
  // shape. A new shape makes a new chart; new data is set into the chart there is (below).
  const looks = useJsonStable(series.map((s) => ({ label: s.label, color: s.color })))
  // What a new chart starts from: the data and the hidden series of now (later changes of these are
  // applied to it in place, by the data effect below and by toggle()).
  const startingPoint = useEffectEvent(() => ({ drawn, hidden }))

  // (Re)create the chart when its shape changes; keep the x zoom across.
  useEffect(() => {
    const el = holder.current
    if (!el) return
    const { drawn, hidden } = startingPoint()
    const opts = chartOptions(
      { series: looks, x, logY, smooth, width: Math.max(200, el.clientWidth), height, hidden },
      {
        onCursor: setHover,
        onScale: (u) => {
          const xs = u.data[0]
          const { min, max } = u.scales.x!
          if (xs.length < 2 || min === undefined || max === undefined || min === null || max === null) return
          const isZoomed = min > xs[0]! || max < xs[xs.length - 1]!
          zoom.current = isZoomed ? { min, max } : null
          setZoomed(isZoomed)
        },
      },
    )
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
  }, [looks, x, logY, smooth, height])

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
      <ChartLegend
        series={series}
        drawn={drawn}
        smooth={smooth}
        at={at}
        xText={xText}
        hidden={hidden}
        zoomed={zoomed}
        label={label}
        onToggle={toggle}
        onResetZoom={resetZoom}
      />
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
