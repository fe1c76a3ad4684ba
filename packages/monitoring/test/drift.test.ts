// Column and dataset drift: Evidently's selection rules, overrides, and the inputs that must give a
// clear per-column result or error (never a crash, never a silent NaN).

import { describe, expect, it } from 'vitest'
import { columnDrift, datasetDrift, inferFeatureType, type ColumnDriftResult } from '../src/index.js'
import { rng } from './support/python-oracle.js'

const g = rng(5)

function ok(r: ColumnDriftResult) {
  if (r.status !== 'ok') throw new Error(`expected a result, got ${r.error.code}: ${r.error.message}`)
  expect(Number.isNaN(r.score)).toBe(false)
  return r
}

describe('default tests', () => {
  it('numeric, <= 1000 reference rows: ks; > 1000: wasserstein', () => {
    expect(ok(columnDrift('x', g.normals(1000), g.normals(50))).test).toBe('ks')
    expect(ok(columnDrift('x', g.normals(1001), g.normals(50))).test).toBe('wasserstein')
  })
  it('few distinct numeric values: chisquare / z below 1000 rows, jensenshannon above', () => {
    expect(
      ok(
        columnDrift(
          'x',
          g.normals(10).map((x) => (x > 0 ? 1.5 : 2.5)),
          [1.5, 2.5, 3.5],
          { featureType: 'num' },
        ),
      ).test,
    ).toBe('chisquare')
    expect(ok(columnDrift('x', [0.5, 1.5, 0.5], [1.5, 0.5], { featureType: 'num' })).test).toBe('z')
    expect(
      ok(
        columnDrift(
          'x',
          g.ints(2000, 0, 3).map((x) => x + 0.5),
          g.ints(100, 0, 3).map((x) => x + 0.5),
        ),
      ).test,
    ).toBe('jensenshannon')
  })
  it('categorical: z for two values, chisquare for more, jensenshannon above 1000 rows', () => {
    expect(ok(columnDrift('c', g.pick(100, ['a', 'b']), g.pick(100, ['a', 'b']))).test).toBe('z')
    expect(ok(columnDrift('c', g.pick(100, ['a', 'b', 'c']), g.pick(100, ['a', 'b']))).test).toBe('chisquare')
    expect(ok(columnDrift('c', g.pick(1001, ['a', 'b']), g.pick(100, ['a', 'b']))).test).toBe('jensenshannon')
  })
  it('column types as Evidently infers them', () => {
    expect(inferFeatureType([1, 2, 3, 2, 1], [1, 2])).toBe('cat') // integer-typed, <= 5 values
    expect(inferFeatureType([1, 2, 3, 4, 5, 6], [1])).toBe('num')
    expect(inferFeatureType([1, 2, null, 3], [1])).toBe('num') // a missing value makes pandas' dtype float
    expect(inferFeatureType([0.5, 1.5], [0.5])).toBe('num')
    expect(inferFeatureType([true, false], [true])).toBe('cat')
    expect(inferFeatureType(['a', 1], ['b'])).toBe('cat')
  })
})

describe('overrides', () => {
  it('per-column test and threshold', () => {
    const r = ok(columnDrift('x', g.normals(300), g.normals(300, 0.2), { test: 'psi', threshold: 0.5 }))
    expect(r.test).toBe('psi')
    expect(r.threshold).toBe(0.5)
    expect(r.defaultTest).toBe(false)
  })
  it('a test that does not apply to the column type is an error', () => {
    const r = columnDrift('c', ['a', 'b', 'c'], ['a'], { test: 'ks' })
    expect(r.status).toBe('error')
    if (r.status === 'error') expect(r.error.code).toBe('test_not_applicable')
  })
  it('an unknown test name is an error', () => {
    const r = columnDrift('x', [1, 2], [1, 2], { test: 'nope' as never })
    expect(r.status === 'error' && r.error.code).toBe('unknown_test')
  })
})

