// Drift from two profiles against datasetDrift on the same raw data (itself checked against SciPy
// and Evidently in drift/scipy-parity tests): exact where the profile still holds every value or
// exact counts, within a stated tolerance where it comes from the KLL sketch, 'needs_raw_data'
// for the rank tests; profiles merged from shards give the same answers; JSON size does not grow
// with rows.

import { describe, expect, it } from 'vitest'
import {
  ColumnProfile,
  datasetDrift,
  DatasetProfile,
  profileDrift,
  ProfileFormatError,
  RAW_DATA_TESTS,
  type ColumnDriftOk,
  type ProfileColumnDriftOk,
  type StatTestName,
  type DriftTable,
  type Table,
} from '../src/index.js'
import { rng } from './support/python-oracle.js'

function table(n: number, seed: number, shift: number): Table {
  const r = rng(seed)
  const cats = ['a', 'b', 'c', 'd', 'e']
  return {
    normal: Float64Array.from({ length: n }, () => r.normal(shift, 1)),
    lognormal: Float64Array.from({ length: n }, () => Math.exp(r.normal(shift, 1))),
    with_missing: Array.from({ length: n }, (_, i) =>
      i % 17 === 0 ? null : i % 23 === 0 ? Number.NaN : i % 29 === 0 ? Infinity : r.normal(0, 1 + shift),
    ),
    ints: Array.from({ length: n }, () => Math.floor(r.uniform() * (50 + 10 * shift))),
    small_ints: Float64Array.from({ length: n }, () => Math.floor(r.uniform() * 4)),
    cat: r.pick(n, cats, [1, 2, 3, 4, 5 + 5 * shift]),
    ids: Array.from({ length: n }, () => `id-${Math.floor(r.uniform() * n * (1 + shift))}`),
    flag: Array.from({ length: n }, () => r.uniform() < 0.3 + shift / 10),
  }
}

const n = 40_000
const ref = table(n, 1, 0)
const cur = table(n, 2, 0.25)
const pRef = DatasetProfile.fromTable(ref)
const pCur = DatasetProfile.fromTable(cur)

/**
 * |sketched − exact| allowed per test where the bins/CDF come from a KLL sketch (k = 200). PSI and
 * KL take logs of bin shares, and Sturges' equal-width bins put shares of 1e-5 in the tails where
 * the sketch's additive rank error (~0.5% of n) dominates: they are the least accurate.
 */
const TOLERANCE: Partial<Record<StatTestName, number>> = {
  psi: 0.1,
  kl_div: 0.1,
  jensenshannon: 0.02,
  hellinger: 0.03,
  wasserstein: 0.02,
  ed: 0.02,
}

/** Misra–Gries counts with the untracked values as one category: merging categories only lowers these distances (data processing). */
function checkLowerBound(s: ProfileColumnDriftOk, exact: number): void {
  expect(s.approximation.source).toBe('frequent_items')
  if (s.distance !== undefined) expect(s.score, s.column).toBeLessThanOrEqual(exact + 1e-9)
}

function compare(test: StatTestName | undefined) {
  const a = profileDrift(pRef, pCur, test ? { test } : {})
  const b = datasetDrift(ref, cur, test ? { test } : {})
  return a.columns.map((c, i) => ({ sketch: c, exact: b.columns[i]! }))
}

