// Windows over logged predictions (the shape of @keel/contracts' LoggedPrediction) and the
// performance series over them: realized where labels were posted, CBPE where they were not.

import { describe, expect, it } from 'vitest'
import {
  classificationMetrics,
  fitCbpe,
  predictionRows,
  regressionMetrics,
  toCbpeData,
  windowPerformance,
  windowsByCount,
  windowsByTime,
  type LoggedPredictionLike,
} from '../src/index.js'
import { rng } from './support/python-oracle.js'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 27, 0, 0, 0)
const g = rng(27_11)

/** One single-row request per record, a fraud model; `unsure` moves the scores towards 0.5. */
function record(t: number, unsure: boolean, labelled: boolean): LoggedPredictionLike {
  const p = unsure ? 0.3 + 0.4 * g.uniform() : g.uniform() < 0.3 ? 0.9 + 0.1 * g.uniform() : 0.1 * g.uniform()
  const label = g.uniform() < p
  return {
    timestampMs: t,
    outputs: [p > 0.5 ? 1 : 0],
    probabilities: [[1 - p, p]],
    statusCode: 200,
    ...(labelled ? { label } : {}),
  }
}

describe('predictionRows', () => {
  it('one row per prediction; failed requests skipped; a label only for single-row requests', () => {
    const out = predictionRows([
      {
        timestampMs: 5,
        outputs: ['a', 'b'],
        probabilities: [
          [0.9, 0.1],
          [0.2, 0.8],
        ],
        label: 'a',
      },
      { timestampMs: 6, outputs: [], statusCode: 500 },
      { timestampMs: 7, outputs: ['b'], statusCode: 422 },
      { timestampMs: 8, outputs: ['b'], label: 'b' },
    ])
    expect(out.failedRequests).toBe(2)
    expect(out.unusableLabels).toBe(1)
    expect(out.rows).toEqual([
      { timestampMs: 5, prediction: 'a', probabilities: [0.9, 0.1] },
      { timestampMs: 5, prediction: 'b', probabilities: [0.2, 0.8] },
      { timestampMs: 8, prediction: 'b', label: 'b' },
    ])
    expect(() => predictionRows([{ timestampMs: Number.NaN, outputs: [1] }])).toThrow(
      /records\[0\]\.timestampMs is NaN/,
    )
  })
})

describe('windowsByCount and windowsByTime', () => {
  const rows = [9, 1, 5, 3, 7].map((timestampMs) => ({ timestampMs }))

  it('by count: time order, the short last window kept or dropped', () => {
    const w = windowsByCount(rows, 2)
    expect(w.map((x) => x.rows.map((r) => r.timestampMs))).toEqual([[1, 3], [5, 7], [9]])
    expect(w.map((x) => [x.index, x.startMs, x.endMs])).toEqual([
      [0, 1, 4],
      [1, 5, 8],
      [2, 9, 10],
    ])
    expect(windowsByCount(rows, 2, { incomplete: 'drop' })).toHaveLength(2)
    expect(windowsByCount([], 3)).toEqual([])
    expect(() => windowsByCount(rows, 0)).toThrow(/positive integer/)
  })

  it('by time: aligned periods, empty periods kept in the series, an origin', () => {
    const w = windowsByTime(rows, 4)
    expect(w.map((x) => [x.startMs, x.endMs, x.rows.map((r) => r.timestampMs)])).toEqual([
      [0, 4, [1, 3]],
      [4, 8, [5, 7]],
      [8, 12, [9]],
    ])
    const gap = windowsByTime([{ timestampMs: 1 }, { timestampMs: 13 }], 4, { originMs: 1 })
    expect(gap.map((x) => [x.startMs, x.rows.length])).toEqual([
      [1, 1],
      [5, 0],
      [9, 0],
      [13, 1],
    ])
    expect(() => windowsByTime(rows, 0)).toThrow(/periodMs must be a positive number/)
    expect(() => windowsByTime([{ timestampMs: 0 }, { timestampMs: 1e15 }], 1)).toThrow(/choose a longer period/)
  })
})

