/** The registry's building blocks: stage badges, alias chips, the version actions, the audit trail, the register form. */
import { MODEL_VERSION_STAGES, type ModelVersionStage, type RegistryEvent, registryApi } from '@keel/contracts'
import { type FormEvent, type ReactNode, useId, useState } from 'react'
import { Link } from 'react-router'
import { ApiError, call, errorMessage } from '../api/client'
import { Empty } from '../components/states'
import { formatAgo, formatTime } from '../format'
import { LockIcon } from './alias-approvals'
import { requestAliasChange } from './alias-approvals-data'
import { parseRunModel, registerRunModel, versionPath } from './registry-data'

export function StageBadge({ stage }: { stage: string }) {
  const cls =
    stage === 'Production'
      ? 'stage-production'
      : stage === 'Staging'
        ? 'stage-staging'
        : stage === 'Archived'
          ? 'stage-archived'
          : 'stage-none'
  return <span className={`stage ${cls}`}>{stage === 'None' ? 'No stage' : stage}</span>
}

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

/**
 * Set an alias on a version (moving it if it points elsewhere); the server's validation message
 * shows next to the input. An alias whose moves need approval (`needsApproval`) is asked for
 * instead: "Request change" creates a change request that another user approves.
 */
export function AliasForm({
  name,
  version,
  onDone,
  needsApproval,
}: {
  name: string
  version: string
  onDone: () => void
  needsApproval?: (alias: string) => boolean
}) {
  const id = useId()
  const [alias, setAlias] = useState('')
  const [comment, setComment] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const request = needsApproval?.(alias.trim()) === true
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      if (request) {
        await requestAliasChange(name, alias.trim(), version, comment.trim())
        setDone(`Requested @${alias.trim()} → v${version}: waiting for another user’s approval`)
      } else {
        await call(registryApi.setRegisteredModelAlias, {
          name,
          alias: alias.trim(),
          version,
          ...(comment.trim() && { comment: comment.trim() }),
        })
        setDone(`@${alias.trim()} now points at v${version}`)
      }
      setAlias('')
      setComment('')
      onDone()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="action-form" onSubmit={submit} aria-label={`Set an alias on version ${version}`}>
      <h4>Set an alias</h4>
      <div className="field">
        <label htmlFor={`${id}-alias`}>Alias</label>
        <input
          id={`${id}-alias`}
          type="text"
          value={alias}
          placeholder="champion"
          required
          onChange={(e) => setAlias(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-alias-error` : undefined}
        />
      </div>
      {request && (
        <p className="approval-hint" id={`${id}-alias-hint`}>
          <LockIcon /> @{alias.trim()} is protected: moving it needs a second user’s approval. Say why; they see your
          comment.
        </p>
      )}
      <div className="field">
        <label htmlFor={`${id}-alias-comment`}>
          {request ? 'Why (the approver sees it; kept in the audit trail)' : 'Comment (kept in the audit trail)'}
        </label>
        <input
          id={`${id}-alias-comment`}
          type="text"
          value={comment}
          placeholder={request ? 'e.g. v2 wins the backtest' : 'optional'}
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={busy || alias.trim() === ''}>
          {request ? 'Request change' : 'Set alias'}
        </button>
        {error && (
          <span className="field-error" id={`${id}-alias-error`} role="alert">
            {error}
          </span>
        )}
        {done && (
          <span className="field-ok" role="status">
            {done}
          </span>
        )}
      </div>
    </form>
  )
}

/** Move a version to a stage, optionally archiving the versions already there, with a comment for the trail. */
export function StageForm({
  name,
  version,
  current,
  onDone,
}: {
  name: string
  version: string
  current: ModelVersionStage
  onDone: () => void
}) {
  const id = useId()
  const [stage, setStage] = useState<ModelVersionStage>(
    current === 'Production' ? 'Archived' : current === 'Staging' ? 'Production' : 'Staging',
  )
  const [archive, setArchive] = useState(false)
  const [comment, setComment] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const canArchive = stage === 'Staging' || stage === 'Production'
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      await call(registryApi.transitionModelVersionStage, {
        name,
        version,
        stage,
        archive_existing_versions: canArchive && archive,
        ...(comment.trim() && { comment: comment.trim() }),
      })
      setDone(`v${version} moved to ${stage}`)
      setComment('')
      setArchive(false)
      // Offer the next move rather than the one just made (which would be a no-op now).
      setStage(stage === 'Production' ? 'Archived' : stage === 'Staging' ? 'Production' : 'Staging')
      onDone()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="action-form" onSubmit={submit} aria-label={`Move version ${version} to a stage`}>
      <h4>
        Move stage <span className="muted">(now {current === 'None' ? 'no stage' : current})</span>
      </h4>
      <div className="field">
        <label htmlFor={`${id}-stage`}>Stage</label>
        <select id={`${id}-stage`} value={stage} onChange={(e) => setStage(e.target.value as ModelVersionStage)}>
          {MODEL_VERSION_STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={canArchive && archive}
          disabled={!canArchive}
          onChange={(e) => setArchive(e.target.checked)}
        />{' '}
        Archive existing versions in that stage
      </label>
      <div className="field">
        <label htmlFor={`${id}-stage-comment`}>Comment (kept in the audit trail)</label>
        <input
          id={`${id}-stage-comment`}
          type="text"
          value={comment}
          placeholder="e.g. approved after the A/B test"
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={busy || stage === current}>
          Move to {stage}
        </button>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
        {done && (
          <span className="field-ok" role="status">
            {done}
          </span>
        )}
      </div>
    </form>
  )
}

/** A text (a description) shown, and edited in place on request (unless `readOnly`: the viewer may not change it). */
export function EditableText({
  label,
  value,
  onSave,
  empty,
  readOnly = false,
}: {
  label: string
  value: string | undefined
  onSave: (text: string) => Promise<unknown>
  empty: string
  readOnly?: boolean
}) {
  const id = useId()
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState('')
  const [error, setError] = useState<string | undefined>()
  if (!editing) {
    return (
      <div className="editable">
        {value ? <p className="description">{value}</p> : <p className="muted description">{empty}</p>}
        {!readOnly && (
          <button
            type="button"
            className="link-button"
            aria-label={`Edit ${label.toLowerCase()}`}
            onClick={() => {
              setDraft(value ?? '')
              setError(undefined)
              setEditing(true)
            }}
          >
            Edit
          </button>
        )}
      </div>
    )
  }
  return (
    <form
      className="editable-form"
      onSubmit={(e) => {
        e.preventDefault()
        onSave(draft).then(
          () => setEditing(false),
          (err: unknown) => setError(errorMessage(err)),
        )
      }}
    >
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
      <div className="form-row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </div>
    </form>
  )
}

const KIND_LABELS: Record<RegistryEvent['kind'], string> = {
  registered_model_created: 'Created the model',
  registered_model_renamed: 'Renamed the model',
  registered_model_deleted: 'Deleted the model',
  model_version_created: 'Registered a version',
  model_version_deleted: 'Deleted a version',
  stage_transition: 'Moved stage',
  alias_set: 'Set alias',
  alias_deleted: 'Deleted alias',
  alias_protected: 'Protected alias',
  alias_unprotected: 'Removed protection of alias',
  alias_change_requested: 'Requested an alias change',
  alias_change_approved: 'Approved an alias change',
  alias_change_rejected: 'Rejected an alias change',
  alias_change_cancelled: 'Withdrew an alias change',
}

function change(e: RegistryEvent): ReactNode {
  if (e.kind === 'alias_set' || e.kind === 'alias_deleted') {
    return (
      <>
        {e.from ? `v${e.from}` : <span className="muted">none</span>} →{' '}
        {e.to ? `v${e.to}` : <span className="muted">none</span>}
      </>
    )
  }
  if (e.kind === 'model_version_created' || e.kind === 'model_version_deleted') return null
  // A change request names the version asked for (none: removing the alias); a protection, what moves need.
  if (
    e.kind === 'alias_change_requested' ||
    e.kind === 'alias_change_approved' ||
    e.kind === 'alias_change_rejected' ||
    e.kind === 'alias_change_cancelled'
  ) {
    return e.to ? <>→ v{e.to}</> : <span className="muted">remove the alias</span>
  }
  if (e.kind === 'alias_protected' || e.kind === 'alias_unprotected') return e.to ?? null
  if (e.from === undefined && e.to === undefined) return null
  if (e.kind === 'stage_transition') {
    return (
      <>
        <StageBadge stage={e.from ?? 'None'} /> → <StageBadge stage={e.to ?? 'None'} />
      </>
    )
  }
  return (
    <>
      {e.from ?? '—'} → {e.to ?? '—'}
    </>
  )
}

/** "Who approved this for production?": the latest move of a version into Production. */
export function ProductionApproval({
  events,
  productionVersions,
}: {
  events: readonly RegistryEvent[]
  productionVersions: readonly string[]
}) {
  if (productionVersions.length === 0) return null
  return (
    <div className="approvals">
      {productionVersions.map((v) => {
        const e = events.find((x) => x.kind === 'stage_transition' && x.to === 'Production' && x.version === v)
        return (
          <p key={v} className="approval">
            <StageBadge stage="Production" /> <strong>v{v}</strong>{' '}
            {e ? (
              <>
                approved by <strong className="actor">{e.actor}</strong>{' '}
                <span title={formatTime(e.timestamp)}>{formatAgo(e.timestamp)}</span>
                {e.comment && <> — “{e.comment}”</>}
              </>
            ) : (
              <span className="muted">(no transition to Production in the trail)</span>
            )}
          </p>
        )
      })}
    </div>
  )
}

/** The audit trail, newest first: who did what, when, to which version, from what to what, and why. */
export function AuditTrail({
  name,
  events,
  showVersion = true,
}: {
  name: string
  events: readonly RegistryEvent[]
  showVersion?: boolean
}) {
  if (events.length === 0)
    return (
      <Empty title="Nothing in the audit trail yet">Stage moves, alias changes and registrations appear here.</Empty>
    )
  return (
    <table className="table audit-trail">
      <caption className="sr-only">Audit trail, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          {showVersion && <th scope="col">Version</th>}
          <th scope="col">Change</th>
          <th scope="col">Comment</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const toProduction = e.kind === 'stage_transition' && e.to === 'Production'
          return (
            <tr key={e.eventId} className={toProduction ? 'event-production' : undefined}>
              <td title={formatTime(e.timestamp)}>
                {formatTime(e.timestamp)}
                <div className="muted small">{formatAgo(e.timestamp)}</div>
              </td>
              <td className="actor">{e.actor}</td>
              <td>
                {KIND_LABELS[e.kind]}
                {e.alias && <span className="alias-name"> @{e.alias}</span>}
                {e.kind === 'stage_transition' && e.to === 'Production' && (
                  <span className="sr-only"> (to Production)</span>
                )}
              </td>
              {showVersion && (
                <td>
                  {e.version ? (
                    <Link to={versionPath(name, e.version)}>v{e.version}</Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              )}
              <td className="change">{change(e)}</td>
              <td className="comment">{e.comment ?? <span className="muted">—</span>}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** Register a run's logged model (a run id and the model's name, or a runs:/ URI) as a new version of a model. */
export function RegisterForm({
  defaultName = '',
  fixedName = false,
  onRegistered,
  onCancel,
}: {
  defaultName?: string
  fixedName?: boolean
  onRegistered: (name: string, version: string) => void
  onCancel: () => void
}) {
  const id = useId()
  const [run, setRun] = useState('')
  const [path, setPath] = useState('model')
  const [name, setName] = useState(defaultName)
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const isUri = run.trim().startsWith('runs:/')
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const parsed = parseRunModel(run, path)
    if (typeof parsed === 'string') return setError(parsed)
    if (!name.trim()) return setError('Give the registered model a name.')
    setBusy(true)
    setError(undefined)
    try {
      const v = await registerRunModel(name.trim(), parsed.runId, parsed.path)
      setRun('')
      onRegistered(v.name, v.version)
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'RESOURCE_DOES_NOT_EXIST' && /run/i.test(err.message)
          ? `No run with id ${parsed.runId}.`
          : errorMessage(err),
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="panel register-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Register a run’s model</h2>
      <p className="muted">
        The new version points at the run’s logged model: its lineage (code, data, params, metrics) is captured now.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-run`}>Run ID or runs:/ URI</label>
          <input
            id={`${id}-run`}
            type="text"
            className="mono"
            value={run}
            placeholder="a1b2c3… or runs:/a1b2c3…/model"
            required
            onChange={(e) => setRun(e.target.value)}
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-path`}>Logged model name</label>
          <input
            id={`${id}-path`}
            type="text"
            value={isUri ? '' : path}
            placeholder={isUri ? 'from the URI' : 'model'}
            disabled={isUri}
            onChange={(e) => setPath(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Registered model name</label>
          <input
            id={`${id}-name`}
            type="text"
            value={name}
            readOnly={fixedName}
            required
            placeholder="created if it does not exist"
            onChange={(e) => setName(e.target.value)}
          />
        </div>
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Registering…' : 'Register'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </div>
    </form>
  )
}
