// The drift report: what it holds (drift from datasetDrift, quality, bounded histograms), the input
// it refuses, the edge cases that must give a per-column result or error (never NaN), and a size
// that does not grow with rows or distinct values.

import { describe, expect, it } from 'vitest'
import {
  buildDriftReport,
  datasetDrift,
  DriftReportInputError,
  renderHtmlReport,
  type DriftReport,
  type RawValue,
  type Table,
} from '../src/index.js'
import { rng } from './support/python-oracle.js'

const g = rng(23)

function mixed(n: number, shift = 0): Table {
  return {
    age: Float64Array.from(g.normals(n, 40 + shift, 10)),
    income: Float64Array.from(g.normals(n, 5e4, 1e4)),
    city: g.pick(n, ['Paris', 'Lyon', 'Nice', 'Lille'], [4, 3, 2, 1 + shift]),
    clicks: Float64Array.from(g.ints(n, 0, 3)),
  }
}

/** Every number in the report, with its path. */
function numbers(x: unknown, path = '', out: [string, number][] = []): [string, number][] {
  if (typeof x === 'number') out.push([path, x])
  else if (Array.isArray(x))
    x.forEach((v, i) => {
      numbers(v, `${path}[${i}]`, out)
    })
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) numbers(v, `${path}.${k}`, out)
  return out
}

