/** The run page's header: name, status, live note, and the facts (id, experiment, start, duration, user). */
import type { Run } from '@keel/contracts'
import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import { formatAgo, formatDuration, formatTime } from '../format'
import { StatusBadge } from './status-badge'

export function RunHeader({
  run,
  experimentName,
  pollMs,
  live,
  pollFailed,
}: {
  run: Run
  experimentName: string | undefined
  pollMs: number
  live: boolean
  pollFailed: boolean
}) {
  const { info } = run
  return (
    <header className="run-head">
      <div className="run-title-row">
        <h1 id="run-title">{info.runName || info.runId}</h1>
        <StatusBadge status={info.status} />
        {info.lifecycleStage === 'deleted' && <span className="badge badge-muted">deleted</span>}
        {live && (
          <span className="muted live-note" role="status">
            live · updating every {pollMs / 1000} s{pollFailed ? ' (last update failed, retrying)' : ''}
          </span>
        )}
      </div>
      <dl className="run-facts">
        <div>
          <dt>Run ID</dt>
          <dd className="mono">{info.runId}</dd>
        </div>
        <div>
          <dt>Experiment</dt>
          <dd>
            <Link to={`/experiments/${info.experimentId}`}>{experimentName ?? info.experimentId}</Link>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd title={formatTime(info.startTime)}>
            {formatTime(info.startTime)} <span className="muted">({formatAgo(info.startTime)})</span>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>
            {info.endTime ? (
              formatDuration(info.startTime, info.endTime)
            ) : live ? (
              <LiveDuration start={info.startTime} />
            ) : (
              '–'
            )}
          </dd>
        </div>
        <div>
          <dt>User</dt>
          <dd>{info.userId || <span className="muted">unknown</span>}</dd>
        </div>
      </dl>
    </header>
  )
}

function LiveDuration({ start }: { start: number }) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [])
  return <>{formatDuration(start, now)} so far</>
}
