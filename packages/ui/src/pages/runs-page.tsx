/**
 * The runs of an experiment: a virtualised table of the columns the user picks, sorted and filtered
 * by the server (MLflow's filter language; the parser's error shown next to the box), grouped by a
 * param, with selection and Compare. The whole view (filter, order, columns, group, selection,
 * live) is in the URL. Runs load a page at a time as the user scrolls; live runs refresh in place.
 */
import { type Run, experimentFromWire, keelTrackingApi, trackingApi } from '@keel/contracts'
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { ApiError, call } from '../api/client'
import { useApi } from '../api/use-api'
import { useAuth } from '../auth/auth-context'
import { PermissionsPanel } from '../auth/permissions-panel'
import { useMyPermission } from '../auth/use-permission'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatTime } from '../format'
import { ColumnPicker } from '../runs/column-picker'
import { type ColumnDef, columnDef, defaultColumns, paramValue } from '../runs/columns'
import { type Item, RunsTable } from '../runs/runs-table'
import { queryKey, useRunPages } from '../runs/use-run-pages'
import { type RunsView, orderByTerm, readView, writeView } from '../runs/view-state'
import '../runs/runs.css'

const LIVE_POLL_MS = 5000

export function RunsPage() {
  const { experimentId = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const view = useMemo(() => readView(params), [params])

  const setView = useCallback(
    (change: Partial<RunsView>, push = false) => {
      setParams((prev) => writeView({ ...readView(prev), ...change }), { replace: !push })
    },
    [setParams],
  )

  const experiment = useApi(`exp|${experimentId}`, async (signal) =>
    experimentFromWire((await call(trackingApi.getExperiment, { experiment_id: experimentId }, signal)).experiment),
  )
  const keys = useApi(`keys|${experimentId}`, (signal) =>
    call(keelTrackingApi.getExperimentKeys, { experiment_id: experimentId }, signal),
  )
  const auth = useAuth()
  const mine = useMyPermission('experiment', experimentId)
  const [permissionsOpen, setPermissionsOpen] = useState(false)

  const orderBy = view.order ? orderByTerm(view.order) : undefined
  const query = useMemo(() => ({ experimentId, filter: view.filter, orderBy }), [experimentId, view.filter, orderBy])
  const pages = useRunPages(query)

  const columnIds = view.columns ?? defaultColumns(keys.data?.metrics ?? [])
  const columns = useMemo(() => columnIds.map(columnDef), [JSON.stringify(columnIds)]) // eslint-disable-line react-hooks/exhaustive-deps

  const { items, ordered } = useMemo(() => groupRuns(pages.runs, view.group), [pages.runs, view.group])

  // Live: poll the runs on screen every few seconds while one of them is running (or Live is on).
  const visible = useRef<readonly string[]>([])
  const onVisibleRuns = useCallback((ids: readonly string[]) => (visible.current = ids), [])
  const runsRef = useRef(pages.runs)
  runsRef.current = pages.runs
  const refresh = pages.refresh
  const anyRunning = pages.runs.some((r) => r.info.status === 'RUNNING')
  useEffect(() => {
    if (!view.live && !anyRunning) return
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return
      const ids = new Set(visible.current)
      const onScreen = runsRef.current.filter((r) => ids.has(r.info.runId))
      if (view.live || onScreen.some((r) => r.info.status === 'RUNNING'))
        void refresh(onScreen.map((r) => r.info.runId)).catch(() => {})
    }, LIVE_POLL_MS)
    return () => clearInterval(timer)
  }, [view.live, anyRunning, refresh])

  const onSort = useCallback(
    (col: ColumnDef) => {
      const current = view.order
      const same = current && current.column.entity === col.id.entity && current.column.key === col.id.key
      const ascending = same
        ? !current.ascending
        : !(col.id.entity === 'metrics' || col.id.key === 'start_time' || col.id.key === 'end_time')
      setView({ order: { column: col.id, ascending } }, true)
    },
    [view.order, setView],
  )
  const loadMore = pages.loadMore
  const onNearEnd = useCallback(() => loadMore(), [loadMore])

  const filterError = pages.error instanceof ApiError && pages.error.status === 400 ? pages.error : undefined
  const selected = [...view.selection]
  const name = experiment.data?.name

  return (
    <section aria-labelledby="runs-title" className="runs-page">
      <div className="breadcrumbs">
        <Link to="/">Experiments</Link> /
      </div>
      <div className="page-head">
        <h1 id="runs-title">{name ?? (experiment.error ? `Experiment ${experimentId}` : '…')}</h1>
        <span className="muted mono">ID {experimentId}</span>
        {auth.authEnabled && mine.can('manage') && !experiment.error && (
          <button
            type="button"
            className="permissions-toggle"
            aria-expanded={permissionsOpen}
            onClick={() => setPermissionsOpen((o) => !o)}
          >
            Permissions
          </button>
        )}
      </div>
      {permissionsOpen && mine.can('manage') && (
        <PermissionsPanel
          type="experiment"
          id={experimentId}
          name={name ?? experimentId}
          onClose={() => setPermissionsOpen(false)}
        />
      )}
      {experiment.error ? (
        <ErrorBox error={experiment.error} onRetry={experiment.reload} />
      ) : (
        <>
          <div className="runs-toolbar">
            <FilterBox value={view.filter} error={filterError} onApply={(filter) => setView({ filter }, true)} />
            <div className="runs-controls">
              <label>
                Group by
                <select
                  value={view.group ?? ''}
                  onChange={(e) => setView({ group: e.target.value || undefined }, true)}
                >
                  <option value="">no grouping</option>
                  {(keys.data?.params ?? []).map((k) => (
                    <option key={k} value={k}>
                      param {k}
                    </option>
                  ))}
                </select>
              </label>
              <ColumnPicker
                keys={keys.data}
                columns={columnIds}
                onChange={(columns) => setView({ columns })}
                onReset={() => setView({ columns: undefined })}
              />
              <label title="Refresh the runs on screen every 5 seconds (always on while a run on screen is running)">
                <input type="checkbox" checked={view.live} onChange={(e) => setView({ live: e.target.checked })} /> Live
              </label>
              {selected.length >= 2 ? (
                <Link className="button-link" to={`/compare?runs=${selected.map(encodeURIComponent).join(',')}`}>
                  Compare ({selected.length})
                </Link>
              ) : (
                <button type="button" disabled title="Select at least two runs">
                  Compare ({selected.length})
                </button>
              )}
              {selected.length > 0 && (
                <button type="button" onClick={() => setView({ selection: new Set() })}>
                  Clear selection
                </button>
              )}
            </div>
          </div>
          <StatusLine pages={pages} live={view.live || anyRunning} selected={selected.length} />
          {pages.error && !filterError ? (
            <ErrorBox error={pages.error} onRetry={pages.reload} />
          ) : filterError ? (
            <Empty title="The filter could not be read">
              Fix it where the caret points, or clear it to see every run.
            </Empty>
          ) : pages.loadedKey === undefined ? (
            <Loading what="runs" />
          ) : pages.runs.length === 0 && !pages.stale ? (
            view.filter ? (
              <Empty title="No run matches this filter">
                Change the filter, or clear it to see every run of the experiment.
              </Empty>
            ) : (
              <Empty title="No runs in this experiment yet">
                Log one: <code>mlflow.set_experiment("{name}")</code> then <code>mlflow.start_run()</code>, or{' '}
                <code>keel runs create</code>.
              </Empty>
            )
          ) : (
            <RunsTable
              items={items}
              runs={ordered}
              columns={columns}
              order={view.order}
              onSort={onSort}
              selection={view.selection}
              onSelect={(selection) => setView({ selection })}
              onNearEnd={onNearEnd}
              onVisibleRuns={onVisibleRuns}
              renderKey={pages.stale ? `stale|${pages.loadedKey}` : queryKey(query)}
              busy={pages.stale}
            />
          )}
        </>
      )}
    </section>
  )
}

