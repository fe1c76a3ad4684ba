/**
 * The traces of an experiment (MLflow 3's tracing): a page of traces at a time, newest first or in
 * the order chosen, filtered by the server in MLflow's trace filter language (its error shown under
 * the box). The whole view (filter, order, page size and the page tokens to the page shown) is in
 * the URL; each trace links to its spans.
 */
import { experimentFromWire, trackingApi } from '@keel/contracts'
import { useCallback, useMemo } from 'react'
import { useParams, useSearchParams } from 'react-router'
import { ApiError, call } from '../api/client'
import { useApi } from '../api/use-api'
import { ExperimentHeader } from '../components/experiment-header'
import { Empty, ErrorBox, Loading } from '../components/states'
import { FilterBox } from '../runs/filter-box'
import { searchTraces } from '../traces/trace-data'
import { TracesTable } from '../traces/traces-table'
import { type OrderField, PAGE_SIZES, type TracesView, readTracesView, writeTracesView } from '../traces/view-state'
import '../runs/runs.css'
import '../traces/traces.css'

const FILTER_HELP = (
  <>
    MLflow's trace filter: <code>trace.status = 'ERROR'</code>, <code>trace.name</code>, <code>tags.</code>,{' '}
    <code>metadata.</code>, <code>span.name</code>, <code>span.type</code>, <code>trace.timestamp_ms</code>,{' '}
    <code>trace.execution_time_ms</code>, <code>run_id</code>; joined with <code>AND</code>.
  </>
)

export function TracesPage() {
  const { experimentId = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const view = useMemo(() => readTracesView(params), [params])
  const setView = useCallback(
    (change: Partial<TracesView>, push = false) =>
      setParams((prev) => writeTracesView({ ...readTracesView(prev), ...change }), { replace: !push }),
    [setParams],
  )

  const experiment = useApi(`exp|${experimentId}`, async (signal) =>
    experimentFromWire((await call(trackingApi.getExperiment, { experiment_id: experimentId }, signal)).experiment),
  )
  const query = writeTracesView(view).toString()
  const traces = useApi(`traces|${experimentId}|${query}`, (signal) => searchTraces(experimentId, view, signal))

  const onSort = (field: OrderField) => {
    const ascending = view.order.field === field ? !view.order.ascending : false
    setView({ order: { field, ascending }, pages: [] }, true)
  }

  // A 400 on the first page of a filtered search is the filter's fault: shown under the box.
  const filterError =
    traces.error instanceof ApiError && traces.error.status === 400 && view.filter && view.pages.length === 0
      ? traces.error
      : undefined
  const page = traces.data
  const pageNumber = view.pages.length + 1

  return (
    <section aria-labelledby="traces-title" className="traces-page">
      <ExperimentHeader
        experimentId={experimentId}
        name={experiment.data?.name}
        failed={experiment.error !== undefined}
        titleId="traces-title"
      />
      {experiment.error ? (
        <ErrorBox error={experiment.error} onRetry={experiment.reload} />
      ) : (
        <>
          <div className="runs-toolbar">
            <FilterBox
              id="traces-filter"
              label="Filter traces"
              placeholder="trace.status = 'ERROR' AND span.type = 'LLM'"
              help={FILTER_HELP}
              value={view.filter}
              error={filterError}
              onApply={(filter) => setView({ filter, pages: [] }, true)}
            />
            <div className="runs-controls">
              <label>
                Per page
                <select value={view.size} onChange={(e) => setView({ size: Number(e.target.value), pages: [] })}>
                  {PAGE_SIZES.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" onClick={traces.reload} disabled={traces.loading}>
                Refresh
              </button>
            </div>
          </div>
          <div className="runs-status-line" aria-live="polite">
            {page && !traces.loading && !traces.error && (
              <span data-testid="traces-loaded">
                {page.rows.length === 0
                  ? ''
                  : `Page ${pageNumber}: ${page.rows.length} ${page.rows.length === 1 ? 'trace' : 'traces'}${
                      page.nextPageToken ? ', more on the next page' : view.pages.length > 0 ? ' (the last page)' : ''
                    }`}
              </span>
            )}
            {traces.loading && (
              <span>
                <span className="spinner" aria-hidden="true" /> Searching…
              </span>
            )}
          </div>
          {filterError ? (
            <Empty title="The filter could not be read">
              Fix it where the message points, or clear it to see every trace.
            </Empty>
          ) : traces.error ? (
            <>
              <ErrorBox error={traces.error} onRetry={traces.reload} />
              {view.pages.length > 0 && (
                <button type="button" onClick={() => setView({ pages: [] }, true)}>
                  Back to the first page
                </button>
              )}
            </>
          ) : !page ? (
            <Loading what="traces" />
          ) : page.rows.length === 0 ? (
            view.filter ? (
              <Empty title="No trace matches this filter">
                Change the filter, or clear it to see every trace of the experiment.
              </Empty>
            ) : view.pages.length > 0 ? (
              <Empty title="No more traces">
                <button type="button" onClick={() => setView({ pages: [] }, true)}>
                  Back to the first page
                </button>
              </Empty>
            ) : (
              <Empty title="No traces in this experiment yet">
                Trace an application: <code>mlflow.set_experiment("{experiment.data?.name ?? experimentId}")</code> then{' '}
                <code>@mlflow.trace</code> on a function, or <code>mlflow.openai.autolog()</code>; or send OpenTelemetry
                spans to <code>/v1/traces</code> with the header <code>x-mlflow-experiment-id: {experimentId}</code>.
              </Empty>
            )
          ) : (
            <>
              <TracesTable
                experimentId={experimentId}
                rows={page.rows}
                runNames={page.runNames}
                order={view.order}
                onSort={onSort}
                busy={traces.loading}
              />
              {(view.pages.length > 0 || page.nextPageToken) && (
                <nav className="traces-pager" aria-label="Pages of traces">
                  <button
                    type="button"
                    disabled={view.pages.length === 0}
                    onClick={() => setView({ pages: view.pages.slice(0, -1) }, true)}
                  >
                    ← Previous
                  </button>
                  <span className="muted">Page {pageNumber}</span>
                  <button
                    type="button"
                    disabled={!page.nextPageToken}
                    onClick={() => page.nextPageToken && setView({ pages: [...view.pages, page.nextPageToken] }, true)}
                  >
                    Next →
                  </button>
                </nav>
              )}
            </>
          )}
        </>
      )}
    </section>
  )
}
