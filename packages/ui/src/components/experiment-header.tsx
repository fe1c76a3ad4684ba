/**
 * The head of an experiment's pages: the way back to the experiments, the experiment's name and
 * id, its permissions (for those who manage it, with authentication on), and its views as tabs
 * (Runs, Traces): each view is a URL of its own, so a tab is a link.
 */
import { useState } from 'react'
import { Link, NavLink } from 'react-router'
import { useAuth } from '../auth/auth-context'
import { PermissionsPanel } from '../auth/permissions-panel'
import { useMyPermission } from '../auth/use-permission'

export function ExperimentHeader({
  experimentId,
  name,
  failed,
  titleId,
}: {
  experimentId: string
  /** undefined while loading or when it failed. */
  name: string | undefined
  /** The experiment could not be read: its id stands in for its name and there are no tabs. */
  failed: boolean
  /** The heading's id, for the page's aria-labelledby. */
  titleId: string
}) {
  const auth = useAuth()
  const mine = useMyPermission('experiment', experimentId)
  const [permissionsOpen, setPermissionsOpen] = useState(false)
  return (
    <>
      <div className="breadcrumbs">
        <Link to="/">Experiments</Link> /
      </div>
      <div className="page-head">
        <h1 id={titleId}>{name ?? (failed ? `Experiment ${experimentId}` : '…')}</h1>
        <span className="muted mono">ID {experimentId}</span>
        {auth.authEnabled && mine.can('manage') && !failed && (
          <button
            type="button"
            className="permissions-toggle"
            aria-expanded={permissionsOpen}
            onClick={() => setPermissionsOpen((o) => !o)}
          >
            Permissions
          </button>
        )}
      </div>
      {permissionsOpen && mine.can('manage') && (
        <PermissionsPanel
          type="experiment"
          id={experimentId}
          name={name ?? experimentId}
          onClose={() => setPermissionsOpen(false)}
        />
      )}
      {!failed && <ExperimentTabs experimentId={experimentId} />}
    </>
  )
}

export function ExperimentTabs({ experimentId }: { experimentId: string }) {
  const base = `/experiments/${encodeURIComponent(experimentId)}`
  return (
    <nav className="view-tabs" aria-label="Experiment views">
      <NavLink className="view-tab" to={base} end>
        Runs
      </NavLink>
      <NavLink className="view-tab" to={`${base}/traces`} end>
        Traces
      </NavLink>
    </nav>
  )
}