describe('profileDrift against datasetDrift on the raw data', () => {
  it('default tests: same test per column, exact where counts are exact, within tolerance where sketched', () => {
    for (const { sketch, exact } of compare(undefined)) {
      expect(exact.status, exact.column).toBe('ok')
      expect(sketch.status, sketch.column).toBe('ok')
      const s = sketch as ProfileColumnDriftOk
      const e = exact as ColumnDriftOk
      expect(s.test, s.column).toBe(e.test)
      expect(s.featureType, s.column).toBe(e.featureType)
      expect([s.referenceRows, s.currentRows, s.referenceMissing, s.currentMissing]).toEqual([
        e.referenceRows,
        e.currentRows,
        e.referenceMissing,
        e.currentMissing,
      ])
      if (s.approximation.exact) expect(s.score, s.column).toBeCloseTo(e.score, 9)
      else if (s.column === 'ids') checkLowerBound(s, e.score)
      else {
        expect(Math.abs(s.score - e.score), `${s.column} ${s.test}`).toBeLessThanOrEqual(TOLERANCE[s.test]!)
        if (s.approximation.maxError !== undefined)
          expect(Math.abs(s.score - e.score)).toBeLessThanOrEqual(s.approximation.maxError)
      }
    }
    // which columns are exact: the categorical ones and the few-valued numeric ones; the continuous ones are sketched
    const kinds = Object.fromEntries(
      profileDrift(pRef, pCur).columns.map((c) => [c.column, c.status === 'ok' && c.approximation.exact]),
    )
    expect(kinds).toMatchObject({
      normal: false,
      lognormal: false,
      with_missing: false,
      ints: true,
      small_ints: true,
      cat: true,
      flag: true,
    })
  })

  it.each([
    'psi',
    'kl_div',
    'jensenshannon',
    'hellinger',
    'wasserstein',
    'ed',
    't_test',
    'chisquare',
    'z',
    'g_test',
  ] as StatTestName[])('%s: exact or within tolerance, or the same error as on the raw data', (test) => {
    for (const { sketch, exact } of compare(test)) {
      if (exact.status === 'error') {
        expect(sketch.status, `${test} ${sketch.column}`).toBe('error')
        continue
      }
      expect(sketch.status, `${test} ${sketch.column}: ${JSON.stringify(sketch)}`).toBe('ok')
      const s = sketch as ProfileColumnDriftOk
      const tol = s.approximation.exact ? 1e-9 * Math.max(1, Math.abs(exact.score)) : (TOLERANCE[test] ?? 0)
      if (s.approximation.source === 'frequent_items') {
        if (['psi', 'kl_div', 'jensenshannon', 'hellinger'].includes(test)) checkLowerBound(s, exact.score)
        continue
      }
      expect(
        Math.abs(s.score - exact.score),
        `${test} ${s.column} ${s.score} vs ${exact.score} (${s.approximation.source})`,
      ).toBeLessThanOrEqual(tol)
    }
  })

  it('rank tests need the raw data and say so for sketched columns; on exact columns they run', () => {
    for (const test of RAW_DATA_TESTS) {
      const res = profileDrift(pRef, pCur, { test, columns: ['normal', 'small_ints'] })
      expect(res.columns[0]!.status).toBe('error')
      if (res.columns[0]!.status === 'error') expect(res.columns[0]!.error.code).toBe('needs_raw_data')
      const exact = datasetDrift(ref, cur, { test, columns: ['small_ints'] }).columns[0]!
      const s = res.columns[1]!
      expect(s.status).toBe(exact.status)
      if (s.status === 'ok' && exact.status === 'ok') expect(s.score).toBeCloseTo(exact.score, 9)
    }
  })

  it('small windows keep their values: every test is exact (KS and Anderson included) but on high-cardinality strings', () => {
    const r = table(500, 3, 0)
    const c = table(400, 4, 0.5)
    const pr = DatasetProfile.fromTable(r)
    const pc = DatasetProfile.fromTable(c)
    for (const test of [undefined, 'ks', 'anderson', 'cramer_von_mises', 'mannw'] as const) {
      const a = profileDrift(pr, pc, test ? { test } : {})
      const b = datasetDrift(r, c, test ? { test } : {})
      a.columns.forEach((s, i) => {
        const e = b.columns[i]!
        expect(s.status, `${test} ${s.column}`).toBe(e.status)
        if (s.status === 'ok' && e.status === 'ok') {
          if (s.column === 'ids') return // 500 distinct strings: more than the 256 exact counters
          expect(s.approximation.exact, s.column).toBe(true)
          expect(s.score).toBeCloseTo(e.score, 12)
        }
      })
    }
  })

  it('a profile merged from shards (in any order) gives the same drift as the one-pass profile, within tolerance', () => {
    const shards = [0, 1, 2, 3].map((k) => {
      const part: Record<string, unknown> = {}
      for (const [name, col] of Object.entries(ref)) part[name] = col.slice((k * n) / 4, ((k + 1) * n) / 4)
      return DatasetProfile.fromTable(part as Table)
    })
    const merged = shards.reduceRight((acc, s) => acc.merge(s), new DatasetProfile())
    const viaJson = DatasetProfile.fromJSON(JSON.parse(JSON.stringify(merged)))
    expect(merged.rows).toBe(n)
    const one = profileDrift(pRef, pCur).columns
    for (const p of [merged, viaJson]) {
      profileDrift(p, pCur).columns.forEach((c, i) => {
        const o = one[i]!
        expect(c.status).toBe('ok')
        if (c.status !== 'ok' || o.status !== 'ok') return
        expect(c.referenceMissing).toBe(o.referenceMissing)
        if (c.approximation.exact) expect(c.score).toBeCloseTo(o.score, 9)
        else expect(Math.abs(c.score - o.score)).toBeLessThanOrEqual(2 * TOLERANCE[c.test]!)
      })
    }
  })

  it('edge cases give a result or an error per column, never a crash or NaN', () => {
    const r = {
      empty: [null, null, null],
      constant: [1, 1, 1],
      only_ref: [1, 2, 3],
      mixed: [1, 'a', true],
      inf: [Infinity, -Infinity, 1],
    } as Table
    const c = {
      empty: [null, Number.NaN],
      constant: [1, 1],
      mixed: ['a', 2],
      only_cur: ['x', 'y'],
      inf: [Number.NaN, 2],
    } as Table
    const res = profileDrift(DatasetProfile.fromTable(r), DatasetProfile.fromTable(c))
    const exact = datasetDrift(r, c)
    res.columns.forEach((col, i) => {
      expect(col.status).toBe(exact.columns[i]!.status)
      if (col.status === 'ok') expect(Number.isNaN(col.score)).toBe(false)
      else expect(col.error.code as string).toBe((exact.columns[i] as { error: { code: string } }).error.code)
    })
  })
})

