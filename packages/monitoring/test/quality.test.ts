// Data quality: summary statistics checked against pandas (describe, nunique, value_counts) in the
// repo's Python environment, and each check on inputs built to trigger it or not.

import { describe, expect, it } from 'vitest'
import { dataQuality, summarizeColumn, type ColumnSummary, type RawValue } from '../src/index.js'
import { close, rng, runPython } from './support/python-oracle.js'

const g = rng(11)

/** Numbers as JSON can carry them: NaN and ±Infinity as strings the oracle turns back. */
const enc = (v: RawValue) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)

const ORACLE = `
import pandas as pd
SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
out = []
for case in read():
    vals = [SPECIAL.get(v, v) if isinstance(v, str) and case["numeric"] else v for v in case["values"]]
    s = pd.Series(vals, dtype="float64" if case["numeric"] else "object")
    r = {"rows": int(len(s)), "count": int(s.count()), "missing": int(s.isna().sum()), "distinct": int(s.nunique())}
    if case["numeric"]:
        r["infinite"] = int(np.isinf(s).sum())
        f = s.replace([np.inf, -np.inf], np.nan)
        d = f.describe()
        for k, name in [("mean", "mean"), ("std", "std"), ("min", "min"), ("q25", "25%"), ("median", "50%"), ("q75", "75%"), ("max", "max")]:
            v = d[name]
            r[k] = None if pd.isna(v) else float(v)
    else:
        vc = s.value_counts().head(case["top"])
        r["top"] = [{"value": str(k), "count": int(c)} for k, c in vc.items()]
    out.append(r)
write(out)
`

interface Expected {
  rows: number
  count: number
  missing: number
  distinct: number
  infinite?: number
  mean?: number | null
  std?: number | null
  min?: number | null
  q25?: number | null
  median?: number | null
  q75?: number | null
  max?: number | null
  top?: { value: string; count: number }[]
}

