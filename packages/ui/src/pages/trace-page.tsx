/**
 * One trace: its facts, its spans as a tree with a waterfall of their times on the left, the
 * selected span's inputs, outputs, attributes, events and status on the right, and below the
 * trace's assessments, tags and metadata. The selected span and the closed ones are in the URL.
 */
import { experimentFromWire, trackingApi } from '@keel/contracts'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { Empty, ErrorBox, Loading } from '../components/states'
import { SpanDetails } from '../traces/span-details'
import { buildSpanTree, visibleRows } from '../traces/span-tree'
import { SpanTreeView } from '../traces/span-tree-view'
import { getTrace, traceRowFromWire } from '../traces/trace-data'
import { AssessmentsPanel, KeyValuePanel, TraceHeader } from '../traces/trace-info'
import { type TraceView, readTraceView, writeTraceView } from '../traces/view-state'
import '../run/run.css'
import '../traces/traces.css'

const LIVE_POLL_MS = 3000

export function TracePage() {
  const { experimentId = '', traceId = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const view = useMemo(() => readTraceView(params), [params])
  const setView = useCallback(
    (change: Partial<TraceView>) =>
      setParams((prev) => writeTraceView({ ...readTraceView(prev), ...change }), { replace: true }),
    [setParams],
  )

  // A trace in progress is read again every few seconds until it ends (its spans arrive as they end).
  const [inProgress, setInProgress] = useState(false)
  const trace = useApi(`trace|${traceId}`, (signal) => getTrace(traceId, signal), {
    ...(inProgress && { pollMs: LIVE_POLL_MS }),
  })
  const experiment = useApi(`exp|${experimentId}`, async (signal) =>
    experimentFromWire((await call(trackingApi.getExperiment, { experiment_id: experimentId }, signal)).experiment),
  )
  const info = useMemo(() => (trace.data ? traceRowFromWire(trace.data.trace_info) : undefined), [trace.data])
  const live = info?.state === 'IN_PROGRESS'
  useEffect(() => setInProgress(live), [live])
  const runId = info?.runId
  const run = useApi(runId ? `run-name|${runId}` : null, async (signal) => {
    const res = await call(trackingApi.getRun, { run_id: runId! }, signal)
    return res.run.info.run_name
  })
  const tree = useMemo(() => (trace.data ? buildSpanTree(trace.data.spans ?? []) : undefined), [trace.data])
  const rows = useMemo(() => (tree ? visibleRows(tree.roots, view.collapsed) : []), [tree, view.collapsed])

  const experimentPath = `/experiments/${encodeURIComponent(experimentId)}`
  const breadcrumbs = (
    <div className="breadcrumbs">
      <Link to="/">Experiments</Link> /{' '}
      <Link to={experimentPath}>{experiment.data?.name ?? `experiment ${experimentId}`}</Link> /{' '}
      <Link to={`${experimentPath}/traces`}>Traces</Link> /
    </div>
  )

  if (trace.error && !trace.data)
    return (
      <section aria-label="Trace">
        {breadcrumbs}
        <ErrorBox error={trace.error} onRetry={trace.reload} />
      </section>
    )
  if (!info || !tree) return <Loading what="trace" />

  const selected = (view.span ? tree.byId.get(view.span) : undefined) ?? tree.roots[0]
  const toggle = (spanId: string, open: boolean) => {
    const collapsed = new Set(view.collapsed)
    if (open) collapsed.delete(spanId)
    else collapsed.add(spanId)
    setView({ collapsed })
  }

  return (
    <article className="trace-page" aria-labelledby="trace-title">
      {breadcrumbs}
      <TraceHeader
        info={info}
        spanCount={tree.byId.size}
        runName={run.data}
        live={live ? { pollMs: LIVE_POLL_MS, failed: trace.error !== undefined } : undefined}
      />
      {tree.byId.size === 0 ? (
        <Empty title="No spans">
          This trace has no spans stored{info.state === 'IN_PROGRESS' ? ' yet: it is still in progress' : ''}.
        </Empty>
      ) : (
        <div className="trace-split">
          <section className="panel trace-tree-panel" aria-labelledby="spans-title">
            <h2 id="spans-title">
              Spans <span className="count">{tree.byId.size}</span>
            </h2>
            <SpanTreeView
              tree={tree}
              rows={rows}
              selected={selected?.spanId}
              onSelect={(span) => setView({ span })}
              onToggle={toggle}
            />
          </section>
          <section className="panel trace-detail-panel" aria-labelledby="span-title">
            {selected ? (
              <SpanDetails span={selected} tree={tree} onSelect={(span) => setView({ span })} />
            ) : (
              <Empty title="Select a span" />
            )}
          </section>
        </div>
      )}
      <AssessmentsPanel assessments={info.assessments} spanName={(id) => tree.byId.get(id)?.name} />
      <div className="grid-2 trace-kv">
        <KeyValuePanel title="Tags" id="trace-tags-title" values={info.tags} />
        <KeyValuePanel title="Metadata" id="trace-metadata-title" values={info.metadata} />
      </div>
    </article>
  )
}
