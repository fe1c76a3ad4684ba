/**
 * The pure data shaping of the monitoring pages (no DOM, no fetch): the drift heatmap's matrix
 * (columns × windows), a cell's severity on one scale whatever the test, the series of the charts,
 * reference-against-current histogram bars, and merging windows fetched incrementally.
 */
import type {
  EstimatedPerformance,
  MonitorColumnDrift,
  MonitorHistogram,
  MonitorPerformance,
  MonitorTask,
  MonitorWindow,
} from '@keel/contracts'

/** Evidently's distance tests (drifted when score >= threshold); every other test gives a p-value (drifted when score < threshold). */
const DISTANCE_TESTS = new Set(['wasserstein', 'psi', 'jensenshannon', 'kl_div', 'hellinger', 'ed'])

export type ScoreKind = 'p_value' | 'distance'

export function scoreKind(test: string | undefined): ScoreKind {
  return test !== undefined && DISTANCE_TESTS.has(test) ? 'distance' : 'p_value'
}

/**
 * How far a column is from its threshold, on one scale for every test: 0 = no sign of drift, 1 = at
 * the threshold, above 1 = past it. A p-value p against threshold t: log(p) / log(t) (so p = t is 1,
 * p = t² is 2); a distance d against t: d / t. Undefined when the column has no score.
 */
export function severity(c: MonitorColumnDrift): number | undefined {
  if (c.score === undefined || c.threshold === undefined || !Number.isFinite(c.score)) return undefined
  if (scoreKind(c.test) === 'distance') return c.threshold > 0 ? Math.max(0, c.score) / c.threshold : undefined
  if (c.threshold <= 0 || c.threshold >= 1) return undefined
  const p = Math.min(1, Math.max(c.score, 1e-300))
  return Math.max(0, Math.log(p) / Math.log(c.threshold))
}

export type CellState = 'ok' | 'drifted' | 'error' | 'missing'

export interface HeatmapCell {
  readonly column: string
  readonly windowId: number
  readonly state: CellState
  /** 0..1 below the threshold, > 1 past it (see `severity`) */
  readonly severity?: number
  readonly drift?: MonitorColumnDrift
}

export interface HeatmapMatrix {
  /** row labels: the input columns, then the prediction column when windows have one */
  readonly columns: readonly string[]
  /** the prediction row's label, when there is one (always the last row) */
  readonly predictionColumn?: string
  readonly windows: readonly Pick<
    MonitorWindow,
    'windowId' | 'startMs' | 'endMs' | 'rows' | 'driftShare' | 'datasetDrift'
  >[]
  /** cells[row][col]: row = column, col = window (in the windows' order) */
  readonly cells: readonly (readonly HeatmapCell[])[]
}

/**
 * The heatmap's matrix: one row per compared column (the monitor's order when it names its
 * columns, else the order they first appear in), the prediction drift as a last row, one column
 * per window in window order. A column a window did not compare is a `missing` cell.
 */
export function heatmapMatrix(
  windows: readonly MonitorWindow[],
  columnOrder?: readonly string[],
  predictionLabel = 'prediction',
): HeatmapMatrix {
  const sorted = [...windows].sort((a, b) => a.windowId - b.windowId)
  const columns: string[] = [...(columnOrder ?? [])]
  const seen = new Set(columns)
  for (const w of sorted) {
    for (const c of w.columns) {
      if (!seen.has(c.column)) {
        seen.add(c.column)
        columns.push(c.column)
      }
    }
  }
  const hasPrediction = sorted.some((w) => w.predictionDrift)
  const predictionColumn = hasPrediction
    ? sorted.find((w) => w.predictionDrift)!.predictionDrift!.column || predictionLabel
    : undefined
  const rows = predictionColumn !== undefined && !seen.has(predictionColumn) ? [...columns, predictionColumn] : columns
  const cells = rows.map((column, r) =>
    sorted.map((w): HeatmapCell => {
      const isPrediction = predictionColumn !== undefined && r === rows.length - 1 && rows.length > columns.length
      const drift = isPrediction ? w.predictionDrift : w.columns.find((c) => c.column === column)
      if (!drift) return { column, windowId: w.windowId, state: 'missing' }
      const s = severity(drift)
      const state: CellState =
        drift.error !== undefined && drift.score === undefined ? 'error' : drift.drifted ? 'drifted' : 'ok'
      return { column, windowId: w.windowId, state, ...(s !== undefined && { severity: s }), drift }
    }),
  )
  return {
    columns: rows,
    ...(predictionColumn !== undefined && rows.length > columns.length && { predictionColumn }),
    windows: sorted.map(({ windowId, startMs, endMs, rows: n, driftShare, datasetDrift }) => ({
      windowId,
      startMs,
      endMs,
      rows: n,
      driftShare,
      datasetDrift,
    })),
    cells,
  }
}

