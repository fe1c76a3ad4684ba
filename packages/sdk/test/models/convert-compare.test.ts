/** The conversion's check (compare.ts): labels exactly, numbers within the tolerance, and the report of what differs. */
import { describe, expect, it } from 'vitest'
import {
  type CheckedRows,
  MAX_DIFFERENCES,
  comparePredictions,
  describeDifferences,
  withinTolerance,
} from '../../src/models/convert/compare.js'

const set = (
  original: CheckedRows['original'],
  converted: CheckedRows['converted'],
  source = 'the input example',
): CheckedRows => ({
  source,
  input: original.values.map((_, i) => ({ x: i })),
  original,
  converted,
})

describe('comparePredictions', () => {
  it('passes identical labels and probabilities within the tolerance, reporting the largest difference', () => {
    const check = comparePredictions(
      [
        set(
          {
            values: [0, 2],
            probabilities: [
              [0.9, 0.1, 0],
              [0, 0.25, 0.75],
            ],
          },
          {
            values: [0, 2],
            probabilities: [
              [0.9000001, 0.0999999, 0],
              [0, 0.25, 0.75],
            ],
          },
        ),
      ],
      'classification',
      1e-5,
    )
    expect(check).toMatchObject({ rows: 2, compared: ['labels', 'probabilities'], mismatchedRows: 0, differences: [] })
    expect(check.maxAbsDiff).toBeCloseTo(1e-7, 12)
  })

  it('a label that differs is a mismatch whatever the tolerance; a boolean label equals its 0/1', () => {
    const check = comparePredictions(
      [set({ values: ['setosa', 'virginica', true] }, { values: ['setosa', 'versicolor', 1] })],
      'classification',
      1,
    )
    expect(check).toMatchObject({ compared: ['labels'], mismatchedRows: 1, maxAbsDiff: 0 })
    expect(check.differences).toEqual([
      {
        source: 'the input example',
        row: 1,
        input: { x: 1 },
        what: 'label',
        original: 'virginica',
        converted: 'versicolor',
      },
    ])
  })

  it('compares values relative and absolute (numpy isclose, the original as reference); a [N, 1] output is one value', () => {
    expect(withinTolerance(1000, 1000.01, 1e-5)).toBe(true) // 0.01 <= 1e-5 + 1e-2
    expect(withinTolerance(0, 2e-5, 1e-5)).toBe(false)
    expect(withinTolerance(0, 1e-5, 1e-5)).toBe(true)
    expect(withinTolerance(0.5, 0.5, 0)).toBe(true)
    const check = comparePredictions(
      [set({ values: [[1000], 0, 3] }, { values: [1000.01, 2e-5, Number.NaN] }, 'rows.csv')],
      'regression',
      1e-5,
    )
    expect(check).toMatchObject({ compared: ['values'], mismatchedRows: 2 })
    expect(check.differences.map((d) => [d.row, d.absDiff])).toEqual([
      [1, 2e-5],
      [2, undefined],
    ])
    expect(check.maxAbsDiff).toBeCloseTo(0.01, 9)
  })

  it('compares probabilities only when both models give them, and rows of different widths differ', () => {
    const without = comparePredictions(
      [set({ values: [1] }, { values: [1], probabilities: [[0, 1]] })],
      'classification',
      1e-5,
    )
    expect(without.compared).toEqual(['labels'])
    const widths = comparePredictions(
      [set({ values: [1], probabilities: [[0, 1]] }, { values: [1], probabilities: [[0, 1, 0]] })],
      'classification',
      1e-5,
    )
    expect(widths).toMatchObject({ mismatchedRows: 1, differences: [{ what: 'probabilities' }] })
  })

  it('counts rows across the sets, and keeps the first differences with a count of the rest', () => {
    const n = MAX_DIFFERENCES + 5
    const check = comparePredictions(
      [
        set({ values: [1, 2] }, { values: [1, 2] }),
        set({ values: Array.from({ length: n }, () => 1) }, { values: Array.from({ length: n }, () => 2) }, 'rows.csv'),
      ],
      'regression',
      0,
    )
    expect(check).toMatchObject({
      rows: n + 2,
      sources: [
        { source: 'the input example', rows: 2 },
        { source: 'rows.csv', rows: n },
      ],
      mismatchedRows: n,
      maxAbsDiff: 1,
    })
    expect(check.differences).toHaveLength(MAX_DIFFERENCES)
    const lines = describeDifferences(check)
    expect(lines[0]).toBe('row 0 of rows.csv: value 1 (original) vs 2 (ONNX), abs diff 1.00; input {"x":0}')
    expect(lines.at(-1)).toBe('… and 5 more rows')
  })
})
