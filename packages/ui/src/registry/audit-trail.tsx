/** The registry's audit trail: the table of events, and who approved each version now in Production. */
import type { RegistryEvent } from '@keel/contracts'
import type { ReactNode } from 'react'
import { Link } from 'react-router'
import { ColumnHeads } from '../components/column-heads'
import { Empty } from '../components/states'
import { formatAgo, formatTime } from '../format'
import { versionPath } from './registry-data'
import { StageBadge } from './stage-badge'

const KIND_LABELS: Record<RegistryEvent['kind'], string> = {
  registered_model_created: 'Created the model',
  registered_model_renamed: 'Renamed the model',
  registered_model_deleted: 'Deleted the model',
  model_version_created: 'Registered a version',
  model_version_deleted: 'Deleted a version',
  stage_transition: 'Moved stage',
  alias_set: 'Set alias',
  alias_deleted: 'Deleted alias',
  alias_protected: 'Protected alias',
  alias_unprotected: 'Removed protection of alias',
  alias_change_requested: 'Requested an alias change',
  alias_change_approved: 'Approved an alias change',
  alias_change_rejected: 'Rejected an alias change',
  alias_change_cancelled: 'Withdrew an alias change',
}

function change(e: RegistryEvent): ReactNode {
  if (e.kind === 'alias_set' || e.kind === 'alias_deleted') {
    return (
      <>
        {e.from ? `v${e.from}` : <span className="muted">none</span>} →{' '}
        {e.to ? `v${e.to}` : <span className="muted">none</span>}
      </>
    )
  }
  if (e.kind === 'model_version_created' || e.kind === 'model_version_deleted') return null
  // A change request names the version asked for (none: removing the alias); a protection, what moves need.
  if (
    e.kind === 'alias_change_requested' ||
    e.kind === 'alias_change_approved' ||
    e.kind === 'alias_change_rejected' ||
    e.kind === 'alias_change_cancelled'
  ) {
    return e.to ? <>→ v{e.to}</> : <span className="muted">remove the alias</span>
  }
  if (e.kind === 'alias_protected' || e.kind === 'alias_unprotected') return e.to ?? null
  if (e.from === undefined && e.to === undefined) return null
  if (e.kind === 'stage_transition') {
    return (
      <>
        <StageBadge stage={e.from ?? 'None'} /> → <StageBadge stage={e.to ?? 'None'} />
      </>
    )
  }
  return (
    <>
      {e.from ?? '—'} → {e.to ?? '—'}
    </>
  )
}

/** "Who approved this for production?": the latest move of a version into Production. */
export function ProductionApproval({
  events,
  productionVersions,
}: {
  events: readonly RegistryEvent[]
  productionVersions: readonly string[]
}) {
  if (productionVersions.length === 0) return null
  return (
    <div className="approvals">
      {productionVersions.map((v) => {
        const e = events.find((x) => x.kind === 'stage_transition' && x.to === 'Production' && x.version === v)
        return (
          <p key={v} className="approval">
            <StageBadge stage="Production" /> <strong>v{v}</strong>{' '}
            {e ? (
              <>
                approved by <strong className="actor">{e.actor}</strong>{' '}
                <span title={formatTime(e.timestamp)}>{formatAgo(e.timestamp)}</span>
                {e.comment && <> — “{e.comment}”</>}
              </>
            ) : (
              <span className="muted">(no transition to Production in the trail)</span>
            )}
          </p>
        )
      })}
    </div>
  )
}

/** The audit trail, newest first: who did what, when, to which version, from what to what, and why. */
export function AuditTrail({
  name,
  events,
  showVersion = true,
}: {
  name: string
  events: readonly RegistryEvent[]
  showVersion?: boolean
}) {
  if (events.length === 0)
    return (
      <Empty title="Nothing in the audit trail yet">Stage moves, alias changes and registrations appear here.</Empty>
    )
  return (
    <table className="table audit-trail">
      <caption className="sr-only">Audit trail, newest first</caption>
      <ColumnHeads columns={['When', 'Who', 'What', showVersion && 'Version', 'Change', 'Comment']} />
      <tbody>
        {events.map((e) => {
          const toProduction = e.kind === 'stage_transition' && e.to === 'Production'
          return (
            <tr key={e.eventId} className={toProduction ? 'event-production' : undefined}>
              <td title={formatTime(e.timestamp)}>
                {formatTime(e.timestamp)}
                <div className="muted small">{formatAgo(e.timestamp)}</div>
              </td>
              <td className="actor">{e.actor}</td>
              <td>
                {KIND_LABELS[e.kind]}
                {e.alias && <span className="alias-name"> @{e.alias}</span>}
                {e.kind === 'stage_transition' && e.to === 'Production' && (
                  <span className="sr-only"> (to Production)</span>
                )}
              </td>
              {showVersion && (
                <td>
                  {e.version ? (
                    <Link to={versionPath(name, e.version)}>v{e.version}</Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              )}
              <td className="change">{change(e)}</td>
              <td className="comment">{e.comment ?? <span className="muted">—</span>}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