/** The heatmap colour of a cell: neutral to amber below the threshold, light to deep red past it. */
export function cellColor(cell: HeatmapCell): string {
  if (cell.state === 'missing') return 'transparent'
  if (cell.state === 'error' || cell.severity === undefined) return '#d0d7de'
  if (cell.state === 'drifted') {
    const t = Math.min(1, (Math.min(cell.severity, 4) - 1) / 3)
    return mix('#f4a9a3', '#a4161a', Math.max(0, t))
  }
  return mix('#eef2f6', '#f2c879', Math.min(1, cell.severity))
}

function mix(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16))
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16))
  return `#${pa
    .map((v, i) =>
      Math.round(v + (pb[i]! - v) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`
}

export interface XYSeries {
  readonly label: string
  readonly xs: number[]
  readonly ys: number[]
}

/** Dataset drift share per window (at the window's end) and the monitor's threshold as a flat line. */
export function driftShareSeries(windows: readonly MonitorWindow[], threshold: number): XYSeries[] {
  const sorted = [...windows].sort((a, b) => a.windowId - b.windowId)
  const xs = sorted.map((w) => w.endMs)
  return [
    { label: 'drift share', xs, ys: sorted.map((w) => w.driftShare) },
    { label: `threshold (${threshold})`, xs: [...xs], ys: xs.map(() => threshold) },
  ]
}

const REALIZED: Record<MonitorTask, readonly ('accuracy' | 'f1_macro' | 'rmse' | 'mae')[]> = {
  classification: ['accuracy', 'f1_macro'],
  regression: ['rmse', 'mae'],
}

/** The task when the monitor does not say: from the metrics the windows have. */
export function inferTask(perf: readonly MonitorPerformance[], task?: MonitorTask): MonitorTask {
  if (task) return task
  return perf.some((p) => p.metrics.rmse !== undefined || p.metrics.mae !== undefined) ? 'regression' : 'classification'
}

/** The metrics the windows have, realized or estimated: the task's realized ones first, then the estimated others. */
export function performanceMetrics(perf: readonly MonitorPerformance[], task?: MonitorTask): string[] {
  const realized = REALIZED[inferTask(perf, task)].filter((m) => perf.some((p) => p.metrics[m] !== undefined))
  const estimated = [...new Set(perf.flatMap((p) => Object.keys(p.estimated?.metrics ?? {})))].sort()
  return [...new Set([...realized, ...estimated])]
}

/**
 * Performance over time (x = window end) of one metric (default: the first of
 * `performanceMetrics`): realized on the windows whose labels gave it (labels arrive late, so some
 * have none), then the CBPE estimate with its lower and upper band.
 */
