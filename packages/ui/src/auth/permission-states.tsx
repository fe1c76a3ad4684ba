/**
 * The designed states of missing permissions: a 403 in place of a page (what was needed, said by
 * the server), and the notice on a page one may read but not change (its write controls hidden).
 */
import type { ReactNode } from 'react'
import './auth.css'

function Lock() {
  return (
    <svg className="lock-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <rect x="2.5" y="7" width="11" height="8" rx="1.5" fill="currentColor" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  )
}

/** A 403: "you don't have permission", naming what is missing (the server's message says who needs what on which resource). */
export function PermissionDenied({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="state state-denied" role="alert">
      <strong className="denied-title">
        <Lock /> You don’t have permission
      </strong>
      <p className="denied-message">{message.replace(/^Permission denied:\s*/i, '')}</p>
      <p className="muted small">Ask an admin, or someone with MANAGE on it, to grant you access; then try again.</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  )
}

/**
 * On a page one may read but not change: which permission they have, and which the hidden actions
 * need. `children` adds what still works.
 */
export function ReadOnlyNotice({
  what,
  has,
  needs,
  children,
}: {
  what: string
  has: string
  needs: string
  children?: ReactNode
}) {
  return (
    <div className="notice-readonly" role="note" aria-label="Your permission">
      <Lock />
      <div>
        <strong>Read-only.</strong> You have <span className="perm">{has}</span> on {what}; changing it needs{' '}
        <span className="perm">{needs}</span>. Ask an admin, or someone with MANAGE on it, to grant you more.
        {children && <div className="muted small">{children}</div>}
      </div>
    </div>
  )
}

/** A permission as a small chip (READ, EDIT, MANAGE, DENY…). */
export function PermissionChip({ permission }: { permission: string }) {
  return <span className={`perm perm-${permission.toLowerCase()}`}>{permission}</span>
}
