import { Link } from 'react-router'
import { LockIcon } from './alias-approvals'
import { versionPath } from './registry-data'

/**
 * `champion → v3` chips; each links to its version and may carry a delete button. Protected
 * aliases (`protectedAliases`: alias → moves need approval) carry a lock, and no delete button
 * when a move needs approval (that is a request).
 */
export function AliasChips({
  name,
  aliases,
  onDelete,
  showVersion = true,
  protectedAliases,
}: {
  name: string
  aliases: readonly { alias: string; version: string }[]
  onDelete?: (alias: string) => void
  showVersion?: boolean
  protectedAliases?: ReadonlyMap<string, boolean>
}) {
  if (aliases.length === 0) return <span className="muted">—</span>
  return (
    <span className="alias-chips">
      {aliases.map((a) => {
        const approval = protectedAliases?.get(a.alias)
        const guarded =
          approval === undefined
            ? ''
            : approval
              ? ' (protected: moves need a second user’s approval)'
              : ' (protected: moves need MANAGE)'
        return (
          <span className={approval === undefined ? 'alias-chip' : 'alias-chip alias-protected'} key={a.alias}>
            <Link to={versionPath(name, a.version)} title={`@${a.alias} points at version ${a.version}${guarded}`}>
              {approval !== undefined && <LockIcon title="protected" />}
              <span className="alias-at">@</span>
              {a.alias}
              {showVersion && <span className="alias-arrow"> → v{a.version}</span>}
            </Link>
            {onDelete && approval !== true && (
              <button
                type="button"
                className="chip-remove"
                aria-label={`Delete alias ${a.alias}`}
                title={`Delete alias ${a.alias}`}
                onClick={() => onDelete(a.alias)}
              >
                ×
              </button>
            )}
          </span>
        )
      })}
    </span>
  )
}
