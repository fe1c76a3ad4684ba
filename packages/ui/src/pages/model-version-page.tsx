/**
 * One model version: its details, its lineage back to the run (code, data, params and metrics at
 * registration), where its files are, its own audit trail and the alias/stage actions. Live.
 */
import { registryApi } from '@keel/contracts'
import { Link, useParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { ReadOnlyNotice } from '../auth/permission-states'
import { useMyPermission } from '../auth/use-permission'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatAgo, formatNumber, formatTime } from '../format'
import { listProtections, protectionMap } from '../registry/alias-approvals-data'
import { getDownloadUri, getLineage, getVersion, listEvents, modelPath } from '../registry/registry-data'
import { AliasChips } from '../registry/alias-chips'
import { AliasForm } from '../registry/alias-form'
import { AuditTrail } from '../registry/audit-trail'
import { EditableText } from '../registry/editable-text'
import { StageBadge } from '../registry/stage-badge'
import { StageForm } from '../registry/stage-form'
import '../registry/registry.css'
import { DatasetInputsTable } from '../run/lineage'

const LIVE_MS = 5000

export function ModelVersionPage() {
  const { name = '', version = '' } = useParams()
  const key = `${name}|${version}`
  const mv = useApi(`version|${key}`, (signal) => getVersion(name, version, signal), { pollMs: LIVE_MS })
  const lineage = useApi(`lineage|${key}`, (signal) => getLineage(name, version, signal))
  const download = useApi(`download|${key}`, (signal) => getDownloadUri(name, version, signal))
  const events = useApi(`events|${key}`, (signal) => listEvents(name, version, signal), { pollMs: LIVE_MS })
  const protections = useApi(`protections|${name}`, (signal) => listProtections(name, signal), { pollMs: LIVE_MS })
  const guarded = protectionMap(protections.data)
  const mine = useMyPermission('registered_model', name, LIVE_MS)
  const canEdit = mine.can('update')
  const reload = () => {
    mv.reload()
    events.reload()
  }

  const crumbs = (
    <nav className="breadcrumbs" aria-label="Breadcrumbs">
      <Link to="/models">Models</Link> / <Link to={modelPath(name)}>{name}</Link> / v{version}
    </nav>
  )
  if (mv.error && !mv.data) {
    return (
      <section className="registry">
        {crumbs}
        <ErrorBox error={mv.error} onRetry={mv.reload} />
      </section>
    )
  }
  if (!mv.data) return <Loading what={`${name} v${version}`} />
  const v = mv.data
  const l = lineage.data

  return (
    <section aria-labelledby="version-title" className="registry">
      {crumbs}
      <div className="page-head">
        <h1 id="version-title">
          {name} <span className="version-number">v{v.version}</span> <StageBadge stage={v.currentStage} />
        </h1>
        <span className="live muted" title="This page refreshes every 5 seconds">
          <span className="live-dot" aria-hidden="true" /> live
        </span>
      </div>
      {mine.permission !== undefined && !canEdit && (
        <ReadOnlyNotice what={`registered model ‘${name}’`} has={mine.permission} needs="EDIT" />
      )}

      <div className="grid-2">
        <div className="panel">
          <h2 className="panel-title">Version</h2>
          <EditableText
            label="Description"
            value={v.description}
            empty="No description."
            readOnly={!canEdit}
            onSave={async (text) => {
              await call(registryApi.updateModelVersion, { name, version, description: text })
              mv.reload()
            }}
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
                  {download.data ??
                    (download.error ? <span className="field-error">{download.error.message}</span> : '…')}
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

        {canEdit && (
          <div className="panel">
            <h2 className="panel-title">Actions</h2>
            <div className="action-forms stacked">
              <AliasForm
                name={name}
                version={v.version}
                onDone={reload}
                needsApproval={(alias) => guarded.get(alias) === true}
              />
              <StageForm name={name} version={v.version} current={v.currentStage} onDone={reload} />
            </div>
          </div>
        )}
      </div>

      <h2 id="lineage-title">Lineage</h2>
      <p className="muted small">
        What this version was made of, captured when it was registered{l && <> ({formatTime(l.capturedAt)})</>}; later
        edits to the run do not change it.
      </p>
      {lineage.error ? (
        <ErrorBox error={lineage.error} onRetry={lineage.reload} />
      ) : !l ? (
        <Loading what="lineage" />
      ) : (
        <div className="lineage" aria-labelledby="lineage-title">
          <div className="grid-2">
            <div className="panel">
              <h3 className="panel-title">Run and code</h3>
              <table className="kv">
                <tbody>
                  <tr>
                    <th scope="row">Run</th>
                    <td className="mono">
                      {l.runId ? <Link to={`/runs/${l.runId}`}>{l.runId}</Link> : <span className="muted">—</span>}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Experiment</th>
                    <td className="mono">
                      {l.experimentId ? (
                        <Link to={`/experiments/${l.experimentId}`}>{l.experimentId}</Link>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Git commit</th>
                    <td className="mono">
                      {l.git?.commit ?? <span className="muted">not recorded</span>}
                      {l.git?.dirty && <span className="badge badge-warn">uncommitted changes</span>}
                      {l.git?.dirty === false && <span className="badge badge-ok">clean</span>}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Branch</th>
                    <td className="mono">{l.git?.branch ?? <span className="muted">—</span>}</td>
                  </tr>
                  <tr>
                    <th scope="row">Repository</th>
                    <td className="mono">{l.git?.repoUrl ?? <span className="muted">—</span>}</td>
                  </tr>
                  <tr>
                    <th scope="row">Entry point</th>
                    <td className="mono">{l.entryPoint ?? <span className="muted">—</span>}</td>
                  </tr>
                  <tr>
                    <th scope="row">Logged model</th>
                    <td className="mono">{l.modelId ?? <span className="muted">—</span>}</td>
                  </tr>
                </tbody>
              </table>
              <h3>Datasets</h3>
              <DatasetInputsTable datasets={l.datasets} empty="No datasets logged on the run." />
            </div>
            <div className="panel">
              <h3 className="panel-title">Params at registration</h3>
              {l.params.length === 0 ? (
                <p className="muted">No params.</p>
              ) : (
                <table className="table compact" aria-label="Params at registration">
                  <tbody>
                    {l.params.map((p) => (
                      <tr key={p.key}>
                        <th scope="row">{p.key}</th>
                        <td className="mono">{p.value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <h3>Metrics at registration</h3>
              {l.metrics.length === 0 ? (
                <p className="muted">No metrics.</p>
              ) : (
                <table className="table compact" aria-label="Metrics at registration">
                  <tbody>
                    {l.metrics.map((m) => (
                      <tr key={m.key}>
                        <th scope="row">{m.key}</th>
                        <td className="num" title={String(m.value)}>
                          {formatNumber(m.value)}
                        </td>
                        <td className="muted small">step {m.step}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
        </div>
      )}

      <h2 id="version-trail-title">Audit trail of v{version}</h2>
      {events.error && !events.data ? (
        <ErrorBox error={events.error} onRetry={events.reload} />
      ) : !events.data ? (
        <Loading what="the audit trail" />
      ) : events.data.length === 0 ? (
        <Empty title="Nothing recorded for this version yet" />
      ) : (
        <AuditTrail name={name} events={events.data} showVersion={false} />
      )}
    </section>
  )
}