describe('report contents', () => {
  const reference = mixed(3000)
  const current = mixed(2000, 3)
  const report = buildDriftReport(reference, current, {
    referenceName: 'train.csv',
    currentName: 'week.csv',
    thresholds: { age: 0.2 },
  })

  it('holds the drift that datasetDrift computes, per column and for the dataset', () => {
    const direct = datasetDrift(reference, current, { perColumn: { age: { threshold: 0.2 } } })
    expect(report.columns.map((c) => c.drift)).toEqual(direct.columns)
    const { columns: _c, ...summary } = direct
    expect(report.drift).toEqual(summary)
    expect(report.reference).toEqual({ name: 'train.csv', rows: 3000, columns: 4 })
    expect(report.options.thresholds).toEqual([{ column: 'age', threshold: 0.2 }])
  })

  it('numeric histograms: shared edges, bounded bins, every finite value counted once', () => {
    const h = report.columns[0]!.histogram!
    expect(h.kind).toBe('numeric')
    if (h.kind !== 'numeric') return
    expect(h.edges.length).toBe(h.reference.length + 1)
    expect(h.reference.length).toBeLessThanOrEqual(40)
    for (let i = 1; i < h.edges.length; i++) expect(h.edges[i]!).toBeGreaterThan(h.edges[i - 1]!)
    expect(h.reference.reduce((a, b) => a + b, 0)).toBe(3000)
    expect(h.current.reduce((a, b) => a + b, 0)).toBe(2000)
    const age = reference.age as Float64Array
    expect(h.edges[0]).toBe(Math.min(...age, ...(current.age as Float64Array)))
  })

  it('categorical histograms: top categories and the rest as "other"', () => {
    const many: Table = { c: g.ints(5000, 0, 999).map((i) => `v${i}`) }
    const r = buildDriftReport(many, { c: g.ints(4000, 0, 999).map((i) => `v${i}`) })
    const h = r.columns[0]!.histogram!
    if (h.kind !== 'categorical') throw new Error('expected categorical')
    expect(h.categories.length).toBe(20)
    expect(h.totalCategories).toBe(1000)
    expect(h.reference.reduce((a, b) => a + b, 0) + h.referenceOther).toBe(5000)
    expect(h.current.reduce((a, b) => a + b, 0) + h.currentOther).toBe(4000)
    const city = report.columns[2]!.histogram!
    expect(city.kind === 'categorical' && city.categories.sort()).toEqual(['Lille', 'Lyon', 'Nice', 'Paris'])
  })

  it('is plain JSON: it survives a round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })
})

describe('input no report can come from', () => {
  const t: Table = { a: [1, 2, 3], c: ['x', 'y', 'x'] }
  const refused = (f: () => unknown, message: RegExp) => {
    expect(f).toThrow(DriftReportInputError)
    expect(f).toThrow(message)
  }
  it('names the problem', () => {
    refused(() => buildDriftReport(t, t, { columns: ['a', 'nope'] }), /unknown column 'nope'/)
    refused(() => buildDriftReport(t, t, { tests: { zz: 'psi' } }), /unknown column 'zz' in tests/)
    refused(() => buildDriftReport(t, t, { thresholds: { zz: 0.1 } }), /unknown column 'zz' in thresholds/)
    refused(() => buildDriftReport(t, t, { tests: { a: 'bogus' } }), /unknown drift test 'bogus'/)
    refused(() => buildDriftReport(t, t, { tests: { c: 'ks' } }), /ks does not apply to categorical column 'c'/)
    refused(() => buildDriftReport(t, t, { thresholds: { a: Number.NaN } }), /threshold for column 'a'/)
    refused(() => buildDriftReport(t, t, { driftShare: 2 }), /drift_share/)
    refused(() => buildDriftReport({ a: [] }, t), /reference dataset is empty/)
    refused(() => buildDriftReport(t, {}), /current dataset has no columns/)
    refused(() => buildDriftReport({ a: [1, 2], b: [1] }, t), /differ in length/)
  })
})

describe('edge cases: a result or an error per column, never NaN', () => {
  const n = 200
  const reference: Table = {
    all_null: Array.from({ length: n }, () => null),
    one_category: Array.from({ length: n }, () => 'same'),
    constant: Float64Array.from({ length: n }, () => 2.5),
    with_inf: Float64Array.from(
      g.normals(n).map((v, i) => (i % 10 === 0 ? Number.POSITIVE_INFINITY : i % 7 === 0 ? Number.NaN : v)),
    ),
    becomes_text: Float64Array.from(g.normals(n)),
    only_in_reference: Float64Array.from(g.normals(n)),
  }
  const current: Table = {
    all_null: Array.from({ length: n }, () => null),
    one_category: Array.from({ length: n }, () => 'same'),
    constant: Float64Array.from({ length: n }, () => 2.5),
    with_inf: Float64Array.from(g.normals(n, 0.5).map((v, i) => (i % 9 === 0 ? Number.NEGATIVE_INFINITY : v))),
    becomes_text: g.pick(n, ['a', 'b']) as RawValue[],
    only_in_current: g.pick(n, ['u']),
  }
  const report: DriftReport = buildDriftReport(reference, current)
  const col = (name: string) => report.columns.find((c) => c.column === name)!

  it('never puts a NaN in the report', () => {
    expect(numbers(report).filter(([, v]) => Number.isNaN(v))).toEqual([])
  })
  it('all-null columns: an error naming the column, and a finding', () => {
    const d = col('all_null').drift
    expect(d.status === 'error' && d.error.code).toBe('empty_reference')
    expect(report.quality.findings.some((f) => f.check === 'all_null' && f.column === 'all_null')).toBe(true)
  })
  it('a single category and a constant column compare without drift', () => {
    for (const name of ['one_category', 'constant']) {
      const d = col(name).drift
      expect(d.status === 'ok' && !d.drifted, name).toBe(true)
    }
    expect(
      report.quality.findings
        .filter((f) => f.check === 'constant_column')
        .map((f) => f.column)
        .sort(),
    ).toEqual(['constant', 'constant', 'one_category', 'one_category', 'only_in_current'])
  })
  it('NaN and Infinity are dropped from the test and counted', () => {
    const d = col('with_inf').drift
    expect(d.status).toBe('ok')
    expect(d.referenceMissing).toBe(20 + 26) // every 10th is Infinity (20), every other 7th NaN (29 - 3)
    expect(col('with_inf').quality.reference!.missing).toBe(26)
    expect(col('with_inf').quality.reference!.infinite).toBe(20)
  })
  it('mismatched schemas: missing, unexpected and retyped columns', () => {
    expect(col('only_in_reference').drift.status === 'error' && col('only_in_reference').drift).toMatchObject({
      error: { code: 'missing_in_current' },
    })
    expect(col('only_in_current').drift).toMatchObject({ status: 'error', error: { code: 'missing_in_reference' } })
    expect(report.quality.schema.typeChanges).toEqual([
      { column: 'becomes_text', reference: 'numeric', current: 'string' },
    ])
    expect(col('becomes_text').drift.status).toBe('ok') // compared as categories, as Evidently would
  })
  it('renders to HTML', () => {
    const html = renderHtmlReport(report)
    expect(html).toContain('only_in_current')
    expect(html).not.toMatch(/>NaN</)
  })
})

describe('size', () => {
  const wide = (rows: number): { reference: Table; current: Table } => {
    const reference: Record<string, Float64Array | RawValue[]> = {}
    const current: Record<string, Float64Array | RawValue[]> = {}
    for (let c = 0; c < 100; c++) {
      if (c % 4 === 3) {
        // high-cardinality text: Evidently's 100 MB reports come from columns like this
        reference[`c${c}`] = g.ints(rows, 0, rows).map((i) => `user-${i}-${'x'.repeat(50)}`)
        current[`c${c}`] = g.ints(rows, 0, rows).map((i) => `user-${i}-${'x'.repeat(50)}`)
      } else {
        reference[`c${c}`] = Float64Array.from(g.normals(rows, c))
        current[`c${c}`] = Float64Array.from(g.normals(rows, c + 0.1))
      }
    }
    return { reference, current }
  }
  const sizes = (rows: number) => {
    const { reference, current } = wide(rows)
    const report = buildDriftReport(reference, current, {
      tests: Object.fromEntries(Object.keys(reference).map((c, i) => [c, i % 4 === 3 ? 'jensenshannon' : 'psi'])),
    })
    return { json: JSON.stringify(report).length, html: renderHtmlReport(report).length }
  }

  it('100 columns: a few hundred KB, and no bigger at 50x the rows', () => {
    const small = sizes(100)
    const big = sizes(5_000)
    expect(big.html).toBeLessThan(400_000)
    expect(big.json).toBeLessThan(400_000)
    expect(big.html / small.html).toBeLessThan(1.15)
    expect(big.json / small.json).toBeLessThan(1.15)
  }, 60_000)
})
