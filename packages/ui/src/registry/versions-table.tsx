/** The model page's versions: stage, aliases, status, source run; a version's row opens its alias and stage actions. */
import type { ModelVersion } from '@keel/contracts'
import { Fragment } from 'react'
import { Link } from 'react-router'
import { formatAgo, formatTime } from '../format'
import { AliasChips } from './alias-chips'
import { AliasForm } from './alias-form'
import { versionPath } from './registry-data'
import { StageBadge } from './stage-badge'
import { StageForm } from './stage-form'
import { ColumnHeads } from '../components/column-heads'

export function VersionsTable({
  name,
  versions,
  manage,
  canEdit,
  guarded,
  onManage,
  onChanged,
}: {
  name: string
  versions: readonly ModelVersion[]
  /** The version whose actions are open ('' for none). */
  manage: string
  canEdit: boolean
  guarded: ReadonlyMap<string, boolean>
  onManage: (version: string) => void
  onChanged: () => void
}) {
  return (
    <table className="table versions-table" aria-labelledby="versions-title">
      <ColumnHeads
        columns={['Version', 'Stage', 'Aliases', 'Status', 'Source run', 'Registered', 'Description']}
        actions
      />
      <tbody>
        {versions.map((v) => {
          const open = manage === v.version
          return (
            <Fragment key={v.version}>
              <tr className={open ? 'row-open' : undefined}>
                <td>
                  <Link to={versionPath(name, v.version)} className="version-link">
                    v{v.version}
                  </Link>
                </td>
                <td>
                  <StageBadge stage={v.currentStage} />
                </td>
                <td>
                  <AliasChips
                    name={name}
                    aliases={v.aliases.map((alias) => ({ alias, version: v.version }))}
                    showVersion={false}
                    protectedAliases={guarded}
                  />
                </td>
                <td>
                  <span
                    className={
                      v.status === 'READY' ? 'status-ok' : v.status === 'FAILED_REGISTRATION' ? 'field-error' : 'muted'
                    }
                  >
                    {v.status.toLowerCase().replace(/_/g, ' ')}
                  </span>
                </td>
                <td className="mono">
                  {v.runId ? (
                    <Link to={`/runs/${v.runId}`}>{v.runId.slice(0, 12)}</Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td title={formatTime(v.creationTimestamp)}>
                  {formatAgo(v.creationTimestamp)}
                  <div className="muted small">{v.userId ?? 'unknown'}</div>
                </td>
                <td className="description-cell">{v.description ?? <span className="muted">—</span>}</td>
                <td className="actions">
                  {canEdit && (
                    <button
                      type="button"
                      aria-expanded={open}
                      aria-controls={`manage-${v.version}`}
                      aria-label={`Manage version ${v.version}`}
                      onClick={() => onManage(open ? '' : v.version)}
                    >
                      {open ? 'Close' : 'Manage'}
                    </button>
                  )}
                </td>
              </tr>
              {open && canEdit && (
                <tr className="manage-row" id={`manage-${v.version}`}>
                  <td colSpan={8}>
                    <div className="action-forms">
                      <AliasForm
                        name={name}
                        version={v.version}
                        onDone={onChanged}
                        needsApproval={(alias) => guarded.get(alias) === true}
                      />
                      <StageForm name={name} version={v.version} current={v.currentStage} onDone={onChanged} />
                    </div>
                  </td>
                </tr>
              )}
            </Fragment>
          )
        })}
      </tbody>
    </table>
  )
}
