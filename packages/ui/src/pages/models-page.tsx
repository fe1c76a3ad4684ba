/** Registered models: search by name (in the URL), their latest version, aliases and stages, and registering a run's model. */
import { useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { useApi } from '../api/use-api'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatAgo, formatTime } from '../format'
import { activeStages, latestVersion, modelPath, searchModels, versionPath } from '../registry/registry-data'
import { AliasChips } from '../registry/alias-chips'
import { RegisterForm } from '../registry/register-form'
import { StageBadge } from '../registry/stage-badge'
import '../registry/registry.css'

export function ModelsPage() {
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const registering = params.get('register') === '1'
  const [draft, setDraft] = useState(q)
  const [registered, setRegistered] = useState<{ name: string; version: string } | undefined>()

  const models = useApi(`models|${q}`, (signal) => searchModels(q, signal), { pollMs: 10_000 })

  const update = (next: Record<string, string>) => {
    const p = new URLSearchParams(params)
    for (const [k, v] of Object.entries(next)) v ? p.set(k, v) : p.delete(k)
    setParams(p, { replace: true })
  }

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
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            update({ q: draft.trim() })
          }}
        >
          <label className="sr-only" htmlFor="model-search">
            Search models by name
          </label>
          <input
            id="model-search"
            type="search"
            placeholder="Search by name"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button type="submit">Search</button>
        </form>
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
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Latest version</th>
              <th scope="col">Aliases</th>
              <th scope="col">Stages</th>
              <th scope="col">Last updated</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
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
