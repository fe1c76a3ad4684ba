/**
 * One registered model: description, tags and aliases, its versions with their stage, aliases and
 * source run, the actions on each version, and the audit trail. Live: polled every 5 s, forms keep
 * their input.
 */
import { registryApi } from '@keel/contracts'
import { Link, useParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { actingUser } from '../api/user'
import { useAuth } from '../auth/auth-context'
import { ReadOnlyNotice } from '../auth/permission-states'
import { PermissionsPanel } from '../auth/permissions-panel'
import { useMyPermission } from '../auth/use-permission'
import { Empty, ErrorBox, Loading } from '../components/states'
import { useQueryUpdate } from '../components/use-query-update'
import { AliasRequests, ProtectedAliases } from '../registry/alias-approvals'
import { listPendingRequests, listProtections, protectionMap } from '../registry/alias-approvals-data'
import { getModel, listEvents, listVersions } from '../registry/registry-data'
import { AuditTrail } from '../registry/audit-trail'
import { ModelHead } from '../registry/model-head'
import { ModelSummary } from '../registry/model-summary'
import { RegisterForm } from '../registry/register-form'
import { VersionsTable } from '../registry/versions-table'
import '../registry/registry.css'

const LIVE_MS = 5000

export function ModelPage() {
  const name = useParams().name ?? ''
  const [params, update] = useQueryUpdate()
  const manage = params.get('manage') ?? ''
  const registering = params.get('register') === '1'
  const permissionsOpen = params.get('permissions') === '1'

  const model = useApi(`model|${name}`, (signal) => getModel(name, signal), { pollMs: LIVE_MS })
  const versions = useApi(`versions|${name}`, (signal) => listVersions(name, signal), { pollMs: LIVE_MS })
  const events = useApi(`events|${name}`, (signal) => listEvents(name, undefined, signal), { pollMs: LIVE_MS })
  const protections = useApi(`protections|${name}`, (signal) => listProtections(name, signal), { pollMs: LIVE_MS })
  const pending = useApi(`alias-requests|${name}`, (signal) => listPendingRequests(name, signal), { pollMs: LIVE_MS })
  const auth = useAuth()
  const mine = useMyPermission('registered_model', name, LIVE_MS)
  const canEdit = mine.can('update')
  const guarded = protectionMap(protections.data)
  const reloadAll = () => {
    model.reload()
    versions.reload()
    events.reload()
    protections.reload()
    pending.reload()
  }

  const crumbs = (
    <nav className="breadcrumbs" aria-label="Breadcrumbs">
      <Link to="/models">Models</Link> / {name}
    </nav>
  )
  if (model.error && !model.data) {
    return (
      <section className="registry">
        {crumbs}
        <ErrorBox error={model.error} onRetry={model.reload} />
      </section>
    )
  }
  if (!model.data) return <Loading what={`model ${name}`} />
  const m = model.data
  const production = (versions.data ?? []).filter((v) => v.currentStage === 'Production').map((v) => v.version)

  return (
    <section aria-labelledby="model-title" className="registry">
      {crumbs}
      <ModelHead
        name={name}
        title={m.name}
        refreshFailed={(model.error ?? versions.error ?? events.error) !== undefined}
        permissions={
          auth.authEnabled && mine.can('manage')
            ? { open: permissionsOpen, onToggle: () => update({ permissions: permissionsOpen ? '' : '1' }) }
            : undefined
        }
        onRegister={!registering && canEdit ? () => update({ register: '1' }) : undefined}
      />
      {mine.permission !== undefined && !canEdit && (
        <ReadOnlyNotice what={`registered model ‘${name}’`} has={mine.permission} needs="EDIT" />
      )}
      {permissionsOpen && mine.can('manage') && (
        <PermissionsPanel type="registered_model" id={name} name={name} onClose={() => update({ permissions: '' })} />
      )}
      {registering && (
        <RegisterForm
          defaultName={m.name}
          fixedName
          onCancel={() => update({ register: '' })}
          onRegistered={() => {
            update({ register: '' })
            reloadAll()
          }}
        />
      )}

      <ModelSummary
        name={name}
        model={m}
        canEdit={canEdit}
        guarded={guarded}
        canDeleteAliases={mine.can('delete')}
        events={events.data}
        productionVersions={production}
        onSaveDescription={async (text) => {
          await call(registryApi.updateRegisteredModel, { name, description: text })
          model.reload()
        }}
        onChanged={reloadAll}
      />
      <AliasRequests
        requests={pending.data ?? []}
        current={new Map(m.aliases.map((a) => [a.alias, a.version]))}
        me={auth.authEnabled ? (auth.user?.username ?? '') : actingUser() || 'unknown'}
        canManage={mine.can('manage')}
        onChanged={reloadAll}
      />

      <h2 id="versions-title">Versions</h2>
      {versions.error && !versions.data ? (
        <ErrorBox error={versions.error} onRetry={versions.reload} />
      ) : !versions.data ? (
        <Loading what="versions" />
      ) : versions.data.length === 0 ? (
        <Empty title="No versions yet">Register a run’s model with “Register a new version”.</Empty>
      ) : (
        <VersionsTable
          name={name}
          versions={versions.data}
          manage={manage}
          canEdit={canEdit}
          guarded={guarded}
          onManage={(version) => update({ manage: version })}
          onChanged={reloadAll}
        />
      )}

      {protections.data && (
        <ProtectedAliases
          name={name}
          protections={protections.data}
          canManage={mine.can('manage')}
          onChanged={reloadAll}
        />
      )}

      <h2 id="trail-title">Audit trail</h2>
      <p className="muted small">Who moved what, when — newest first. Moves to Production are highlighted.</p>
      {events.error && !events.data ? (
        <ErrorBox error={events.error} onRetry={events.reload} />
      ) : !events.data ? (
        <Loading what="the audit trail" />
      ) : (
        <AuditTrail name={name} events={events.data} />
      )}
    </section>
  )
}
