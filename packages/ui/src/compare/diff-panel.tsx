/** The compare page's differences: params, latest metrics and tags side by side, what differs and the best value marked. */
import { useMemo } from 'react'
import { Empty } from '../components/states'
import { formatNumber } from '../format'
import { type ComparedRun, diffRows, lowerIsBetter } from './diff'

export function DiffPanel({
  compared,
  colors,
  onlyDiff,
  onOnlyDiff,
}: {
  compared: readonly ComparedRun[]
  colors: readonly string[]
  onlyDiff: boolean
  onOnlyDiff: (on: boolean) => void
}) {
  const rows = useMemo(() => diffRows(compared), [compared])
  const shownRows = onlyDiff ? rows.filter((r) => r.differs) : rows
  return (
    <section className="panel" aria-labelledby="diff-title" style={{ marginTop: 16 }}>
      <div className="panel-head">
        <h2 id="diff-title">Differences</h2>
        <span className="diff-legend">
          <span>
            <span className="sample" style={{ background: '#fff8e1' }} />
            differs
          </span>
          <span>
            <span className="sample" style={{ background: '#dafbe1' }} />
            best value
          </span>
        </span>
        <label>
          <input type="checkbox" checked={onlyDiff} onChange={(e) => onOnlyDiff(e.target.checked)} />
          Only differences
        </label>
      </div>
      {shownRows.length === 0 ? (
        <Empty title={onlyDiff ? 'No differences' : 'Nothing to compare'}>
          {onlyDiff
            ? 'These runs share every param, metric and tag value.'
            : 'These runs logged no params, metrics or tags.'}
        </Empty>
      ) : (
        <div style={{ overflowX: 'auto' }}>
          <table className="table diff-table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                {compared.map((r, i) => (
                  <th key={r.id} scope="col" className="run-col">
                    <span
                      className="swatch"
                      style={{ background: colors[i], marginRight: 6, verticalAlign: -1 }}
                      aria-hidden="true"
                    />
                    {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            {(['param', 'metric', 'tag'] as const).map((kind) => {
              const group = shownRows.filter((r) => r.kind === kind)
              if (group.length === 0) return null
              return (
                <tbody key={kind}>
                  <tr className="group-row">
                    <th scope="rowgroup" colSpan={compared.length + 1}>
                      {kind === 'param' ? 'Params' : kind === 'metric' ? 'Metrics (latest)' : 'Tags'}
                    </th>
                  </tr>
                  {group.map((row) => (
                    <tr
                      key={`${kind}:${row.key}`}
                      className={row.differs ? 'row-differs' : undefined}
                      data-differs={row.differs}
                    >
                      <td className="key-cell">
                        {row.key}
                        {row.differs && <span className="sr-only"> (differs)</span>}
                        {kind === 'metric' && (
                          <span className="dir">
                            {lowerIsBetter(row.key) ? '↓ lower is better' : '↑ higher is better'}
                          </span>
                        )}
                      </td>
                      {row.values.map((v, i) => {
                        const best = row.best.includes(i)
                        return (
                          <td key={compared[i]!.id} className={best ? 'best' : undefined}>
                            {v === undefined ? (
                              <span className="muted">–</span>
                            ) : typeof v === 'number' ? (
                              formatNumber(v)
                            ) : (
                              v
                            )}
                            {best && <span className="best-mark">best</span>}
                          </td>
                        )
                      })}
                    </tr>
                  ))}
                </tbody>
              )
            })}
          </table>
        </div>
      )}
    </section>
  )
}
