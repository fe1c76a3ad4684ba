/** The compare page's list of runs: colour, name, status, start and the chosen metric, with Remove. */
import type { Run } from '@keel/contracts'
import { Link } from 'react-router'
import { formatNumber, formatTime } from '../format'
import { StatusBadge } from '../run/status-badge'
import type { ComparedRun } from './diff'
import { ColumnHeads } from '../components/column-heads'

export function ComparedRunsPanel({
  compared,
  runs,
  colors,
  metric,
  onRemove,
}: {
  compared: readonly ComparedRun[]
  /** The runs of `compared`, in the same order. */
  runs: readonly Run[]
  colors: readonly string[]
  metric: string | undefined
  onRemove: (runId: string) => void
}) {
  return (
    <section className="panel" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <table className="table compact run-list">
        <ColumnHeads columns={['Run', 'Status', 'Started', { label: metric ?? 'metric', numeric: true }]} actions />
        <tbody>
          {compared.map((r, i) => (
            <tr key={r.id}>
              <td>
                <span className="swatch" style={{ background: colors[i] }} aria-hidden="true" />
                <Link to={`/runs/${r.id}`}>{r.name}</Link> <span className="muted mono">{r.id.slice(0, 8)}</span>
              </td>
              <td>
                <StatusBadge status={runs[i]!.info.status} />
              </td>
              <td>{formatTime(runs[i]!.info.startTime)}</td>
              <td className="num mono">{metric ? formatNumber(r.metrics[metric]) : ''}</td>
              <td className="actions">
                <button
                  type="button"
                  className="small"
                  aria-label={`Remove ${r.name} from the comparison`}
                  onClick={() => onRemove(r.id)}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.length < 2 && (
        <p className="muted">Add another run to compare: open this page with two or more run ids in ?runs=.</p>
      )}
    </section>
  )
}
