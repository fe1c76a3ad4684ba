/**
 * Logged values as the drift report reads them: a JSON value as a cell, and a column of cells as a
 * Float64Array when it is numeric. Shared by the reference (reference.ts) and each window
 * (window-analysis.ts, window-profile.ts).
 */
import type { RawValue, Table } from '@keel/monitoring'

/** A JSON value as a cell of a column: numbers, strings, booleans; anything else is missing. */
export function cell(v: unknown): RawValue {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null
}

/** Numeric columns as Float64Arrays (missing as NaN), others as cells: converted once per side. */
export function columnOf(cells: readonly RawValue[]): Table[string] {
  let numeric = false
  for (const v of cells) {
    if (v === null || v === undefined) continue
    if (typeof v !== 'number') return cells
    numeric = true
  }
  return numeric ? Float64Array.from(cells, (v) => (typeof v === 'number' ? v : Number.NaN)) : cells
}