export function performanceSeries(
  perf: readonly MonitorPerformance[],
  task?: MonitorTask,
  metric?: string,
): XYSeries[] {
  const sorted = [...perf].sort((a, b) => a.windowId - b.windowId)
  const name = metric ?? performanceMetrics(sorted, task)[0]
  if (name === undefined) return []
  const out: XYSeries[] = []
  const realized = sorted.filter((p) => (p.metrics as Record<string, number | undefined>)[name] !== undefined)
  if (realized.length > 0)
    out.push({
      label: name,
      xs: realized.map((p) => p.endMs),
      ys: realized.map((p) => (p.metrics as Record<string, number>)[name]!),
    })
  const estimated = sorted.filter(
    (p): p is MonitorPerformance & { estimated: EstimatedPerformance } => p.estimated !== undefined,
  )
  const series = (label: string, pick: (e: EstimatedPerformance) => number | undefined) => {
    const have = estimated.filter((p) => pick(p.estimated) !== undefined)
    if (have.length > 0) out.push({ label, xs: have.map((p) => p.endMs), ys: have.map((p) => pick(p.estimated)!) })
  }
  if (estimated.length > 0) {
    series(`${name} (${estimated[0]!.estimated.method} estimate)`, (e) => e.metrics[name])
    series(`${name} lower`, (e) => e.lower?.[name])
    series(`${name} upper`, (e) => e.upper?.[name])
  }
  return out
}

/** Rows and labelled rows per window. */
export function labelledSeries(perf: readonly MonitorPerformance[]): XYSeries[] {
  const sorted = [...perf].sort((a, b) => a.windowId - b.windowId)
  const xs = sorted.map((p) => p.endMs)
  return [
    { label: 'rows', xs, ys: sorted.map((p) => p.rows) },
    { label: 'labelled rows', xs: [...xs], ys: sorted.map((p) => p.labelledRows) },
  ]
}

export interface HistogramBars {
  readonly kind: 'numeric' | 'categorical'
  /** one label per bar group: a numeric bin `[a, b)` or a category (`other` last when present) */
  readonly labels: readonly string[]
  /** shares of each side's rows, so a reference and a window of different sizes compare */
  readonly reference: readonly number[]
  readonly current: readonly number[]
  readonly referenceTotal: number
  readonly currentTotal: number
}

/** A window's histogram as bars of shares, reference against current. */
export function histogramBars(h: MonitorHistogram, format: (v: number) => string = String): HistogramBars {
  let labels: string[]
  let ref: number[]
  let cur: number[]
  if (h.kind === 'numeric') {
    const n = Math.min(h.reference.length, h.current.length, Math.max(0, h.edges.length - 1))
    labels = Array.from({ length: n }, (_, i) => `${format(h.edges[i]!)} – ${format(h.edges[i + 1]!)}`)
    ref = h.reference.slice(0, n)
    cur = h.current.slice(0, n)
  } else {
    labels = [...h.categories]
    ref = h.categories.map((_, i) => h.reference[i] ?? 0)
    cur = h.categories.map((_, i) => h.current[i] ?? 0)
    if (h.referenceOther > 0 || h.currentOther > 0) {
      labels.push('other')
      ref.push(h.referenceOther)
      cur.push(h.currentOther)
    }
  }
  const referenceTotal = ref.reduce((a, b) => a + b, 0)
  const currentTotal = cur.reduce((a, b) => a + b, 0)
  return {
    kind: h.kind,
    labels,
    reference: ref.map((v) => (referenceTotal > 0 ? v / referenceTotal : 0)),
    current: cur.map((v) => (currentTotal > 0 ? v / currentTotal : 0)),
    referenceTotal,
    currentTotal,
  }
}

/**
 * Windows fetched since the last poll merged into those already held: by window id (a newer copy
 * wins), in window order, without those that started before `since` (a relative time range moves
 * on), keeping the newest `cap`.
 */
export function mergeWindows<T extends { windowId: number; startMs: number }>(
  held: readonly T[],
  fetched: readonly T[],
  since: number | undefined,
  cap: number,
): T[] {
  const byId = new Map<number, T>()
  for (const w of held) byId.set(w.windowId, w)
  for (const w of fetched) byId.set(w.windowId, w)
  const all = [...byId.values()]
    .filter((w) => since === undefined || w.startMs >= since)
    .sort((a, b) => a.windowId - b.windowId)
  return all.length > cap ? all.slice(all.length - cap) : all
}
