/**
 * Parallel coordinates (SVG; a compare page has few runs): one axis per differing param and the
 * chosen metric last, one polyline per run coloured by that metric. Numeric axes are linear,
 * categorical ones spread their values evenly.
 */
import '../charts/charts.css'
import { useRef } from 'react'
import { formatNumber } from '../format'
import { type AxisRef, type ComparedRun, axisRef, axisValue } from './diff'
import { makeScale, rampColor } from './scale'
import { useWidth } from './use-width'

const H = 340
const TOP = 40
const BOTTOM = 24
const SIDE = 70

export function ParallelCoordinates({
  runs,
  axes,
  metric,
}: {
  runs: readonly ComparedRun[]
  axes: readonly AxisRef[]
  metric: string | undefined
}) {
  const holder = useRef<HTMLDivElement>(null)
  const W = Math.max(320, useWidth(holder))
  const all: AxisRef[] = [...axes, ...(metric ? [{ kind: 'metric' as const, key: metric }] : [])]
  if (all.length < 2) {
    return (
      <div ref={holder}>
        <p className="muted">
          Parallel coordinates need at least two axes: the runs share all their params
          {metric ? '' : ' and no metric is chosen'}.
        </p>
      </div>
    )
  }
  const scales = all.map((a) =>
    makeScale(
      runs.map((r) => axisValue(r, a)),
      formatNumber,
    ),
  )
  const metricScale = metric ? scales[scales.length - 1] : undefined
  const x = (i: number) => SIDE + (i * (W - 2 * SIDE)) / (all.length - 1)
  const y = (pos: number) => TOP + (1 - pos) * (H - TOP - BOTTOM)

  return (
    <div ref={holder}>
      <figure className="pcoords" aria-label={`Parallel coordinates of ${all.map((a) => a.key).join(', ')}`}>
        <svg
          className="plot-svg"
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`Parallel coordinates: ${runs.length} runs over ${all.length} axes`}
        >
          {all.map((a, i) => (
            <g key={`${a.kind}:${a.key}`} className="pc-axis">
              <line className="axis-line" x1={x(i)} x2={x(i)} y1={TOP} y2={H - BOTTOM} />
              <text className="axis-title" x={x(i)} y={TOP - 22} textAnchor="middle">
                {a.key}
              </text>
              <text x={x(i)} y={TOP - 8} textAnchor="middle" className="axis-kind">
                {a.kind}
                {scales[i]!.kind === 'categorical' ? ' · categories' : scales[i]!.log ? ' · log' : ''}
              </text>
              {scales[i]!.ticks.map((t) => (
                <g key={t.value}>
                  <line className="axis-line" x1={x(i) - 4} x2={x(i)} y1={y(t.pos)} y2={y(t.pos)} />
                  <text x={x(i) - 7} y={y(t.pos) + 4} textAnchor="end">
                    {t.value.length > 14 ? `${t.value.slice(0, 13)}…` : t.value}
                  </text>
                </g>
              ))}
            </g>
          ))}
          {runs.map((r) => {
            const m = metric ? r.metrics[metric] : undefined
            const tone = metricScale?.at(m)
            const color = tone === undefined ? '#8c959f' : rampColor(tone)
            // Missing values break the line.
            const segments: string[] = []
            let current = ''
            all.forEach((a, i) => {
              const p = scales[i]!.at(axisValue(r, a))
              if (p === undefined) {
                if (current) segments.push(current)
                current = ''
              } else current += `${current ? 'L' : 'M'}${x(i).toFixed(1)},${y(p).toFixed(1)}`
            })
            if (current) segments.push(current)
            return (
              <g key={r.id} className="pc-run">
                <title>{`${r.name}${m !== undefined ? ` · ${metric} ${formatNumber(m)}` : ''}`}</title>
                {segments.map((d) => (
                  <path key={d} d={d} fill="none" stroke={color} strokeWidth={2.5} strokeLinejoin="round" />
                ))}
                {all.map((a, i) => {
                  const p = scales[i]!.at(axisValue(r, a))
                  return p === undefined ? null : <circle key={axisRef(a)} cx={x(i)} cy={y(p)} r={3.5} fill={color} />
                })}
              </g>
            )
          })}
        </svg>
        {metricScale && metricScale.kind === 'numeric' && (
          <figcaption className="ramp-legend">
            <span>{metric}: low</span>
            <span className="ramp" aria-hidden="true" />
            <span>high</span>
          </figcaption>
        )}
      </figure>
    </div>
  )
}
