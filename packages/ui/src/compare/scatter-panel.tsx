/** The compare page's scatter of any two params or metrics, with an axis picker for each. */
import { Empty } from '../components/states'
import { type AxisRef, type ComparedRun, axisRef } from './diff'
import { ScatterPlot } from './scatter-plot'

export function ScatterPanel({
  compared,
  colors,
  sx,
  sy,
  choices,
  onAxis,
}: {
  compared: readonly ComparedRun[]
  colors: readonly string[]
  sx: AxisRef | undefined
  sy: AxisRef | undefined
  choices: readonly AxisRef[]
  onAxis: (name: 'sx' | 'sy', value: string) => void
}) {
  return (
    <section className="panel" aria-labelledby="scatter-title">
      <div className="panel-head">
        <h2 id="scatter-title">Scatter</h2>
        <AxisSelect label="X" value={sx} choices={choices} onChange={(v) => onAxis('sx', v)} />
        <AxisSelect label="Y" value={sy} choices={choices} onChange={(v) => onAxis('sy', v)} />
      </div>
      {sx && sy ? (
        <ScatterPlot runs={compared} colors={colors} xAxis={sx} yAxis={sy} />
      ) : (
        <Empty title="Nothing to plot">These runs have no params or metrics.</Empty>
      )}
    </section>
  )
}

function AxisSelect({
  label,
  value,
  choices,
  onChange,
}: {
  label: string
  value: AxisRef | undefined
  choices: readonly AxisRef[]
  onChange(v: string): void
}) {
  const current = value ? axisRef(value) : ''
  const has = choices.some((c) => axisRef(c) === current)
  return (
    <label>
      {label}
      <select value={current} onChange={(e) => onChange(e.target.value)} aria-label={`Scatter ${label} axis`}>
        {!has && current && <option value={current}>{value!.key} (missing)</option>}
        <optgroup label="Params">
          {choices
            .filter((c) => c.kind === 'param')
            .map((c) => (
              <option key={axisRef(c)} value={axisRef(c)}>
                {c.key}
              </option>
            ))}
        </optgroup>
        <optgroup label="Metrics">
          {choices
            .filter((c) => c.kind === 'metric')
            .map((c) => (
              <option key={axisRef(c)} value={axisRef(c)}>
                {c.key}
              </option>
            ))}
        </optgroup>
      </select>
    </label>
  )
}
