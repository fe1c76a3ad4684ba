/** The version page's details panel: description, aliases, status, who registered it, source, and how to load it. */
import type { ModelVersion } from '@keel/contracts'
import { Link } from 'react-router'
import type { ApiState } from '../api/use-api'
import { formatAgo, formatTime } from '../format'
import { AliasChips } from './alias-chips'
import { EditableText } from './editable-text'

export function VersionDetails({
  name,
  version: v,
  download,
  canEdit,
  guarded,
  onSaveDescription,
}: {
  name: string
  version: ModelVersion
  /** The version's download URI, as it loads. */
  download: ApiState<string>
  canEdit: boolean
  guarded: ReadonlyMap<string, boolean>
  onSaveDescription: (text: string) => Promise<unknown>
}) {
  return (
    <div className="panel">
      <h2 className="panel-title">Version</h2>
      <EditableText
        label="Description"
        value={v.description}
        empty="No description."
        readOnly={!canEdit}
        onSave={onSaveDescription}
      />
      <table className="kv">
        <tbody>
          <tr>
            <th scope="row">Aliases</th>
            <td>
              <AliasChips
                name={name}
                aliases={v.aliases.map((alias) => ({ alias, version: v.version }))}
                showVersion={false}
                protectedAliases={guarded}
              />
            </td>
          </tr>
          <tr>
            <th scope="row">Status</th>
            <td>
              {v.status.toLowerCase().replace(/_/g, ' ')}
              {v.statusMessage && <span className="muted"> — {v.statusMessage}</span>}
            </td>
          </tr>
          <tr>
            <th scope="row">Registered</th>
            <td>
              {formatTime(v.creationTimestamp)} <span className="muted">({formatAgo(v.creationTimestamp)})</span> by{' '}
              {v.userId ?? 'unknown'}
            </td>
          </tr>
          <tr>
            <th scope="row">Source</th>
            <td className="mono">{v.source}</td>
          </tr>
          <tr>
            <th scope="row">Source run</th>
            <td className="mono">
              {v.runId ? <Link to={`/runs/${v.runId}`}>{v.runId}</Link> : <span className="muted">—</span>}
            </td>
          </tr>
          <tr>
            <th scope="row">Logged model</th>
            <td className="mono">
              {v.modelId ? (
                <a
                  href={`/ajax-api/2.0/mlflow/logged-models/${encodeURIComponent(v.modelId)}`}
                  target="_blank"
                  rel="noreferrer"
                  title="The logged model, as the API returns it"
                >
                  {v.modelId}
                </a>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          </tr>
          <tr>
            <th scope="row">Download URI</th>
            <td className="mono">
              {download.data ?? (download.error ? <span className="field-error">{download.error.message}</span> : '…')}
            </td>
          </tr>
          <tr>
            <th scope="row">Load it</th>
            <td>
              <code>
                mlflow.pyfunc.load_model("models:/{name}/{v.version}")
              </code>
            </td>
          </tr>
        </tbody>
      </table>
      {v.runId && (
        <p>
          <Link to={`/runs/${v.runId}`} className="button-link">
            Browse the run →
          </Link>
        </p>
      )}
    </div>
  )
}
