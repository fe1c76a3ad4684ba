/** The model page's heading: the name, the live note, and links to its monitors, its permissions and registering. */
import { Link } from 'react-router'
import { LiveNote } from '../components/live-note'

export function ModelHead({
  name,
  title,
  refreshFailed,
  permissions,
  onRegister,
}: {
  /** The model's name in the page's URL. */
  name: string
  /** The model's name as the server spells it. */
  title: string
  refreshFailed: boolean
  /** The Permissions toggle, for those who manage the model when authentication is on. */
  permissions: { readonly open: boolean; readonly onToggle: () => void } | undefined
  /** "Register a new version", for those who may edit it. */
  onRegister: (() => void) | undefined
}) {
  return (
    <div className="page-head">
      <h1 id="model-title">{title}</h1>
      <LiveNote refreshFailed={refreshFailed} />
      <Link to={`/monitoring?model=${encodeURIComponent(name)}`} className="button-link monitoring-link">
        Monitors
      </Link>
      {permissions && (
        <button type="button" aria-expanded={permissions.open} onClick={permissions.onToggle}>
          Permissions
        </button>
      )}
      {onRegister && (
        <button type="button" className="primary" onClick={onRegister}>
          Register a new version
        </button>
      )}
    </div>
  )
}
