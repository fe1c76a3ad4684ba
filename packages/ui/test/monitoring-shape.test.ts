/** The monitoring pages' data shaping: heatmap matrix and severity, chart series, histogram bars, incremental windows, URL state. */
import type { MonitorColumnDrift, MonitorPerformance, MonitorWindow } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import {
  cellColor,
  driftShareSeries,
  heatmapMatrix,
  histogramBars,
  inferTask,
  labelledSeries,
  mergeWindows,
  performanceMetrics,
  performanceSeries,
  scoreKind,
  severity,
} from '../src/monitoring/shape.js'
import { effectiveSelection, rangeStart, readMonitorView, writeMonitorView } from '../src/monitoring/view-state.js'

const col = (column: string, score: number, drifted: boolean, test = 'ks', threshold = 0.05): MonitorColumnDrift => ({
  column,
  featureType: 'num',
  test,
  statistic: 0,
  score,
  threshold,
  drifted,
})

function win(windowId: number, columns: MonitorColumnDrift[], extra: Partial<MonitorWindow> = {}): MonitorWindow {
  const drifted = columns.filter((c) => c.drifted).map((c) => c.column)
  return {
    monitorId: 'm',
    windowId,
    startMs: windowId * 1000,
    endMs: windowId * 1000 + 1000,
    rows: 100,
    sampledRows: 100,
    datasetDrift: drifted.length * 2 >= columns.length,
    driftShare: columns.length ? drifted.length / columns.length : 0,
    driftedColumns: drifted,
    columns,
    quality: { findings: [], nullShares: {} },
    histograms: {},
    createdMs: 0,
    ...extra,
  }
}

describe('severity: one scale for p-values and distances', () => {
  it('a p-value at the threshold is 1, its square 2, a p-value of 1 is 0', () => {
    expect(severity(col('a', 0.05, true))).toBeCloseTo(1, 12)
    expect(severity(col('a', 0.05 ** 2, true))).toBeCloseTo(2, 12)
    expect(severity(col('a', 1, false))).toBe(0)
  })
  it('a p-value of 0 is finite and large (clamped), never NaN', () => {
    const s = severity(col('a', 0, true))!
    expect(Number.isFinite(s)).toBe(true)
    expect(s).toBeGreaterThan(200)
  })
  it('a distance is score / threshold', () => {
    expect(scoreKind('wasserstein')).toBe('distance')
    expect(scoreKind('psi')).toBe('distance')
    expect(scoreKind('chisquare')).toBe('p_value')
    expect(severity(col('a', 0.25, true, 'wasserstein', 0.1))).toBeCloseTo(2.5, 12)
    expect(severity(col('a', 0.05, false, 'jensenshannon', 0.1))).toBeCloseTo(0.5, 12)
  })
  it('no score or a NaN score: undefined', () => {
    expect(severity({ column: 'a', drifted: false, error: 'all null' })).toBeUndefined()
    expect(severity(col('a', Number.NaN, false))).toBeUndefined()
  })
})

describe('heatmapMatrix', () => {
  const windows = [
    win(2, [col('x1', 1e-9, true), col('x2', 0.6, false)], {
      predictionDrift: { ...col('prediction', 1e-4, true), featureType: 'cat', test: 'chisquare' },
    }),
    win(1, [col('x1', 0.4, false), col('x2', 0.7, false)], {
      predictionDrift: { ...col('prediction', 0.5, false), featureType: 'cat', test: 'chisquare' },
    }),
    win(3, [
      col('x2', 0.3, false),
      col('kind', 0.01, true),
      { column: 'x1', drifted: false, error: 'every value is null' },
    ]),
  ]
  const m = heatmapMatrix(windows)

  it('rows: columns in first-seen order, the prediction last; windows in window order', () => {
    expect(m.columns).toEqual(['x1', 'x2', 'kind', 'prediction'])
    expect(m.predictionColumn).toBe('prediction')
    expect(m.windows.map((w) => w.windowId)).toEqual([1, 2, 3])
    expect(m.cells).toHaveLength(4)
    for (const row of m.cells) expect(row).toHaveLength(3)
  })
  it('each cell is its column in its window, with its state', () => {
    const at = (column: string, windowId: number) =>
      m.cells[m.columns.indexOf(column)]![m.windows.findIndex((w) => w.windowId === windowId)]!
    expect(at('x1', 1)).toMatchObject({ state: 'ok', drift: { score: 0.4 } })
    expect(at('x1', 2)).toMatchObject({ state: 'drifted', drift: { score: 1e-9 } })
    expect(at('x1', 3)).toMatchObject({ state: 'error' })
    expect(at('x1', 3).severity).toBeUndefined()
    expect(at('kind', 1).state).toBe('missing')
    expect(at('kind', 3)).toMatchObject({ state: 'drifted' })
    expect(at('prediction', 2)).toMatchObject({ state: 'drifted', drift: { test: 'chisquare' } })
    expect(at('prediction', 3).state).toBe('missing')
    expect(at('x1', 2).severity).toBeCloseTo(Math.log(1e-9) / Math.log(0.05), 12)
  })
  it("follows the monitor's column order when it names one", () => {
    expect(heatmapMatrix(windows, ['x2', 'x1']).columns).toEqual(['x2', 'x1', 'kind', 'prediction'])
  })
  it('no windows: an empty matrix', () => {
    expect(heatmapMatrix([])).toEqual({ columns: [], windows: [], cells: [] })
  })
  it('colours: drifted cells red and darker further past the threshold, others not red, missing transparent', () => {
    const red = (hex: string) => parseInt(hex.slice(1, 3), 16) - parseInt(hex.slice(3, 5), 16)
    const near = cellColor({ column: 'a', windowId: 1, state: 'drifted', severity: 1.1 })
    const far = cellColor({ column: 'a', windowId: 1, state: 'drifted', severity: 10 })
    expect(red(near)).toBeGreaterThan(40)
    const lum = (hex: string) => [1, 3, 5].reduce((s, i) => s + parseInt(hex.slice(i, i + 2), 16), 0)
    expect(lum(far)).toBeLessThan(lum(near))
    expect(cellColor({ column: 'a', windowId: 1, state: 'missing' })).toBe('transparent')
    expect(red(cellColor({ column: 'a', windowId: 1, state: 'ok', severity: 0 }))).toBeLessThan(10)
  })
})

