import type { Label } from '../types.js'
import { checkLabels } from '../validate.js'

/** Same non-zero length, labels of one kind across both arrays (sklearn refuses mixes). */
export function checkLabelPair(yTrue: readonly Label[], yPred: readonly Label[], predName = 'yPred'): void {
  if (!Array.isArray(yTrue) || !Array.isArray(yPred)) throw new TypeError(`yTrue and ${predName} must be arrays`)
  if (yTrue.length === 0) throw new Error('yTrue is empty')
  if (yTrue.length !== yPred.length)
    throw new Error(`yTrue has ${yTrue.length} entries but ${predName} has ${yPred.length}`)
  checkLabels(yTrue, 'yTrue')
  checkLabels(yPred, predName)
  if (typeof yTrue[0] !== typeof yPred[0]) {
    throw new Error(`yTrue holds ${typeof yTrue[0]} labels but ${predName} holds ${typeof yPred[0]} labels`)
  }
}

/** Rows of probabilities: a rectangular matrix of finite numbers with one row per sample. */
export function checkProbaRows(proba: readonly (readonly number[])[], n: number): number {
  if (proba.length !== n) throw new Error(`proba has ${proba.length} rows but yTrue has ${n} entries`)
  const width = (proba[0] as readonly number[]).length
  proba.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width)
      throw new Error(
        `proba is ragged: row ${i} has ${Array.isArray(row) ? row.length : 'no'} columns, row 0 has ${width}`,
      )
    row.forEach((v, j) => {
      if (typeof v !== 'number' || Number.isNaN(v))
        throw new Error(`proba[${i}][${j}] is ${String(v)}; expected a number`)
    })
  })
  return width
}
