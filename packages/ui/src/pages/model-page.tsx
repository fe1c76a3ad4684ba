/**
 * One registered model: description, tags and aliases, its versions with their stage, aliases and
 * source run, the actions on each version, and the audit trail. Live: polled every 5 s, forms keep
 * their input.
 */
import { registryApi } from '@keel/contracts'
import { Fragment, useState } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { actingUser } from '../api/user'
import { useAuth } from '../auth/auth-context'
import { ReadOnlyNotice } from '../auth/permission-states'
import { PermissionsPanel } from '../auth/permissions-panel'
import { useMyPermission } from '../auth/use-permission'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatAgo, formatTime } from '../format'
import { AliasRequests, ProtectedAliases } from '../registry/alias-approvals'
import { listPendingRequests, listProtections, protectionMap } from '../registry/alias-approvals-data'
import { getModel, listEvents, listVersions, versionPath } from '../registry/registry-data'
import { AliasChips } from '../registry/alias-chips'
import { AliasForm } from '../registry/alias-form'
import { AuditTrail, ProductionApproval } from '../registry/audit-trail'
import { EditableText } from '../registry/editable-text'
import { RegisterForm } from '../registry/register-form'
import { StageBadge } from '../registry/stage-badge'
import { StageForm } from '../registry/stage-form'
import '../registry/registry.css'

const LIVE_MS = 5000

export function ModelPage() {
  const name = useParams().name ?? ''
  const [params, setParams] = useSearchParams()
  const manage = params.get('manage') ?? ''
  const registering = params.get('register') === '1'
  const [actionError, setActionError] = useState<string | undefined>()

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

  const update = (next: Record<string, string>) => {
    const p = new URLSearchParams(params)
    for (const [k, v] of Object.entries(next)) v ? p.set(k, v) : p.delete(k)
    setParams(p, { replace: true })
  }

  const deleteAlias = async (alias: string) => {
    if (!window.confirm(`Delete alias @${alias} of ${name}? Code loading models:/${name}@${alias} will stop working.`))
      return
    setActionError(undefined)
    try {
      await call(registryApi.deleteRegisteredModelAlias, { name, alias })
      reloadAll()
    } catch (e) {
      setActionError((e as Error).message)
    }
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
      <div className="page-head">
        <h1 id="model-title">{m.name}</h1>
        <span className="live muted" title="This page refreshes every 5 seconds">
          <span className="live-dot" aria-hidden="true" /> live
          {(model.error ?? versions.error ?? events.error) && (
            <span className="field-error"> — refresh failed, retrying</span>
          )}
        </span>
        <Link to={`/monitoring?model=${encodeURIComponent(name)}`} className="button-link monitoring-link">
          Monitors
        </Link>
        {auth.authEnabled && mine.can('manage') && (
          <button
            type="button"
            aria-expanded={params.get('permissions') === '1'}
            onClick={() => update({ permissions: params.get('permissions') === '1' ? '' : '1' })}
          >
            Permissions
          </button>
        )}
        {!registering && canEdit && (
          <button type="button" className="primary" onClick={() => update({ register: '1' })}>
            Register a new version
          </button>
        )}
      </div>
      {mine.permission !== undefined && !canEdit && (
        <ReadOnlyNotice what={`registered model ‘${name}’`} has={mine.permission} needs="EDIT" />
      )}
      {params.get('permissions') === '1' && mine.can('manage') && (
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

      <div className="panel model-header">
        <EditableText
          label="Description"
          value={m.description}
          empty="No description."
          readOnly={!canEdit}
          onSave={async (text) => {
            await call(registryApi.updateRegisteredModel, { name, description: text })
            model.reload()
          }}
        />
        <dl className="facts">
          <div>
            <dt>Aliases</dt>
            <dd>
              <AliasChips
                name={name}
                aliases={m.aliases}
                protectedAliases={guarded}
                {...(mine.can('delete') && { onDelete: (a: string) => void deleteAlias(a) })}
              />
            </dd>
          </div>
          <div>
            <dt>Tags</dt>
            <dd>
              {m.tags.length === 0 ? (
                <span className="muted">—</span>
              ) : (
                m.tags.map((t) => (
                  <span className="tag" key={t.key}>
                    {t.key}
                    {t.value && <>={t.value}</>}
                  </span>
                ))
              )}
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd title={formatTime(m.creationTimestamp)}>
              {formatAgo(m.creationTimestamp)}
              {m.userId && <> by {m.userId}</>}
            </dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd title={formatTime(m.lastUpdatedTimestamp)}>{formatAgo(m.lastUpdatedTimestamp)}</dd>
          </div>
        </dl>
        {actionError && (
          <p className="field-error" role="alert">
            {actionError}
          </p>
        )}
        {events.data && <ProductionApproval events={events.data} productionVersions={production} />}
      </div>
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
        <table className="table versions-table" aria-labelledby="versions-title">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Stage</th>
              <th scope="col">Aliases</th>
              <th scope="col">Status</th>
              <th scope="col">Source run</th>
              <th scope="col">Registered</th>
              <th scope="col">Description</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v) => {
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
                          v.status === 'READY'
                            ? 'status-ok'
                            : v.status === 'FAILED_REGISTRATION'
                              ? 'field-error'
                              : 'muted'
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
                          onClick={() => update({ manage: open ? '' : v.version })}
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
                            onDone={reloadAll}
                            needsApproval={(alias) => guarded.get(alias) === true}
                          />
                          <StageForm name={name} version={v.version} current={v.currentStage} onDone={reloadAll} />
                        </div>
                      </td>
                    </tr>
                  )}
                </Fragment>
              )
            })}
          </tbody>
        </table>
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
