/** A scatter of one param or metric against another, one labelled point per run (SVG). */
import '../charts/charts.css'
import { useRef } from 'react'
import { formatNumber } from '../format'
import { type AxisRef, type ComparedRun, axisValue } from './diff'
import { makeScale } from './scale'
import { useWidth } from './use-width'

const H = 360
const LEFT = 80
const RIGHT = 100
const TOP = 20
const BOTTOM = 56

export function ScatterPlot({
  runs,
  colors,
  xAxis,
  yAxis,
}: {
  runs: readonly ComparedRun[]
  colors: readonly string[]
  xAxis: AxisRef
  yAxis: AxisRef
}) {
  const holder = useRef<HTMLDivElement>(null)
  const W = Math.max(320, useWidth(holder))
  const sx = makeScale(
    runs.map((r) => axisValue(r, xAxis)),
    formatNumber,
  )
  const sy = makeScale(
    runs.map((r) => axisValue(r, yAxis)),
    formatNumber,
  )
  // Categorical axes keep their outer values off the frame.
  const inset = (s: typeof sx, p: number) => (s.kind === 'categorical' ? 0.08 + p * 0.84 : 0.03 + p * 0.94)
  const px = (p: number) => LEFT + inset(sx, p) * (W - LEFT - RIGHT)
  const py = (p: number) => H - BOTTOM - inset(sy, p) * (H - TOP - BOTTOM)
  const points = runs.flatMap((r, i) => {
    const a = sx.at(axisValue(r, xAxis))
    const b = sy.at(axisValue(r, yAxis))
    return a === undefined || b === undefined ? [] : [{ run: r, i, cx: px(a), cy: py(b) }]
  })
  const missing = runs.length - points.length
  return (
    <div ref={holder}>
      <figure className="scatter" aria-label={`${yAxis.key} against ${xAxis.key}`}>
        <svg
          className="plot-svg"
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`Scatter of ${yAxis.key} against ${xAxis.key}: ${points.length} runs`}
        >
          <rect x={LEFT} y={TOP} width={W - LEFT - RIGHT} height={H - TOP - BOTTOM} fill="#fbfcfd" stroke="#d0d7de" />
          {sx.ticks.map((t) => (
            <g key={`x${t.value}`}>
              <line className="grid-line" x1={px(t.pos)} x2={px(t.pos)} y1={TOP} y2={H - BOTTOM} />
              <text x={px(t.pos)} y={H - BOTTOM + 16} textAnchor="middle">
                {t.value.length > 14 ? `${t.value.slice(0, 13)}…` : t.value}
              </text>
            </g>
          ))}
          {sy.ticks.map((t) => (
            <g key={`y${t.value}`}>
              <line className="grid-line" x1={LEFT} x2={W - RIGHT} y1={py(t.pos)} y2={py(t.pos)} />
              <text x={LEFT - 8} y={py(t.pos) + 4} textAnchor="end">
                {t.value.length > 12 ? `${t.value.slice(0, 11)}…` : t.value}
              </text>
            </g>
          ))}
          <text className="axis-title" x={LEFT + (W - LEFT - RIGHT) / 2} y={H - 12} textAnchor="middle">
            {xAxis.key} ({xAxis.kind}
            {sx.log ? ', log' : ''})
          </text>
          <text
            className="axis-title"
            transform={`translate(16 ${TOP + (H - TOP - BOTTOM) / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {yAxis.key} ({yAxis.kind}
            {sy.log ? ', log' : ''})
          </text>
          {points.map((p) => (
            <g key={p.run.id} className="scatter-point">
              <title>{`${p.run.name}: ${xAxis.key} ${String(axisValue(p.run, xAxis))}, ${yAxis.key} ${String(axisValue(p.run, yAxis))}`}</title>
              <circle cx={p.cx} cy={p.cy} r={6} fill={colors[p.i]} stroke="#fff" strokeWidth={1.5} />
              <text x={p.cx + 9} y={p.cy + 4} className="point-label">
                {p.run.name.length > 18 ? `${p.run.name.slice(0, 17)}…` : p.run.name}
              </text>
            </g>
          ))}
        </svg>
        {missing > 0 && (
          <figcaption className="chart-note">{missing} run(s) without both values are not shown.</figcaption>
        )}
      </figure>
    </div>
  )
}