describe('effectiveSelection', () => {
  const m = heatmapMatrix([
    win(1, [col('x1', 0.4, false), col('x2', 0.7, false)]),
    win(2, [col('x1', 0.01, true), col('x2', 1e-6, true)]),
  ])
  it('defaults to the newest window and its most drifted column', () => {
    expect(effectiveSelection(m, { range: 'all' })).toEqual({ column: 'x2', windowId: 2 })
  })
  it("keeps the URL's column and window when the matrix has them", () => {
    expect(effectiveSelection(m, { range: 'all', column: 'x1', windowId: 1 })).toEqual({ column: 'x1', windowId: 1 })
  })
  it('falls back when they are not (an old link, another range)', () => {
    expect(effectiveSelection(m, { range: 'all', column: 'gone', windowId: 99 })).toEqual({ column: 'x2', windowId: 2 })
    const calm = heatmapMatrix([win(1, [col('x1', 0.4, false), col('x2', 0.7, false)])])
    expect(effectiveSelection(calm, { range: 'all' })).toEqual({ column: 'x1', windowId: 1 })
    expect(effectiveSelection(heatmapMatrix([]), { range: 'all', column: 'x1' })).toEqual({})
  })
})

describe('series', () => {
  it('drift share per window at its end, and the threshold as a flat line', () => {
    const s = driftShareSeries(
      [win(2, [col('a', 0.01, true), col('b', 0.5, false)]), win(1, [col('a', 0.5, false), col('b', 0.5, false)])],
      0.5,
    )
    expect(s[0]).toEqual({ label: 'drift share', xs: [2000, 3000], ys: [0, 0.5] })
    expect(s[1]).toEqual({ label: 'threshold (0.5)', xs: [2000, 3000], ys: [0.5, 0.5] })
  })

  const perf = (
    windowId: number,
    labelledRows: number,
    metrics: MonitorPerformance['metrics'],
    estimated?: MonitorPerformance['estimated'],
  ): MonitorPerformance => ({
    windowId,
    startMs: windowId * 1000,
    endMs: windowId * 1000 + 1000,
    rows: 200,
    labelledRows,
    metrics,
    ...(estimated && { estimated }),
  })
  it('realized metrics only where labels gave them; the CBPE estimate with its band; one metric at a time', () => {
    const est = (a: number, lo: number, hi: number) => ({
      method: 'cbpe',
      metrics: { accuracy: a, roc_auc: a },
      lower: { accuracy: lo, roc_auc: lo },
      upper: { accuracy: hi, roc_auc: hi },
    })
    const p = [
      perf(3, 50, { accuracy: 0.6, f1_macro: 0.55 }),
      perf(1, 200, { accuracy: 0.95, f1_macro: 0.94 }, est(0.9, 0.85, 0.95)),
      perf(2, 0, {}, est(0.7, 0.64, 0.76)),
    ]
    expect(performanceMetrics(p, 'classification')).toEqual(['accuracy', 'f1_macro', 'roc_auc'])
    const s = performanceSeries(p, 'classification')
    expect(s.map((x) => x.label)).toEqual(['accuracy', 'accuracy (cbpe estimate)', 'accuracy lower', 'accuracy upper'])
    expect(s[0]).toEqual({ label: 'accuracy', xs: [2000, 4000], ys: [0.95, 0.6] })
    expect(s[1]).toEqual({ label: 'accuracy (cbpe estimate)', xs: [2000, 3000], ys: [0.9, 0.7] })
    expect(s[2]!.ys).toEqual([0.85, 0.64])
    expect(s[3]!.ys).toEqual([0.95, 0.76])
    expect(performanceSeries(p, 'classification', 'f1_macro')).toEqual([
      { label: 'f1_macro', xs: [2000, 4000], ys: [0.94, 0.55] },
    ])
    expect(performanceSeries(p, 'classification', 'roc_auc').map((x) => x.label)).toEqual([
      'roc_auc (cbpe estimate)',
      'roc_auc lower',
      'roc_auc upper',
    ])
    expect(labelledSeries(p)[1]).toEqual({ label: 'labelled rows', xs: [2000, 3000, 4000], ys: [200, 0, 50] })
  })
  it('regression metrics when the task says so or the windows have them; nothing without labels', () => {
    const p = [perf(1, 10, { rmse: 2, mae: 1.5 })]
    expect(inferTask(p)).toBe('regression')
    expect(performanceMetrics(p)).toEqual(['rmse', 'mae'])
    expect(performanceSeries(p, undefined, 'mae')).toEqual([{ label: 'mae', xs: [2000], ys: [1.5] }])
    expect(performanceSeries([perf(1, 0, {})], 'classification')).toEqual([])
  })
})

