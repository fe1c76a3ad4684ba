/** The controls shared by the run and compare charts: x axis, log scale, smoothing. */
import { useId } from 'react'
import type { XAxis } from './line-chart'

export interface ChartSettings {
  readonly x: XAxis
  readonly logY: boolean
  readonly smoothing: number
}

export function ChartControls({
  value,
  onChange,
}: {
  value: ChartSettings
  onChange: (next: Partial<ChartSettings>) => void
}) {
  const id = useId()
  return (
    <>
      <label>
        X axis
        <select value={value.x} onChange={(e) => onChange({ x: e.target.value as XAxis })}>
          <option value="step">Step</option>
          <option value="time">Wall time</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={value.logY} onChange={(e) => onChange({ logY: e.target.checked })} />
        Log scale
      </label>
      <label htmlFor={`${id}-smooth`}>Smoothing</label>
      <input
        id={`${id}-smooth`}
        type="range"
        min={0}
        max={0.99}
        step={0.01}
        value={value.smoothing}
        onChange={(e) => onChange({ smoothing: Number(e.target.value) })}
        aria-valuetext={value.smoothing === 0 ? 'off' : value.smoothing.toFixed(2)}
      />
      <output htmlFor={`${id}-smooth`} className="mono">
        {value.smoothing === 0 ? 'off' : value.smoothing.toFixed(2)}
      </output>
    </>
  )
}

/** Chart settings in a query string: `x=time`, `log=1`, `smooth=0.6`. */
export function readChartSettings(params: URLSearchParams): ChartSettings {
  const smooth = Number(params.get('smooth') ?? 0)
  return {
    x: params.get('x') === 'time' ? 'time' : 'step',
    logY: params.get('log') === '1',
    smoothing: Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), 0.99) : 0,
  }
}

export function writeChartSettings(params: URLSearchParams, next: Partial<ChartSettings>): void {
  if (next.x !== undefined) next.x === 'step' ? params.delete('x') : params.set('x', next.x)
  if (next.logY !== undefined) next.logY ? params.set('log', '1') : params.delete('log')
  if (next.smoothing !== undefined)
    next.smoothing > 0 ? params.set('smooth', String(next.smoothing)) : params.delete('smooth')
}