describe('windowPerformance over an hourly log', () => {
  // Reference: 4,000 labelled predictions. Live: 6 hours of 1,500 requests; hours 4 and 5 unsure;
  // hour 2 has no traffic; only a third of the live requests get a label.
  const reference = predictionRows(Array.from({ length: 4000 }, (_, i) => record(T0 - HOUR + i, false, true))).rows
  const cbpe = fitCbpe(toCbpeData(reference), { classes: [0, 1] })
  const live: LoggedPredictionLike[] = []
  for (const h of [0, 1, 3, 4, 5])
    for (let i = 0; i < 1500; i++) live.push(record(T0 + h * HOUR + i * 2000, h >= 4, i % 3 === 0))
  const { rows } = predictionRows(live)
  const series = windowPerformance(windowsByTime(rows, HOUR), {
    task: 'classification',
    classes: [0, 1],
    average: 'binary',
    cbpe,
  })

  it('one entry per hour, the empty hour included with null metrics', () => {
    expect(series.map((s) => [s.startMs - T0, s.rows, s.labelled])).toEqual([
      [0, 1500, 500],
      [HOUR, 1500, 500],
      [2 * HOUR, 0, 0],
      [3 * HOUR, 1500, 500],
      [4 * HOUR, 1500, 500],
      [5 * HOUR, 1500, 500],
    ])
    expect(series[2]).toMatchObject({ realized: { n: 0, accuracy: null, f1: null }, estimated: null })
  })

  it('realized metrics are those of the labelled rows of the window; the estimate covers every row', () => {
    const hour1 = rows.filter((r) => r.timestampMs >= T0 + HOUR && r.timestampMs < T0 + 2 * HOUR)
    const expected = classificationMetrics(
      hour1.map((r) => r.label),
      hour1.map((r) => r.prediction),
      { classes: [0, 1], average: 'binary', probabilities: hour1.map((r) => r.probabilities!) },
    )
    expect(series[1]!.realized).toEqual(expected)
    expect(series[1]!.realized.missingLabels).toBe(1000)
    expect(series[1]!.estimated!.rows).toBe(1500)
    expect(series[1]!.estimated!.labelled).toBe(500)
  })

  it('the drop in hours 4 and 5 is estimated and alerted from the probabilities; earlier hours do not alert', () => {
    const acc = (i: number) => series[i]!.estimated!.results.find((r) => r.metric === 'accuracy')!
    for (const i of [0, 1, 3]) expect(acc(i)).toMatchObject({ alert: false })
    for (const i of [4, 5]) {
      expect(acc(i).alert).toBe(true)
      expect(acc(i).estimate!).toBeLessThan(0.65)
      expect(Math.abs(acc(i).estimate! - (series[i]!.realized as { accuracy: number }).accuracy)).toBeLessThan(0.07) // 500 labels: SE ≈ 0.022
    }
  })
})

describe('windowPerformance for regression, and refused options', () => {
  it('RMSE and MAE per window of labelled rows', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      timestampMs: i,
      prediction: i * 0.5,
      ...(i % 2 ? { label: i * 0.5 + 1 } : {}),
    }))
    const out = windowPerformance(windowsByCount(rows, 10), { task: 'regression' })
    expect(out.map((w) => w.labelled)).toEqual([5, 5, 5])
    const w0 = rows.slice(0, 10)
    expect(out[0]!.realized).toEqual(
      regressionMetrics(
        w0.map((r) => r.label),
        w0.map((r) => r.prediction),
      ),
    )
    expect(out[0]!.realized).toMatchObject({ rmse: 1, mae: 1, n: 5, missingLabels: 5 })
    expect(() =>
      windowPerformance(windowsByCount([{ timestampMs: 0, prediction: 1, label: 'x' }], 1), { task: 'regression' }),
    ).toThrow(/label 0 is "x"; regression needs numbers/)
    expect(() => windowPerformance([], { task: 'ranking' } as never)).toThrow(
      /task must be 'classification' or 'regression'/,
    )
  })
})