describe('histogramBars', () => {
  it('numeric: one bar pair per bin, shares of each side, labelled by edges', () => {
    const b = histogramBars({ kind: 'numeric', edges: [0, 1, 2, 4], reference: [10, 30, 60], current: [5, 5, 40] })
    expect(b.labels).toEqual(['0 – 1', '1 – 2', '2 – 4'])
    expect(b.reference).toEqual([0.1, 0.3, 0.6])
    expect(b.current).toEqual([0.1, 0.1, 0.8])
    expect([b.referenceTotal, b.currentTotal]).toEqual([100, 50])
  })
  it('categorical: categories then `other` when either side has some', () => {
    const b = histogramBars({
      kind: 'categorical',
      categories: ['a', 'b'],
      reference: [3, 1],
      current: [0, 2],
      referenceOther: 0,
      currentOther: 2,
    })
    expect(b.labels).toEqual(['a', 'b', 'other'])
    expect(b.reference).toEqual([0.75, 0.25, 0])
    expect(b.current).toEqual([0, 0.5, 0.5])
    expect(
      histogramBars({
        kind: 'categorical',
        categories: ['a'],
        reference: [1],
        current: [1],
        referenceOther: 0,
        currentOther: 0,
      }).labels,
    ).toEqual(['a'])
  })
  it('an empty side gives zero shares, not NaN', () => {
    const b = histogramBars({ kind: 'numeric', edges: [0, 1], reference: [4], current: [0] })
    expect(b.current).toEqual([0])
  })
})

describe('mergeWindows (incremental polling)', () => {
  const w = (windowId: number, startMs: number, rows = 1) => ({ windowId, startMs, rows })
  it('merges by id (the newer copy wins), in order, dropping those before the range', () => {
    const held = [w(1, 0), w(2, 10), w(3, 20)]
    const fetched = [w(3, 20, 7), w(4, 30)]
    expect(mergeWindows(held, fetched, undefined, 100)).toEqual([w(1, 0), w(2, 10), w(3, 20, 7), w(4, 30)])
    expect(mergeWindows(held, fetched, 15, 100).map((x) => x.windowId)).toEqual([3, 4])
  })
  it('keeps the newest `cap`', () => {
    expect(mergeWindows([w(1, 0), w(2, 1)], [w(3, 2)], undefined, 2).map((x) => x.windowId)).toEqual([2, 3])
  })
})

describe('URL state', () => {
  it('reads and writes col, win and range, and survives a round trip', () => {
    const p = writeMonitorView(new URLSearchParams('other=1'), {
      column: 'x 1',
      windowId: 5,
      range: '24h',
      metric: 'f1_macro',
    })
    expect(p.toString()).toBe('other=1&col=x+1&win=5&range=24h&metric=f1_macro')
    expect(readMonitorView(new URLSearchParams(p.toString()))).toEqual({
      column: 'x 1',
      windowId: 5,
      range: '24h',
      metric: 'f1_macro',
    })
    expect(writeMonitorView(p, { metric: undefined }).get('metric')).toBeNull()
    expect(writeMonitorView(p, { windowId: undefined, range: 'all' }).toString()).toBe(
      'other=1&col=x+1&metric=f1_macro',
    )
  })
  it('ignores bad values', () => {
    expect(readMonitorView(new URLSearchParams('win=abc&range=forever&col='))).toEqual({ range: 'all' })
    expect(readMonitorView(new URLSearchParams('win=-2'))).toEqual({ range: 'all' })
  })
  it('a range starts that long before now; all has no start', () => {
    expect(rangeStart('1h', 10_000_000)).toBe(10_000_000 - 3_600_000)
    expect(rangeStart('all', 10_000_000)).toBeUndefined()
  })
})
