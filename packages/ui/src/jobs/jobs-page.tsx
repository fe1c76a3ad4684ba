/**
 * /jobs: the server's work queue, newest first: each job's kind, state, attempts, times and last
 * error, with a cancel button on queued and running jobs for those who may cancel (MANAGE on
 * every deployment; everyone without authentication). `?state=` and `?kind=` narrow it. Live:
 * polled every 5 s; "Show more" reads the next page.
 */
import { JOB_STATES, type Job, type JobState, authApi, jobFromWire, keelJobsApi } from '@keel/contracts'
import { useState } from 'react'
import { useSearchParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { useAuth } from '../auth/auth-context'
import { ColumnHeads } from '../components/column-heads'
import { LiveNote } from '../components/live-note'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatAgo, formatDuration, formatTime } from '../format'
import '../registry/registry.css'

const LIVE_MS = 5000
const PAGE = 100
/** The kinds keel queues today (others still show). */
const KINDS = ['monitor.window', 'alert.webhook', 'alert.action']

const BADGE: Record<JobState, string> = {
  queued: 'badge-muted',
  running: 'badge-warn',
  succeeded: 'badge-ok',
  failed: 'badge-danger',
  cancelled: 'badge-muted',
}

interface Listed {
  readonly jobs: Job[]
  readonly nextPageToken?: string
}

async function listJobs(state: string, kind: string, pages: number, signal: AbortSignal): Promise<Listed> {
  const jobs: Job[] = []
  let token: string | undefined
  for (let i = 0; i < pages; i++) {
    const res = await call(
      keelJobsApi.listJobs,
      {
        ...(state && { state: state as JobState }),
        ...(kind && { kind }),
        max_results: PAGE,
        ...(token && { page_token: token }),
      },
      signal,
    )
    jobs.push(...res.jobs.map(jobFromWire))
    token = res.next_page_token
    if (!token) break
  }
  return token ? { jobs, nextPageToken: token } : { jobs }
}

/**
 * Whether to show cancel buttons: without authentication everyone may; admins may; others when
 * they hold MANAGE on every deployment (the server checks each request anyway).
 */
function useMayCancel(): boolean {
  const auth = useAuth()
  const user = auth.authEnabled && auth.user && !auth.user.isAdmin ? auth.user : undefined
  const permission = useApi(user ? `jobs-perm|${user.username}` : null, async (signal) => {
    const res = await call(
      authApi.getUserPermission,
      { username: user!.username, resource_type: 'deployment', resource_id: '*' },
      signal,
    )
    return res.permission
  })
  if (!auth.authEnabled || auth.user?.isAdmin) return true
  return permission.data === 'MANAGE'
}

export function JobsPage() {
  const [params, setParams] = useSearchParams()
  const state = params.get('state') ?? ''
  const kind = params.get('kind') ?? ''
  const [pages, setPages] = useState(1)
  const jobs = useApi(`jobs|${state}|${kind}|${pages}`, (signal) => listJobs(state, kind, pages, signal), {
    pollMs: LIVE_MS,
  })
  const mayCancel = useMayCancel()
  const [actionError, setActionError] = useState<Error | undefined>()

  const narrow = (key: 'state' | 'kind', value: string) => {
    const next = new URLSearchParams(params)
    if (value) next.set(key, value)
    else next.delete(key)
    setPages(1)
    setParams(next)
  }
  const cancel = async (job: Job) => {
    if (
      !window.confirm(
        `Cancel the job ${job.jobId}? ${job.state === 'running' ? 'Its handler is told to stop.' : 'It will not run.'}`,
      )
    )
      return
    setActionError(undefined)
    try {
      await call(keelJobsApi.cancelJob, { job_id: job.jobId })
      jobs.reload()
    } catch (e) {
      setActionError(e as Error)
    }
  }

  return (
    <section className="registry jobs-page" aria-labelledby="jobs-title">
      <div className="page-head">
        <h1 id="jobs-title">Jobs</h1>
        <LiveNote refreshFailed={jobs.error !== undefined && jobs.data !== undefined} />
      </div>
      <p className="muted page-intro">
        The server’s background work: live monitors’ windows and alerts’ webhooks and actions. A failed attempt is
        retried with backoff up to its attempts; a cancelled job does not run again.
      </p>
      <div className="toolbar">
        <label>
          State{' '}
          <select value={state} onChange={(e) => narrow('state', e.target.value)} aria-label="State">
            <option value="">any</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => narrow('kind', e.target.value)} aria-label="Kind">
            <option value="">any</option>
            {[...new Set([...KINDS, ...(kind ? [kind] : [])])].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      {actionError && <ErrorBox error={actionError} />}
      {jobs.error && !jobs.data ? (
        <ErrorBox error={jobs.error} onRetry={jobs.reload} />
      ) : !jobs.data ? (
        <Loading what="jobs" />
      ) : jobs.data.jobs.length === 0 ? (
        <Empty title={state || kind ? 'No job matches' : 'No jobs yet'}>
          Jobs appear when live monitors process their windows and alerts are delivered.
        </Empty>
      ) : (
        <>
          <table className="table jobs-table" aria-labelledby="jobs-title">
            <ColumnHeads
              columns={[
                'Job',
                'Kind',
                'State',
                { label: 'Attempts', numeric: true },
                'Created',
                'Took',
                'Last error',
                '',
              ]}
            />
            <tbody>
              {jobs.data.jobs.map((j) => (
                <tr key={j.jobId}>
                  <td>
                    <code title={JSON.stringify(j.payload)}>{j.jobId}</code>
                  </td>
                  <td>{j.kind}</td>
                  <td>
                    <span className={`badge ${BADGE[j.state]}`}>{j.state}</span>
                    {j.state === 'queued' && j.runAtMs > Date.now() && (
                      <span className="muted" title={formatTime(j.runAtMs)}>
                        {' '}
                        next try in {Math.ceil((j.runAtMs - Date.now()) / 1000)}s
                      </span>
                    )}
                  </td>
                  <td className="num">
                    {j.attempts}/{j.maxAttempts}
                  </td>
                  <td title={formatTime(j.createdMs)}>{formatAgo(j.createdMs)}</td>
                  <td className="muted">
                    {j.startedMs !== undefined ? formatDuration(j.startedMs, j.finishedMs) : ''}
                  </td>
                  <td className="muted" title={j.lastError}>
                    {j.lastError && j.lastError.length > 80 ? `${j.lastError.slice(0, 79)}…` : j.lastError}
                  </td>
                  <td>
                    {mayCancel && (j.state === 'queued' || j.state === 'running') && (
                      <button type="button" className="danger" onClick={() => void cancel(j)}>
                        Cancel
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {jobs.data.nextPageToken && (
            <button type="button" onClick={() => setPages(pages + 1)}>
              Show more
            </button>
          )}
        </>
      )}
    </section>
  )
}
