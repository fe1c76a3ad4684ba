/** A run's status as a coloured badge (text, not colour alone, carries the meaning). */
import type { RunStatus } from '@keel/contracts'

const CLASS: Record<RunStatus, string> = {
  RUNNING: 'badge status-running',
  SCHEDULED: 'badge badge-muted',
  FINISHED: 'badge badge-ok',
  FAILED: 'badge badge-danger',
  KILLED: 'badge badge-warn',
}

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={CLASS[status]}>
      {status === 'RUNNING' && <span className="live-dot" aria-hidden="true" />}
      {status.toLowerCase()}
    </span>
  )
}

/** System tags are MLflow's and keel's own bookkeeping; users' tags come first. */
export const isSystemTag = (key: string) => key.startsWith('mlflow.') || key.startsWith('keel.')