const numericCases: { name: string; values: number[] }[] = [
  { name: 'normal', values: g.normals(5000, 3, 2) },
  {
    name: 'with NaN and Infinity',
    values: [...g.normals(300, -1, 10), Number.NaN, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  },
  { name: 'integers', values: g.ints(999, -5, 40) },
  { name: 'one value', values: [4.25] },
  { name: 'constant', values: Array.from({ length: 50 }, () => 7) },
  { name: 'all NaN', values: [Number.NaN, Number.NaN, Number.NaN] },
  { name: 'large magnitudes', values: g.normals(2000, 1e9, 1e3) },
]
const categoricalCases: { name: string; values: RawValue[] }[] = [
  { name: 'strings with nulls', values: [...g.pick(2000, ['a', 'b', 'c', 'd', 'e'], [5, 4, 3, 2, 1]), null, null] },
  { name: 'single category', values: ['only', 'only', null, 'only'] },
  { name: 'many categories', values: g.ints(3000, 0, 400).map((i) => `cat-${i}`) },
]

describe('summary statistics against pandas', async () => {
  const expected = await runPython<Expected[]>(ORACLE, [
    ...numericCases.map((c) => ({ numeric: true, values: c.values.map(enc), top: 0 })),
    ...categoricalCases.map((c) => ({ numeric: false, values: c.values, top: 10 })),
  ])
  const check = (actual: ColumnSummary, want: Expected) => {
    expect(actual.rows).toBe(want.rows)
    expect(actual.count).toBe(want.count)
    expect(actual.missing).toBe(want.missing)
    expect(actual.distinct).toBe(want.distinct)
    if (want.infinite !== undefined) expect(actual.infinite).toBe(want.infinite)
    for (const k of ['mean', 'std', 'min', 'q25', 'median', 'q75', 'max'] as const) {
      if (!(k in want)) continue
      const w = want[k]
      const a = actual[k]
      if (w === null || w === undefined) expect(a, k).toBeNull()
      else expect(close(a!, w, 1e-9, 1e-9), `${k}: ${a} vs pandas ${w}`).toBe(true)
    }
    if (want.top) expect(actual.top).toEqual(want.top)
  }
  numericCases.forEach((c, i) => {
    it(`numeric: ${c.name} (plain array, Float64Array, and sorted: read without a copy)`, () => {
      check(summarizeColumn(c.values), expected[i]!)
      check(summarizeColumn(Float64Array.from(c.values)), expected[i]!)
      check(summarizeColumn(Float64Array.from(c.values).sort()), expected[i]!)
    })
  })
  categoricalCases.forEach((c, i) => {
    it(`categorical: ${c.name}`, () => check(summarizeColumn(c.values), expected[numericCases.length + i]!))
  })
})

describe('quality checks', () => {
  const finding = (r: ReturnType<typeof dataQuality>, check: string, column: string) =>
    r.findings.find((f) => f.check === check && f.column === column)

  it('schema: missing and unexpected columns, type changes', () => {
    const r = dataQuality(
      { a: [1, 2], b: ['x', 'y'], gone: [1, 2] },
      { a: ['1', '2'], b: ['x', 'y'], extra: [true, false] },
    )
    expect(r.schema.missingColumns).toEqual(['gone'])
    expect(r.schema.unexpectedColumns).toEqual(['extra'])
    expect(r.schema.typeChanges).toEqual([{ column: 'a', reference: 'numeric', current: 'string' }])
    expect(finding(r, 'missing_column', 'gone')?.severity).toBe('error')
    expect(finding(r, 'unexpected_column', 'extra')).toBeDefined()
    expect(finding(r, 'type_change', 'a')).toBeDefined()
    expect(finding(r, 'type_change', 'b')).toBeUndefined()
  })

  it('null share: above the tolerance only', () => {
    const ref = { x: Array.from({ length: 100 }, (_, i) => (i < 2 ? null : i)) }
    const r = dataQuality(ref, { x: Array.from({ length: 100 }, (_, i) => (i < 20 ? null : i)) })
    expect(r.columns[0]!.referenceNullShare).toBe(0.02)
    expect(r.columns[0]!.currentNullShare).toBe(0.2)
    expect(finding(r, 'null_share', 'x')?.value).toBe(0.2)
    expect(
      finding(dataQuality(ref, { x: Array.from({ length: 100 }, (_, i) => (i < 5 ? null : i)) }), 'null_share', 'x'),
    ).toBeUndefined()
  })

  it("out of range: current values outside the reference's [min, max], over non-missing values", () => {
    const ref = { x: Float64Array.from({ length: 100 }, (_, i) => i + 0.5) } // 0.5 .. 99.5
    const cur = { x: Float64Array.from([0.5, 99.5, 100, -1, 50, Number.NaN, Number.POSITIVE_INFINITY, 20, 30, 40]) }
    const r = dataQuality(ref, cur)
    // 9 non-missing values (Infinity counts as a value out of range), 3 out of range: 100, -1, Infinity
    expect(r.columns[0]!.outOfRange).toEqual({ count: 3, share: 3 / 9, referenceMin: 0.5, referenceMax: 99.5 })
    expect(finding(r, 'out_of_range', 'x')).toBeDefined()
    expect(finding(dataQuality(ref, { x: Float64Array.from([1, 2, 3]) }), 'out_of_range', 'x')).toBeUndefined()
  })

  it('new and missing categories, with the share of rows they hold', () => {
    const r = dataQuality({ c: ['a', 'a', 'b', 'c'] }, { c: ['a', 'd', 'd', 'e', null] })
    const q = r.columns[0]!
    expect(q.newCategories).toEqual({ count: 2, share: 3 / 4, values: ['d', 'e'] })
    expect(q.missingCategories).toEqual({ count: 2, share: 2 / 4, values: ['b', 'c'] })
    expect(finding(r, 'new_categories', 'c')).toBeDefined()
    expect(finding(r, 'missing_categories', 'c')).toBeDefined()
  })

  it('constant and all-null columns are named per dataset', () => {
    const r = dataQuality({ k: [3, 3, 3], n: [1, 2, 3] }, { k: [3, 4, 5], n: [null, null, Number.NaN] })
    expect(finding(r, 'constant_column', 'k')?.dataset).toBe('reference')
    expect(r.findings.filter((f) => f.check === 'constant_column' && f.dataset === 'current')).toEqual([])
    expect(finding(r, 'all_null', 'n')?.dataset).toBe('current')
    expect(r.columns[1]!.current!.mean).toBeNull()
  })

  it('no finding on identical data', () => {
    const t = { x: g.normals(200), c: g.pick(200, ['u', 'v', 'w']) }
    expect(dataQuality(t, t).findings).toEqual([])
  })
})
