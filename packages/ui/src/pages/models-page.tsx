/** Registered models: search by name (in the URL), their latest version, aliases and stages, and registering a run's model. */
import { useState } from 'react'
import { Link } from 'react-router'
import { useApi } from '../api/use-api'
import { SearchForm } from '../components/search-form'
import { Empty, ErrorBox, Loading } from '../components/states'
import { useQueryUpdate } from '../components/use-query-update'
import { formatAgo, formatTime } from '../format'
import { activeStages, latestVersion, modelPath, searchModels, versionPath } from '../registry/registry-data'
import { AliasChips } from '../registry/alias-chips'
import { RegisterForm } from '../registry/register-form'
import { StageBadge } from '../registry/stage-badge'
import { ColumnHeads } from '../components/column-heads'
import '../registry/registry.css'

export function ModelsPage() {
  const [params, update] = useQueryUpdate()
  const q = params.get('q') ?? ''
  const registering = params.get('register') === '1'
  const [registered, setRegistered] = useState<{ name: string; version: string } | undefined>()

  const models = useApi(`models|${q}`, (signal) => searchModels(q, signal), { pollMs: 10_000 })

  return (
    <section aria-labelledby="models-title" className="registry">
      <div className="page-head">
        <h1 id="models-title">Models</h1>
        {!registering && (
          <button type="button" className="primary" onClick={() => update({ register: '1' })}>
            Register a model
          </button>
        )}
      </div>
      {registering && (
        <RegisterForm
          onCancel={() => update({ register: '' })}
          onRegistered={(name, version) => {
            setRegistered({ name, version })
            update({ register: '' })
            models.reload()
          }}
        />
      )}
      {registered && (
        <p className="notice" role="status">
          Registered{' '}
          <Link to={versionPath(registered.name, registered.version)}>
            {registered.name} v{registered.version}
          </Link>
          .
        </p>
      )}
      <div className="toolbar">
        <SearchForm
          id="model-search"
          label="Search models by name"
          value={q}
          onSearch={(query) => update({ q: query.trim() })}
        />
        {models.data && (
          <span className="muted">
            {models.data.models.length} model{models.data.models.length === 1 ? '' : 's'}
            {models.data.more && ' (the first 1000; narrow the search)'}
          </span>
        )}
      </div>
      {models.error && !models.data ? (
        <ErrorBox error={models.error} onRetry={models.reload} />
      ) : !models.data ? (
        <Loading what="models" />
      ) : models.data.models.length === 0 ? (
        <Empty title={q ? `No model matches “${q}”` : 'No registered models yet'}>
          {q ? (
            'Try another part of the name.'
          ) : (
            <>
              Register a run’s model with the button above, or from code:{' '}
              <code>mlflow.register_model("runs:/&lt;run&gt;/model", "name")</code>.
            </>
          )}
        </Empty>
      ) : (
        <table className="table models-table">
          <ColumnHeads columns={['Name', 'Latest version', 'Aliases', 'Stages', 'Last updated', 'Description']} />
          <tbody>
            {models.data.models.map((m) => {
              const latest = latestVersion(m)
              const stages = activeStages(m)
              return (
                <tr key={m.name}>
                  <td>
                    <Link to={modelPath(m.name)} className="model-name">
                      {m.name}
                    </Link>
                  </td>
                  <td>
                    {latest ? (
                      <Link to={versionPath(m.name, latest)}>v{latest}</Link>
                    ) : (
                      <span className="muted">no versions</span>
                    )}
                  </td>
                  <td>
                    <AliasChips name={m.name} aliases={m.aliases} />
                  </td>
                  <td>
                    {stages.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <span className="stage-list">
                        {stages.map((s) => (
                          <Link key={s.stage} to={versionPath(m.name, s.version)} className="stage-link">
                            <StageBadge stage={s.stage} /> v{s.version}
                          </Link>
                        ))}
                      </span>
                    )}
                  </td>
                  <td title={formatTime(m.lastUpdatedTimestamp)}>{formatAgo(m.lastUpdatedTimestamp)}</td>
                  <td className="description-cell">{m.description ?? <span className="muted">—</span>}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}