describe('robustness: a result or an error per column', () => {
  it('empty samples', () => {
    const r = columnDrift('x', [], [1, 2, 3])
    expect(r.status === 'error' && r.error.code).toBe('empty_reference')
    const c = columnDrift('x', [1, 2, 3], [])
    expect(c.status === 'error' && c.error.code).toBe('empty_current')
  })
  it('all-null columns', () => {
    const r = columnDrift('x', [null, undefined, Number.NaN], [1, 2])
    expect(r.status === 'error' && r.error.code).toBe('empty_reference')
    expect(r.referenceMissing).toBe(3)
  })
  it('NaN and ±Infinity are dropped and counted as missing', () => {
    const ref = [...g.normals(200), Number.NaN, Number.POSITIVE_INFINITY, null]
    const cur = [...g.normals(200), Number.NEGATIVE_INFINITY]
    const r = ok(columnDrift('x', ref, cur))
    expect(r.referenceMissing).toBe(3)
    expect(r.currentMissing).toBe(1)
    const f = ok(
      columnDrift('x', Float64Array.from(ref.map((v) => (v === null ? Number.NaN : v))), Float64Array.from(cur)),
    )
    expect(f.score).toBe(r.score)
  })
  it('a single category on both sides: z gives p = 1, no drift', () => {
    const r = ok(columnDrift('c', ['a', 'a', 'a'], ['a', 'a']))
    expect(r.test).toBe('z')
    expect(r.pValue).toBe(1)
    expect(r.drifted).toBe(false)
  })
  it('a single category with chisquare is a clear error', () => {
    const r = columnDrift('c', ['a', 'a'], ['a'], { test: 'chisquare' })
    expect(r.status === 'error' && r.error.message).toMatch(/at least 2 categories/)
  })
  it('constant numeric columns', () => {
    const same = ok(columnDrift('x', Array(2000).fill(4.5), Array(300).fill(4.5), { featureType: 'num' }))
    expect(same.drifted).toBe(false)
    const moved = ok(columnDrift('x', Array(2000).fill(4.5), Array(300).fill(5.5), { featureType: 'num' }))
    expect(moved.drifted).toBe(true)
    for (const test of [
      'ks',
      'wasserstein',
      'psi',
      'jensenshannon',
      'kl_div',
      'hellinger',
      'ed',
      'cramer_von_mises',
      'mannw',
    ] as const) {
      const r = columnDrift('x', Array(50).fill(1), Array(40).fill(1), { featureType: 'num', test })
      if (r.status === 'ok') expect(Number.isNaN(r.score), test).toBe(false)
      else expect(r.error.message.length, test).toBeGreaterThan(0)
    }
    const t = columnDrift('x', Array(50).fill(1), Array(40).fill(1), { featureType: 'num', test: 't_test' })
    expect(t.status === 'error' && t.error.message).toMatch(/constant/)
    const ad = columnDrift('x', Array(50).fill(1), Array(40).fill(1), { featureType: 'num', test: 'anderson' })
    expect(ad.status === 'error' && ad.error.message).toMatch(/distinct/)
  })
  it('strings in a column forced numeric are an error', () => {
    const r = columnDrift('x', [1, 'a'], [1, 2], { featureType: 'num' })
    expect(r.status === 'error' && r.error.code).toBe('not_numeric')
  })
  it('columns missing on one side', () => {
    const res = datasetDrift({ a: [1, 2, 3], b: ['x', 'y'] }, { a: [1, 2, 3], c: [1] })
    const byName = Object.fromEntries(res.columns.map((c) => [c.column, c]))
    expect(byName.a!.status).toBe('ok')
    expect(byName.b!.status === 'error' && byName.b!.error.code).toBe('missing_in_current')
    expect(byName.c!.status === 'error' && byName.c!.error.code).toBe('missing_in_reference')
    expect(res.numberOfErrors).toBe(2)
    expect(res.numberOfColumns).toBe(1)
  })
})

describe('dataset drift', () => {
  it('share of drifted columns >= 0.5 (Evidently default), configurable', () => {
    const ref = { a: g.normals(500), b: g.normals(500), c: g.normals(500), d: g.pick(500, ['x', 'y', 'z']) }
    // c and d unchanged (the same values), a and b shifted by two standard deviations
    const cur = { a: g.normals(500, 2), b: g.normals(500, 2), c: ref.c.slice(), d: ref.d.slice() }
    const res = datasetDrift(ref, cur)
    expect(res.numberOfColumns).toBe(4)
    expect(res.numberOfDriftedColumns).toBe(2)
    expect(res.shareOfDriftedColumns).toBe(0.5)
    expect(res.datasetDrift).toBe(true)
    expect(datasetDrift(ref, cur, { driftShare: 0.75 }).datasetDrift).toBe(false)
    const only = datasetDrift(ref, cur, { columns: ['c', 'd'] })
    expect(only.columns.map((c) => c.column)).toEqual(['c', 'd'])
    expect(only.datasetDrift).toBe(false)
  })
  it('no comparable column: no dataset drift, every column explained', () => {
    const res = datasetDrift({ a: [null] }, { a: [null] })
    expect(res.datasetDrift).toBe(false)
    expect(res.columns[0]!.status).toBe('error')
  })
})
