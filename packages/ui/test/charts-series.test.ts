/** The pure parts of the charts: smoothing, alignment, log-scale cleaning. */
import { describe, expect, it } from 'vitest'
import { alignSeries, colorAt, ema, finiteOrNull, forLogScale, sortedUnique } from '../src/charts/series.js'

describe('ema (TensorBoard smoothing)', () => {
  it('is the identity at weight 0', () => {
    expect(ema([1, 5, 2], 0)).toEqual([1, 5, 2])
  })
  it('debiases: the first smoothed value is the first value, and a constant stays constant', () => {
    const out = ema([10, 10, 10, 10], 0.9)
    for (const v of out) expect(v).toBeCloseTo(10, 10)
  })
  it('matches the debiased EMA formula', () => {
    const w = 0.6
    const out = ema([1, 2, 3], w)
    const last1 = (1 - w) * 1
    const last2 = last1 * w + (1 - w) * 2
    const last3 = last2 * w + (1 - w) * 3
    expect(out[0]).toBeCloseTo(last1 / (1 - w), 12)
    expect(out[1]).toBeCloseTo(last2 / (1 - w ** 2), 12)
    expect(out[2]).toBeCloseTo(last3 / (1 - w ** 3), 12)
  })
  it('lets gaps and non-finite values through without disturbing the average', () => {
    const out = ema([4, null, Number.NaN, 4], 0.5)
    expect(out[0]).toBe(4)
    expect(out[1]).toBeNull()
    expect(out[2]).toBeNaN()
    expect(out[3]).toBeCloseTo(4, 12)
  })
  it('smooths 100k points quickly', () => {
    const ys = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 100) + Math.random())
    const t0 = performance.now()
    const out = ema(ys, 0.9)
    expect(out).toHaveLength(100_000)
    expect(performance.now() - t0).toBeLessThan(200)
  })
})

describe('alignSeries', () => {
  it('keeps a single series as is (sorted)', () => {
    expect(alignSeries([{ xs: [2, 0, 1], ys: [20, 0, 10] }])).toEqual([
      [0, 1, 2],
      [0, 10, 20],
    ])
  })
  it('puts series logged at different steps on the union of their steps, null where absent', () => {
    const out = alignSeries([
      { xs: [0, 2, 4], ys: [1, 2, 3] },
      { xs: [1, 2, 3], ys: [10, 20, 30] },
    ])
    expect(out).toEqual([
      [0, 1, 2, 3, 4],
      [1, null, 2, null, 3],
      [null, 10, 20, 30, null],
    ])
  })
  it('keeps the last value logged at a repeated step', () => {
    expect(sortedUnique({ xs: [0, 1, 1, 2], ys: [1, 2, 3, 4] })).toEqual({ xs: [0, 1, 2], ys: [1, 3, 4] })
  })
  it('handles empty input and empty series', () => {
    expect(alignSeries([])).toEqual([[]])
    expect(
      alignSeries([
        { xs: [], ys: [] },
        { xs: [5], ys: [1] },
      ]),
    ).toEqual([[5], [null], [1]])
  })
  it('aligns 3 series of 100k points in well under a second', () => {
    const mk = (offset: number) => ({
      xs: Array.from({ length: 100_000 }, (_, i) => i * 2 + offset),
      ys: Array.from({ length: 100_000 }, (_, i) => i),
    })
    const t0 = performance.now()
    const out = alignSeries([mk(0), mk(1), mk(0)])
    expect(out[0]).toHaveLength(200_000)
    expect(performance.now() - t0).toBeLessThan(1000)
  })
})

describe('scale cleaning and colours', () => {
  it('drops values a log axis cannot show', () => {
    expect(forLogScale([1, 0, -1, null, Number.POSITIVE_INFINITY, 0.5])).toEqual([1, null, null, null, null, 0.5])
  })
  it('drops non-finite values on a linear axis', () => {
    expect(finiteOrNull([0, -1, Number.NaN, null])).toEqual([0, -1, null, null])
  })
  it('cycles the palette', () => {
    expect(colorAt(0)).toBe(colorAt(10))
    expect(colorAt(1)).not.toBe(colorAt(0))
  })
})
