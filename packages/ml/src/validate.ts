import type { Label, Matrix } from './types.js'

/** Checks a feature matrix: non-empty, rectangular, finite numbers. Returns the number of columns. */
export function checkMatrix(X: Matrix, what = 'X'): number {
  if (!Array.isArray(X)) throw new TypeError(`${what} must be an array of rows (number[][])`)
  if (X.length === 0) throw new Error(`${what} has no rows`)
  const first = X[0]
  if (!Array.isArray(first)) throw new TypeError(`${what}[0] is not an array; ${what} must be number[][]`)
  const width = first.length
  if (width === 0) throw new Error(`${what} has rows with no features`)
  for (let i = 0; i < X.length; i++) {
    const row = X[i]
    if (!Array.isArray(row)) throw new TypeError(`${what}[${i}] is not an array; ${what} must be number[][]`)
    if (row.length !== width) {
      throw new Error(`${what} is ragged: row ${i} has ${row.length} features, row 0 has ${width}`)
    }
    for (let j = 0; j < width; j++) {
      const v: unknown = row[j]
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${what}[${i}][${j}] is ${String(v)}; features must be finite numbers (no NaN or Infinity)`)
      }
    }
  }
  return width
}

/** Checks X for prediction against the number of features seen in fit. */
export function checkPredictMatrix(X: Matrix, nFeatures: number): void {
  const width = checkMatrix(X)
  if (width !== nFeatures) {
    throw new Error(`X has ${width} features, but the estimator was fitted with ${nFeatures} features`)
  }
}

/** Checks that y has one entry per row of X. */
export function checkLength(nRows: number, y: readonly unknown[], what = 'y'): void {
  if (!Array.isArray(y)) throw new TypeError(`${what} must be an array`)
  if (y.length !== nRows) throw new Error(`${what} has ${y.length} entries but X has ${nRows} rows`)
}

/** Checks regression targets: finite numbers. */
export function checkTargets(y: readonly number[], what = 'y'): void {
  for (let i = 0; i < y.length; i++) {
    const v: unknown = y[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${what}[${i}] is ${String(v)}; regression targets must be finite numbers`)
    }
  }
}

/** Checks class labels: all finite numbers or all strings. */
export function checkLabels(y: readonly Label[], what = 'y'): void {
  let kind: 'number' | 'string' | undefined
  for (let i = 0; i < y.length; i++) {
    const v: unknown = y[i]
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`${what}[${i}] is ${v}; numeric labels must be finite`)
    } else if (typeof v !== 'string') {
      throw new TypeError(`${what}[${i}] is ${v === null ? 'null' : typeof v}; labels must be numbers or strings`)
    }
    const k = typeof v as 'number' | 'string'
    if (kind === undefined) kind = k
    else if (kind !== k) throw new Error(`${what} mixes number and string labels (entry ${i} is a ${k}); use one kind`)
  }
}
