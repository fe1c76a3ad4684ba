// The drift report's fast paths give the report of the plain path, value for value: numeric
// columns sorted beforehand (sortNaNLast, sortFloat64ColumnsAsync) instead of sorted by the report,
// categorical columns as dictionary columns (codes) instead of arrays of strings, and
// buildDriftReportAsync (drift on the worker pool, quality on this thread) instead of
// buildDriftReport.

import { afterAll, describe, expect, it } from 'vitest'
import {
  buildDriftReport,
  buildDriftReportAsync,
  closeDriftWorkers,
  DriftReportInputError,
  sortFloat64ColumnsAsync,
  isSortedNaNLast,
  sortNaNLast,
  summarizeColumn,
  type DictionaryColumn,
  type DriftTable,
  type RawValue,
} from '../src/index.js'
import { rng } from './support/python-oracle.js'

const g = rng(41)
const createdAt = new Date('2026-12-07T00:00:00Z')

/** Numbers with NaN, ±Infinity, -0 and ties; strings with nulls; booleans; integers (categorical). */
function table(n: number, shift: number): Record<string, Float64Array | RawValue[]> {
  const x = Float64Array.from(g.normals(n, shift, 1))
  for (let i = 0; i < n; i += 37) x[i] = Number.NaN
  x[5] = Number.POSITIVE_INFINITY
  x[6] = Number.NEGATIVE_INFINITY
  x[7] = -0
  x[8] = 0
  const city = g.pick(n, ['Paris', 'Lyon', 'Nice', null, 'Lille'], [4, 3, 2, 1, 1 + shift]) as RawValue[]
  return {
    x,
    skewed: Float64Array.from(g.normals(n, 0, 1), (v) => Math.exp(v + shift)),
    ints: Float64Array.from(g.ints(n, 0, 3)),
    ties: Float64Array.from(g.ints(n, 0, 40), (v) => v / 4),
    city,
    flag: g.pick(n, [true, false, null], [5, 4, 1]) as RawValue[],
    only_ref: shift === 0 ? Float64Array.from(g.normals(n)) : Float64Array.from(g.normals(n, 1)),
  }
}

/** Arrays of cells as dictionary columns (codes into the distinct values, -1 for null). */
function coded(t: Record<string, Float64Array | RawValue[]>): DriftTable {
  const out: Record<string, Float64Array | DictionaryColumn> = {}
  for (const [name, col] of Object.entries(t)) {
    if (col instanceof Float64Array) {
      out[name] = col
      continue
    }
    const dictionary = [...new Set(col.filter((v) => v !== null))].sort()
    const index = new Map(dictionary.map((v, i) => [v, i]))
    out[name] = { codes: Int32Array.from(col, (v) => (v === null ? -1 : index.get(v)!)), dictionary }
  }
  return out
}

function sortedCopy(t: DriftTable): DriftTable {
  const out: Record<string, DriftTable[string]> = {}
  for (const [name, col] of Object.entries(t)) {
    if (col instanceof Float64Array) {
      const copy = Float64Array.from(col)
      sortNaNLast(copy)
      out[name] = copy
    } else out[name] = col
  }
  return out
}

const reference = table(20_000, 0)
const current = table(15_000, 0.3)
delete (current as Record<string, unknown>).only_ref
const options = { createdAt, featureTypes: { x: 'num' as const } }
const plain = JSON.stringify(buildDriftReport(reference, current, options))

afterAll(closeDriftWorkers)

describe('report fast paths', () => {
  it('sortNaNLast gives Float64Array.prototype.sort order (NaN last, -0 before +0)', () => {
    for (const col of Object.values(reference)) {
      if (!(col instanceof Float64Array)) continue
      const a = Float64Array.from(col)
      sortNaNLast(a)
      const b = Float64Array.from(col).sort()
      expect(Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(
        Array.from(b, (v) => (Object.is(v, -0) ? '-0' : String(v))),
      )
    }
  })

  it('sortFloat64ColumnsAsync sorts on the workers: shared columns in place, others as sorted copies', async () => {
    const own = new Float64Array(new SharedArrayBuffer(8 * 5))
    own.set([3, Number.NaN, -1, 2, -0])
    const plainArray = Float64Array.from([5, 1, Number.NaN, 4])
    const [a, b] = await sortFloat64ColumnsAsync([own, plainArray])
    expect(a).toBe(own)
    expect(Array.from(own)).toEqual([-1, -0, 2, 3, Number.NaN])
    expect(Array.from(b!)).toEqual([1, 4, 5, Number.NaN])
    expect(Array.from(plainArray)).toEqual([5, 1, Number.NaN, 4])
  })

  it('presorted numeric columns give the same report', () => {
    expect(JSON.stringify(buildDriftReport(sortedCopy(reference), sortedCopy(current), options))).toBe(plain)
  })

  it('a report marks its sorted columns only while it runs', async () => {
    const column = Float64Array.from([Number.NEGATIVE_INFINITY, 1, 2, 3, Number.POSITIVE_INFINITY, Number.NaN])
    const other = Float64Array.from([0, 1, 2, 3, 4, 5])
    buildDriftReport({ x: column }, { x: other }, {})
    await buildDriftReportAsync({ x: column }, { x: other }, { workers: 0 })
    column.set([3, Number.NaN, 1, Number.NEGATIVE_INFINITY, 2, 5])
    expect(isSortedNaNLast(column)).toBe(false)
    expect(summarizeColumn(column)).toMatchObject({ missing: 1, infinite: 1, min: 1, max: 5 })
  })

  it('dictionary columns give the same report as arrays of cells', () => {
    expect(JSON.stringify(buildDriftReport(coded(reference), coded(current), options))).toBe(plain)
  })

  it('buildDriftReportAsync gives the same report, on any input form', async () => {
    expect(JSON.stringify(await buildDriftReportAsync(reference, current, options))).toBe(plain)
    const fast = await buildDriftReportAsync(sortedCopy(coded(reference)), sortedCopy(coded(current)), options)
    expect(JSON.stringify(fast)).toBe(plain)
  })

  it('a dictionary of numbers is read as the numbers it stands for', () => {
    const numbers = { codes: Int32Array.from(reference.ints as Float64Array), dictionary: [0, 1, 2, 3] }
    const cur = { codes: Int32Array.from(current.ints as Float64Array), dictionary: [0, 1, 2, 3] }
    const a = buildDriftReport({ ints: numbers }, { ints: cur }, { createdAt })
    const b = buildDriftReport({ ints: reference.ints! }, { ints: current.ints! }, { createdAt })
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
  })

  it('buildDriftReportAsync refuses what buildDriftReport refuses', async () => {
    const bad = { ...options, tests: { city: 'ks' } }
    expect(() => buildDriftReport(reference, current, bad)).toThrow(DriftReportInputError)
    await expect(buildDriftReportAsync(reference, current, bad)).rejects.toThrow(DriftReportInputError)
    await expect(buildDriftReportAsync({}, current, options)).rejects.toThrow(/no columns/)
  })
})
