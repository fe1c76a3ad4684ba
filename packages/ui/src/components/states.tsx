/** Loading, empty and error states: designed, never a blank page. */
import type { ReactNode } from 'react'
import { ApiError } from '../api/client'
import { PermissionDenied } from '../auth/permission-states'

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  )
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children && <div className="muted">{children}</div>}
    </div>
  )
}

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const code = error instanceof ApiError ? error.code : undefined
  if (error instanceof ApiError && error.status === 403)
    return <PermissionDenied message={error.message} {...(onRetry && { onRetry })} />
  return (
    <div className="state state-error" role="alert">
      <strong>{code === 'RESOURCE_DOES_NOT_EXIST' ? 'Not found' : 'Something went wrong'}</strong>
      <pre className="error-text">{error.message}</pre>
      {code && <div className="muted">{code}</div>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  )
}
