/** The run page's latest metrics; a metric's name adds it to the charts (or takes it off). */
import type { Metric } from '@keel/contracts'
import { formatAgo, formatNumber, formatTime } from '../format'
import { ColumnHeads } from '../components/column-heads'

export function MetricsPanel({
  metrics,
  live,
  charted,
  onCharted,
}: {
  metrics: readonly Metric[]
  live: boolean
  /** The keys on the charts. */
  charted: readonly string[]
  onCharted: (keys: string[]) => void
}) {
  return (
    <section className="panel" id="metrics" aria-labelledby="metrics-title">
      <h2 id="metrics-title">
        Metrics <span className="count">{metrics.length}</span>
      </h2>
      {metrics.length === 0 ? (
        <p className="muted">No metrics logged{live ? ' yet' : ''}.</p>
      ) : (
        <table className="table compact metrics-table">
          <ColumnHeads
            columns={[
              'Metric (click to chart)',
              { label: 'Latest', numeric: true },
              { label: 'Step', numeric: true },
              'Logged',
            ]}
          />
          <tbody>
            {[...metrics]
              .sort((a, b) => a.key.localeCompare(b.key))
              .map((m) => (
                <tr key={m.key}>
                  <td>
                    <button
                      type="button"
                      className="linkish"
                      aria-pressed={charted.includes(m.key)}
                      onClick={() => {
                        onCharted(charted.includes(m.key) ? charted.filter((k) => k !== m.key) : [...charted, m.key])
                        if (!charted.includes(m.key))
                          document.getElementById('charts')?.scrollIntoView({ behavior: 'smooth' })
                      }}
                    >
                      {m.key}
                    </button>
                  </td>
                  <td className="num mono" data-metric={m.key}>
                    {formatNumber(m.value)}
                  </td>
                  <td className="num">{m.step}</td>
                  <td title={formatTime(m.timestamp)}>{formatAgo(m.timestamp)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
