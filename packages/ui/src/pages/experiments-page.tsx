/** Experiments: search, create, rename, delete and restore. Search and view live in the URL. */
import { type Experiment, experimentFromWire, trackingApi } from '@keel/contracts'
import { type FormEvent, useState } from 'react'
import { Link } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { ColumnHeads } from '../components/column-heads'
import { SearchForm } from '../components/search-form'
import { Empty, ErrorBox, Loading } from '../components/states'
import { SubmitCancel } from '../components/submit-cancel'
import { useAction } from '../components/use-action'
import { useQueryUpdate } from '../components/use-query-update'
import { formatAgo, formatTime } from '../format'
import { focusWhenShown } from '../components/focus-when-shown'

type View = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL'

export function ExperimentsPage() {
  const [params, update] = useQueryUpdate()
  const q = params.get('q') ?? ''
  const view = (params.get('view') as View | null) ?? 'ACTIVE_ONLY'
  const [actionError, setActionError] = useState<Error | undefined>()

  const experiments = useApi(`${view}|${q}`, async (signal) => {
    const filter = q ? `name ILIKE '%${q.replace(/'/g, "\\'")}%'` : undefined
    const res = await call(
      trackingApi.searchExperiments,
      { max_results: 1000, view_type: view, ...(filter && { filter }) },
      signal,
    )
    return (res.experiments ?? []).map(experimentFromWire)
  })

  const act = async (fn: () => Promise<unknown>) => {
    setActionError(undefined)
    try {
      await fn()
      experiments.reload()
    } catch (e) {
      setActionError(e as Error)
    }
  }

  return (
    <section aria-labelledby="experiments-title">
      <div className="page-head">
        <h1 id="experiments-title">Experiments</h1>
        <CreateExperiment onCreated={experiments.reload} />
      </div>
      <div className="toolbar">
        <SearchForm
          id="experiment-search"
          label="Search experiments by name"
          value={q}
          onSearch={(query) => update({ q: query })}
        />
        <label>
          Show{' '}
          <select
            value={view}
            onChange={(e) => update({ view: e.target.value === 'ACTIVE_ONLY' ? '' : e.target.value })}
          >
            <option value="ACTIVE_ONLY">active</option>
            <option value="DELETED_ONLY">deleted</option>
            <option value="ALL">all</option>
          </select>
        </label>
      </div>
      {actionError && <ErrorBox error={actionError} />}
      {experiments.error ? (
        <ErrorBox error={experiments.error} onRetry={experiments.reload} />
      ) : !experiments.data ? (
        <Loading what="experiments" />
      ) : experiments.data.length === 0 ? (
        <Empty title={q ? `No experiment matches “${q}”` : 'No experiments yet'}>
          Create one above, or log a run: <code>mlflow.set_experiment("name")</code> /{' '}
          <code>keel.setExperiment('name')</code>.
        </Empty>
      ) : (
        <table className="table">
          <ColumnHeads columns={['Name', 'ID', 'Created', 'Updated']} actions />
          <tbody>
            {experiments.data.map((e) => (
              <ExperimentRow key={e.experimentId} experiment={e} act={act} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function ExperimentRow({
  experiment: e,
  act,
}: {
  experiment: Experiment
  act: (fn: () => Promise<unknown>) => Promise<void>
}) {
  const [renaming, setRenaming] = useState(false)
  const [name, setName] = useState(e.name)
  const deleted = e.lifecycleStage === 'deleted'
  return (
    <tr className={deleted ? 'row-deleted' : undefined}>
      <td>
        {renaming ? (
          <form
            className="inline-form"
            onSubmit={(ev) => {
              ev.preventDefault()
              void act(() =>
                call(trackingApi.updateExperiment, { experiment_id: e.experimentId, new_name: name }),
              ).then(() => setRenaming(false))
            }}
          >
            <label className="sr-only" htmlFor={`rename-${e.experimentId}`}>
              New name
            </label>
            <input
              id={`rename-${e.experimentId}`}
              value={name}
              onChange={(ev) => setName(ev.target.value)}
              ref={focusWhenShown}
            />
            <button type="submit">Save</button>
            <button type="button" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <Link to={`/experiments/${e.experimentId}`}>{e.name}</Link>
        )}
        {deleted && <span className="badge badge-muted">deleted</span>}
      </td>
      <td className="mono">{e.experimentId}</td>
      <td title={formatTime(e.creationTime)}>{formatAgo(e.creationTime)}</td>
      <td title={formatTime(e.lastUpdateTime)}>{formatAgo(e.lastUpdateTime)}</td>
      <td className="actions">
        {deleted ? (
          <button
            type="button"
            onClick={() => void act(() => call(trackingApi.restoreExperiment, { experiment_id: e.experimentId }))}
          >
            Restore
          </button>
        ) : (
          <>
            <button type="button" onClick={() => setRenaming(true)} aria-label={`Rename ${e.name}`}>
              Rename
            </button>
            {e.experimentId !== '0' && (
              <button
                type="button"
                className="danger"
                aria-label={`Delete ${e.name}`}
                onClick={() => {
                  if (window.confirm(`Delete experiment “${e.name}” and its runs? It can be restored.`)) {
                    void act(() => call(trackingApi.deleteExperiment, { experiment_id: e.experimentId }))
                  }
                }}
              >
                Delete
              </button>
            )}
          </>
        )}
      </td>
    </tr>
  )
}

function CreateExperiment({ onCreated }: { onCreated: () => void }) {
  const [open, setOpen] = useState(false)
  const [name, setName] = useState('')
  const { error, run } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      await call(trackingApi.createExperiment, { name })
      setOpen(false)
      setName('')
      onCreated()
    })
  }
  if (!open) {
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        New experiment
      </button>
    )
  }
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor="new-experiment">Name</label>
      <input id="new-experiment" value={name} onChange={(e) => setName(e.target.value)} ref={focusWhenShown} required />
      <SubmitCancel label="Create" onCancel={() => setOpen(false)} error={error} />
    </form>
  )
}
