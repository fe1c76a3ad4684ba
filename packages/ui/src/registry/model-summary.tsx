/** The model page's summary panel: description, aliases, tags, dates, and who approved what is in Production. */
import { type RegisteredModel, type RegistryEvent, registryApi } from '@keel/contracts'
import { useState } from 'react'
import { call } from '../api/client'
import { FormFeedback } from '../components/form-feedback'
import { formatAgo, formatTime } from '../format'
import { AliasChips } from './alias-chips'
import { ProductionApproval } from './audit-trail'
import { EditableText } from './editable-text'

export function ModelSummary({
  name,
  model: m,
  canEdit,
  guarded,
  canDeleteAliases,
  events,
  productionVersions,
  onSaveDescription,
  onChanged,
}: {
  /** The model's name in the page's URL. */
  name: string
  model: RegisteredModel
  canEdit: boolean
  guarded: ReadonlyMap<string, boolean>
  canDeleteAliases: boolean
  events: readonly RegistryEvent[] | undefined
  productionVersions: readonly string[]
  onSaveDescription: (text: string) => Promise<unknown>
  /** After an alias is deleted. */
  onChanged: () => void
}) {
  const [actionError, setActionError] = useState<string | undefined>()
  const deleteAlias = async (alias: string) => {
    if (!window.confirm(`Delete alias @${alias} of ${name}? Code loading models:/${name}@${alias} will stop working.`))
      return
    setActionError(undefined)
    try {
      await call(registryApi.deleteRegisteredModelAlias, { name, alias })
      onChanged()
    } catch (e) {
      setActionError((e as Error).message)
    }
  }
  return (
    <div className="panel model-header">
      <EditableText
        label="Description"
        value={m.description}
        empty="No description."
        readOnly={!canEdit}
        onSave={onSaveDescription}
      />
      <dl className="facts">
        <div>
          <dt>Aliases</dt>
          <dd>
            <AliasChips
              name={name}
              aliases={m.aliases}
              protectedAliases={guarded}
              {...(canDeleteAliases && { onDelete: (a: string) => void deleteAlias(a) })}
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
      <FormFeedback error={actionError} />
      {events && <ProductionApproval events={events} productionVersions={productionVersions} />}
    </div>
  )
}
