/**
 * The runs of an experiment: a virtualised table of the columns the user picks, sorted and filtered
 * by the server (MLflow's filter language; the parser's error shown next to the box), grouped by a
 * param, with selection and Compare. The whole view (filter, order, columns, group, selection,
 * live) is in the URL. Runs load a page at a time as the user scrolls; live runs refresh in place.
 */
import { experimentFromWire, keelTrackingApi, trackingApi } from '@keel/contracts'
import { useCallback, useMemo } from 'react'
import { useParams, useSearchParams } from 'react-router'
import { ApiError, call } from '../api/client'
import { useApi } from '../api/use-api'
import { ExperimentHeader } from '../components/experiment-header'
import { Empty, ErrorBox, Loading } from '../components/states'
import { useJsonStable } from '../components/use-json-stable'
import { type ColumnDef, columnDef, defaultColumns } from '../runs/columns'
import { FilterBox } from '../runs/filter-box'
import { groupRuns } from '../runs/group-runs'
import { RunsControls } from '../runs/runs-controls'
import { RunsTable } from '../runs/runs-table'
import { StatusLine } from '../runs/status-line'
import { useLiveRefresh } from '../runs/use-live-refresh'
import { queryKey, useRunPages } from '../runs/use-run-pages'
import { type RunsView, orderByTerm, readView, writeView } from '../runs/view-state'
import '../runs/runs.css'

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

  const orderBy = view.order ? orderByTerm(view.order) : undefined
  const query = useMemo(() => ({ experimentId, filter: view.filter, orderBy }), [experimentId, view.filter, orderBy])
  const pages = useRunPages(query)

  const columnIds = useJsonStable(view.columns ?? defaultColumns(keys.data?.metrics ?? []))
  const columns = useMemo(() => columnIds.map(columnDef), [columnIds])

  const { items, ordered } = useMemo(() => groupRuns(pages.runs, view.group), [pages.runs, view.group])

  // Live: poll the runs on screen every few seconds while one of them is running (or Live is on).
  const { anyRunning, onVisibleRuns } = useLiveRefresh(pages.runs, view.live, pages.refresh)

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
  const name = experiment.data?.name

  return (
    <section aria-labelledby="runs-title" className="runs-page">
      <ExperimentHeader
        experimentId={experimentId}
        name={experiment.data?.name}
        failed={experiment.error !== undefined}
        titleId="runs-title"
      />
      {experiment.error ? (
        <ErrorBox error={experiment.error} onRetry={experiment.reload} />
      ) : (
        <>
          <div className="runs-toolbar">
            <FilterBox value={view.filter} error={filterError} onApply={(filter) => setView({ filter }, true)} />
            <RunsControls view={view} setView={setView} keys={keys.data} columnIds={columnIds} />
          </div>
          <StatusLine pages={pages} live={view.live || anyRunning} selected={view.selection.size} />
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
