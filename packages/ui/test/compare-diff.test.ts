/** The compare page's pure parts: the diff table, best values, axes and scales. */
import { describe, expect, it } from 'vitest'
import {
  type ComparedRun,
  axisRef,
  bestOf,
  diffRows,
  differingParams,
  lowerIsBetter,
  parseAxis,
} from '../src/compare/diff.js'
import { makeScale, niceTicks, rampColor } from '../src/compare/scale.js'

const run = (
  id: string,
  params: Record<string, string>,
  metrics: Record<string, number>,
  tags: Record<string, string> = {},
): ComparedRun => ({ id, name: id, params, metrics, tags })

describe('diffRows', () => {
  const runs = [
    run('a', { lr: '0.1', depth: '3' }, { loss: 0.5, acc: 0.8 }, { team: 'x' }),
    run('b', { lr: '0.01', depth: '3' }, { loss: 0.3, acc: 0.9 }, { team: 'x' }),
    run('c', { lr: '0.1' }, { loss: 0.4 }),
  ]
  const rows = diffRows(runs)
  const row = (kind: string, key: string) => rows.find((r) => r.kind === kind && r.key === key)!

  it('has one row per param, metric and tag key, in that order', () => {
    expect(rows.map((r) => `${r.kind}:${r.key}`)).toEqual([
      'param:depth',
      'param:lr',
      'metric:acc',
      'metric:loss',
      'tag:team',
    ])
  })
  it('marks rows whose values differ (a missing value differs)', () => {
    expect(row('param', 'lr').differs).toBe(true)
    expect(row('param', 'depth').differs).toBe(true)
    expect(row('tag', 'team').differs).toBe(true)
    expect(diffRows([run('a', { k: '1' }, {}), run('b', { k: '1' }, {})])[0]!.differs).toBe(false)
  })
  it('finds the best value per metric: lowest loss, highest accuracy', () => {
    expect(row('metric', 'loss').best).toEqual([1])
    expect(row('metric', 'acc').best).toEqual([1])
    expect(lowerIsBetter('val_loss')).toBe(true)
    expect(lowerIsBetter('rmse')).toBe(true)
    expect(lowerIsBetter('f1')).toBe(false)
  })
  it('has no best when all runs tie, and ignores missing and non-finite values', () => {
    expect(bestOf([1, 1], false)).toEqual([])
    expect(bestOf([undefined, Number.NaN, 2, 3], true)).toEqual([2])
    expect(bestOf([undefined, undefined], true)).toEqual([])
  })
  it('lists the params that differ', () => {
    expect(differingParams(runs)).toEqual(['depth', 'lr'])
  })
})

describe('axes and scales', () => {
  it('round-trips axis references', () => {
    expect(parseAxis('metric:val/loss:x')).toEqual({ kind: 'metric', key: 'val/loss:x' })
    expect(axisRef({ kind: 'param', key: 'lr' })).toBe('param:lr')
    expect(parseAxis('bogus')).toBeUndefined()
    expect(parseAxis(null)).toBeUndefined()
  })
  it('makes numeric scales with nice ticks', () => {
    const s = makeScale(['0.1', '0.01', 0.05, undefined], String)
    expect(s.kind).toBe('numeric')
    expect(s.at('0.01')).toBe(0)
    expect(s.at(0.1)).toBe(1)
    expect(s.at(undefined)).toBeUndefined()
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(3, 3)).toEqual([3])
  })
  it('makes categorical scales when any value is not a number', () => {
    const s = makeScale(['adam', 'sgd', 'adam', '1'], String)
    expect(s.kind).toBe('categorical')
    expect(s.ticks.map((t) => t.value)).toEqual(['1', 'adam', 'sgd'])
    expect(s.at('adam')).toBe(0.5)
    expect(s.at('rmsprop')).toBeUndefined()
  })
  it('pads a numeric scale of one value', () => {
    const s = makeScale([5, 5], String)
    expect(s.at(5)).toBe(0.5)
  })
  it('ramps colours', () => {
    expect(rampColor(0)).toBe('rgb(49, 54, 149)')
    expect(rampColor(1)).toBe('rgb(200, 120, 0)')
  })
})

describe('log axes', () => {
  it('uses a log scale for positive values spanning 100× or more, with ticks at powers of ten', () => {
    const s = makeScale(['0.1', '0.01', '0.001'], String)
    expect(s.log).toBe(true)
    expect(s.at('0.01')).toBeCloseTo(0.5, 12)
    expect(s.ticks.map((t) => t.value)).toEqual(['0.001', '0.01', '0.1'])
    expect(makeScale([1, 50], String).log).toBe(false)
    expect(makeScale([-1, 500], String).log).toBe(false)
  })
})