function StatusLine({
  pages,
  live,
  selected,
}: {
  pages: ReturnType<typeof useRunPages>
  live: boolean
  selected: number
}) {
  const n = pages.runs.length
  return (
    <div className="runs-status-line" aria-live="polite">
      {pages.loadedKey !== undefined && !pages.stale && !pages.error && (
        <span data-testid="runs-loaded">
          {n.toLocaleString()} {n === 1 ? 'run' : 'runs'}{' '}
          {pages.done ? (n > 0 ? '(all loaded)' : '') : 'loaded, more as you scroll'}
        </span>
      )}
      {pages.loading && (
        <span>
          <span className="spinner" aria-hidden="true" />{' '}
          {pages.stale || pages.loadedKey === undefined ? 'Searching…' : 'Loading more…'}
        </span>
      )}
      {selected > 0 && <span>{selected} selected</span>}
      {live && pages.refreshedAt !== undefined && (
        <span title="Runs on screen refresh every 5 seconds">
          <span className="live-dot" aria-hidden="true" />
          Live · updated {formatTime(pages.refreshedAt).slice(11)}
        </span>
      )}
    </div>
  )
}

function FilterBox({
  value,
  error,
  onApply,
}: {
  value: string
  error: ApiError | undefined
  onApply: (filter: string) => void
}) {
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    onApply(draft.trim())
  }
  return (
    <form className="runs-filter" role="search" onSubmit={submit}>
      <label className="sr-only" htmlFor="runs-filter">
        Filter runs
      </label>
      <div className="runs-filter-row">
        <input
          id="runs-filter"
          type="search"
          placeholder="metrics.accuracy > 0.9 and params.lr = '0.01'"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'runs-filter-error' : 'runs-filter-help'}
          spellCheck={false}
        />
        <button type="submit">Filter</button>
        {value && (
          <button type="button" onClick={() => onApply('')}>
            Clear
          </button>
        )}
      </div>
      {error ? (
        <pre className="filter-error" id="runs-filter-error" role="alert">
          {error.message}
        </pre>
      ) : (
        <span className="filter-help" id="runs-filter-help">
          MLflow's filter language: <code>metrics.</code>, <code>params.</code>, <code>tags.</code>,{' '}
          <code>attributes.</code>; <code>and</code>, <code>or</code>, <code>like</code>, <code>in</code>.
        </span>
      )}
    </form>
  )
}

/** The rows of the table: the runs in the server's order, or under one header per value of a param. */
function groupRuns(runs: readonly Run[], group: string | undefined): { items: Item[]; ordered: readonly Run[] } {
  if (!group) return { items: runs.map((run, index) => ({ kind: 'run', run, index })), ordered: runs }
  const buckets = new Map<string, Run[]>()
  for (const run of runs) {
    const value = paramValue(run, group) ?? '\u0000'
    let bucket = buckets.get(value)
    if (!bucket) buckets.set(value, (bucket = []))
    bucket.push(run)
  }
  const values = [...buckets.keys()].sort((a, b) =>
    a === '\u0000' ? 1 : b === '\u0000' ? -1 : a.localeCompare(b, undefined, { numeric: true }),
  )
  const items: Item[] = []
  const ordered: Run[] = []
  for (const value of values) {
    const bucket = buckets.get(value)!
    items.push({
      kind: 'group',
      value,
      count: bucket.length,
      label: value === '\u0000' ? `${group} not set` : `${group} = ${value}`,
    })
    for (const run of bucket) items.push({ kind: 'run', run, index: ordered.push(run) - 1 })
  }
  return { items, ordered }
}