describe('profile size and format', () => {
  it('JSON size does not grow with rows (10^4 against 10^6 rows)', () => {
    const sizes = [10_000, 1_000_000].map((rows) => {
      const r = rng(rows)
      const t: DriftTable = {
        normal: Float64Array.from({ length: rows }, () => r.normal()),
        heavy: Float64Array.from({ length: rows }, () => Math.tan(Math.PI * (r.uniform() - 0.5))),
        ints: Float64Array.from({ length: rows }, () => Math.floor(r.uniform() * 1000)),
        cat: {
          codes: Int32Array.from({ length: rows }, () => Math.floor(r.uniform() * 30)),
          dictionary: Array.from({ length: 30 }, (_, i) => `c${i}`),
        },
      }
      return JSON.stringify(DatasetProfile.fromTable(t)).length
    })
    expect(sizes[1]!).toBeLessThanOrEqual(1.25 * sizes[0]!)
    expect(sizes[1]!).toBeLessThan(40_000)
  }, 60_000)

  it('histogram and frequencies from a profile', () => {
    const p = ColumnProfile.fromColumn(Float64Array.from({ length: 10_000 }, (_, i) => i))
    const h = p.histogram([0, 2500, 5000, 10_000])
    expect(h.exact).toBe(false)
    const expected = [2500, 2500, 5000]
    h.counts.forEach((c, i) => {
      expect(Math.abs(c - expected[i]!)).toBeLessThanOrEqual(h.maxCountError)
    })
    const q = ColumnProfile.fromColumn(['x', 'y', 'x', null, 'z', 'x'])
    expect(q.frequencies()).toMatchObject({
      exact: true,
      n: 5,
      maxError: 0,
      items: [{ value: 'x', estimate: 3 }, { estimate: 1 }, { estimate: 1 }],
    })
    expect(q.nulls).toBe(1)
    expect(() =>
      DatasetProfile.fromJSON({
        kind: 'dataset_profile',
        v: 1,
        rows: 1,
        columns: { a: { kind: 'column_profile', v: 9 } },
      }),
    ).toThrow(ProfileFormatError)
  })
})
