/**
 * The check a conversion must pass before it is registered: the converted model's predictions
 * against the original's on the same rows. Labels must be identical; numbers (a regressor's values,
 * class probabilities) agree within `tolerance` relative and absolute, as numpy's isclose with
 * rtol = atol = tolerance, the original being the reference: |original - converted| <=
 * tolerance + tolerance * |original|.
 */
import type { ModelInput } from '../enforce.js'
import type { PredictionValue } from '../flavors/flavor.js'

/** The predictions of one model on one set of rows. */
export interface Predictions {
  readonly values: readonly PredictionValue[]
  readonly probabilities?: readonly (readonly number[])[]
}

/** A set of rows the models were compared on: the input example, or the user's rows. */
export interface CheckedRows {
  /** `the input example`, or where the user's rows came from (`the rows given`, a file name). */
  readonly source: string
  readonly input: ModelInput
  readonly original: Predictions
  readonly converted: Predictions
}

export interface RowDifference {
  readonly source: string
  /** The row's index in its source. */
  readonly row: number
  /** The row's values, as given. */
  readonly input: unknown
  readonly what: 'label' | 'value' | 'probabilities'
  readonly original: unknown
  readonly converted: unknown
  /** For numbers: the largest absolute difference. */
  readonly absDiff?: number
}

export interface ConversionCheck {
  /** Rows compared, in all. */
  readonly rows: number
  readonly sources: readonly { readonly source: string; readonly rows: number }[]
  /** What was compared: labels (classifiers) or values (regressors), and probabilities when both models give them. */
  readonly compared: readonly ('labels' | 'values' | 'probabilities')[]
  readonly tolerance: number
  /** The largest absolute difference between numbers compared (0 when only labels were). */
  readonly maxAbsDiff: number
  /** Rows where something differed beyond the tolerance. */
  readonly mismatchedRows: number
  /** The first differences (at most `MAX_DIFFERENCES`). */
  readonly differences: readonly RowDifference[]
}

export const MAX_DIFFERENCES = 10

/** How many rows a model input holds. */
export function rowCount(input: ModelInput): number {
  if (Array.isArray(input)) return input.length
  const first = Object.values(input as Readonly<Record<string, readonly unknown[]>>)[0]
  return first === undefined ? 0 : first.length
}

/** Row `i` of a model input: the row itself, or an object of the columns' values. */
export function rowAt(input: ModelInput, i: number): unknown {
  if (Array.isArray(input)) return (input as readonly unknown[])[i]
  const columns = input as Readonly<Record<string, readonly unknown[]>>
  return Object.fromEntries(Object.entries(columns).map(([k, values]) => [k, values[i]]))
}

/** The same label: identical, or a boolean and its 0/1. */
function sameLabel(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b
  if (typeof b === 'boolean' && typeof a === 'number') return Number(b) === a
  return false
}

/** A regressor's value: a number, or a one-value row (a `[N, 1]` output). */
function scalar(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'number') return value[0]
  return undefined
}

export const withinTolerance = (original: number, converted: number, tolerance: number): boolean =>
  Math.abs(original - converted) <= tolerance + tolerance * Math.abs(original)

/**
 * Compares the models on each set of rows. `task` is the converted model's (an ONNX classifier
 * answers labels, compared exactly; a regressor numbers, compared within the tolerance).
 */
export function comparePredictions(
  sets: readonly CheckedRows[],
  task: 'classification' | 'regression',
  tolerance: number,
): ConversionCheck {
  const differences: RowDifference[] = []
  let mismatchedRows = 0
  let maxAbsDiff = 0
  let probabilities = sets.length > 0
  const note = (difference: RowDifference): void => {
    if (differences.length < MAX_DIFFERENCES) differences.push(difference)
  }
  for (const set of sets) {
    const n = rowCount(set.input)
    const withProba = set.original.probabilities !== undefined && set.converted.probabilities !== undefined
    probabilities &&= withProba
    for (let i = 0; i < n; i++) {
      const at = { source: set.source, row: i }
      let differs = false
      const original = set.original.values[i]
      const converted = set.converted.values[i]
      if (task === 'classification') {
        if (!sameLabel(original, converted)) {
          differs = true
          note({ ...at, input: rowAt(set.input, i), what: 'label', original, converted })
        }
      } else {
        const a = scalar(original)
        const b = scalar(converted)
        const diff = a === undefined || b === undefined ? Number.NaN : Math.abs(a - b)
        if (Number.isFinite(diff)) maxAbsDiff = Math.max(maxAbsDiff, diff)
        if (a === undefined || b === undefined || !withinTolerance(a, b, tolerance)) {
          differs = true
          note({
            ...at,
            input: rowAt(set.input, i),
            what: 'value',
            original,
            converted,
            ...(Number.isFinite(diff) && { absDiff: diff }),
          })
        }
      }
      if (withProba) {
        const p = set.original.probabilities![i] ?? []
        const q = set.converted.probabilities![i] ?? []
        let worst = p.length === q.length ? 0 : Number.POSITIVE_INFINITY
        let ok = p.length === q.length
        for (let j = 0; j < Math.min(p.length, q.length); j++) {
          worst = Math.max(worst, Math.abs(p[j]! - q[j]!))
          if (!withinTolerance(p[j]!, q[j]!, tolerance)) ok = false
        }
        if (Number.isFinite(worst)) maxAbsDiff = Math.max(maxAbsDiff, worst)
        if (!ok) {
          differs = true
          note({
            ...at,
            input: rowAt(set.input, i),
            what: 'probabilities',
            original: p,
            converted: q,
            ...(Number.isFinite(worst) && { absDiff: worst }),
          })
        }
      }
      if (differs) mismatchedRows++
    }
  }
  return {
    rows: sets.reduce((sum, s) => sum + rowCount(s.input), 0),
    sources: sets.map((s) => ({ source: s.source, rows: rowCount(s.input) })),
    compared: [task === 'classification' ? 'labels' : 'values', ...(probabilities ? (['probabilities'] as const) : [])],
    tolerance,
    maxAbsDiff,
    mismatchedRows,
    differences,
  }
}

const short = (value: unknown, max = 100): string => {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(8)) : v))
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The differences as lines a person reads: where, what, both values and the difference. */
export function describeDifferences(check: ConversionCheck): string[] {
  const lines = check.differences.map(
    (d) =>
      `row ${d.row} of ${d.source}: ${d.what} ${short(d.original)} (original) vs ${short(d.converted)} (ONNX)` +
      `${d.absDiff === undefined ? '' : `, abs diff ${d.absDiff.toPrecision(3)}`}; input ${short(d.input)}`,
  )
  const more = check.mismatchedRows - new Set(check.differences.map((d) => `${d.source}\0${d.row}`)).size
  if (more > 0) lines.push(`… and ${more} more row${more === 1 ? '' : 's'}`)
  return lines
}
