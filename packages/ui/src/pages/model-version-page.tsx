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
import { LiveNote } from '../components/live-note'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatTime } from '../format'
import { listProtections, protectionMap } from '../registry/alias-approvals-data'
import { getDownloadUri, getLineage, getVersion, listEvents, modelPath } from '../registry/registry-data'
import { AliasForm } from '../registry/alias-form'
import { AuditTrail } from '../registry/audit-trail'
import { StageBadge } from '../registry/stage-badge'
import { StageForm } from '../registry/stage-form'
import { VersionDetails } from '../registry/version-details'
import { VersionLineage } from '../registry/version-lineage'
import '../registry/registry.css'

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
        <LiveNote />
      </div>
      {mine.permission !== undefined && !canEdit && (
        <ReadOnlyNotice what={`registered model ‘${name}’`} has={mine.permission} needs="EDIT" />
      )}

      <div className="grid-2">
        <VersionDetails
          name={name}
          version={v}
          download={download}
          canEdit={canEdit}
          guarded={guarded}
          onSaveDescription={async (text) => {
            await call(registryApi.updateModelVersion, { name, version, description: text })
            mv.reload()
          }}
        />

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
        <VersionLineage lineage={l} />
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
