// Label values as they arrive in keel's prediction log: numbers, strings or booleans, possibly
// missing. @keel/ml's metrics take numbers or strings of one kind (scikit-learn's rule); this module
// turns logged values into that form and back.

import type { Label } from '@keel/ml'

/** A class label or prediction as logged: a number, a string or a boolean. */
export type MetricLabel = number | string | boolean
/** A label that may be missing: `null`, `undefined` and `NaN` are missing. */
export type MaybeLabel = MetricLabel | null | undefined

/** Is this value a missing label (null, undefined or NaN)? */
export function isMissing(v: unknown): v is null | undefined {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))
}

/**
 * Booleans are the numbers 1 and 0, as numpy and scikit-learn treat them (`True == 1`), so a
 * boolean label posted for a model that predicts 0/1 compares as expected.
 */
export function toLabel(v: MetricLabel, what: string): Label {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${what} is ${v}; numeric labels must be finite`)
    return v
  }
  if (typeof v === 'string') return v
  throw new TypeError(`${what} is ${v === null ? 'null' : typeof v}; labels must be numbers, strings or booleans`)
}

/** Pairs of (label, prediction) with missing ones skipped and counted. */
export interface LabelPairs {
  labels: Label[]
  predictions: Label[]
  /** Row indices (into the inputs) of the pairs kept. */
  rows: number[]
  missingLabels: number
  missingPredictions: number
  /** Every non-missing value on both sides was a boolean (results report booleans back). */
  allBoolean: boolean
}

/**
 * Keeps the rows where both the label and the prediction are present, converted to @keel/ml's
 * labels. Refuses a mix of strings and numbers (including across the two arrays), naming the first
 * offending value, as scikit-learn refuses "a mix of label input types".
 */
export function pairLabels(labels: readonly MaybeLabel[], predictions: readonly MaybeLabel[]): LabelPairs {
  if (!Array.isArray(labels) || !Array.isArray(predictions))
    throw new TypeError('labels and predictions must be arrays')
  if (labels.length !== predictions.length) {
    throw new Error(`labels has ${labels.length} entries but predictions has ${predictions.length}`)
  }
  const out: LabelPairs = {
    labels: [],
    predictions: [],
    rows: [],
    missingLabels: 0,
    missingPredictions: 0,
    allBoolean: true,
  }
  let kind: { type: 'number' | 'string'; what: string } | undefined
  const convert = (v: MetricLabel, what: string): Label => {
    if (typeof v !== 'boolean') out.allBoolean = false
    const l = toLabel(v, what)
    const type = typeof l === 'number' ? 'number' : 'string'
    if (kind === undefined) kind = { type, what }
    else if (kind.type !== type) {
      throw new Error(
        `${what} is a ${type} (${JSON.stringify(v)}) but ${kind.what} is a ${kind.type}; labels and predictions must all be numbers (or booleans) or all be strings`,
      )
    }
    return l
  }
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]
    const p = predictions[i]
    if (isMissing(t)) {
      out.missingLabels++
      continue
    }
    if (isMissing(p)) {
      out.missingPredictions++
      continue
    }
    out.labels.push(convert(t, `labels[${i}]`))
    out.predictions.push(convert(p, `predictions[${i}]`))
    out.rows.push(i)
  }
  if (out.labels.length === 0) out.allBoolean = false
  return out
}

/** Back from @keel/ml's labels to what the caller logged (booleans when all inputs were booleans). */
export function fromLabel(l: Label, allBoolean: boolean): MetricLabel {
  return allBoolean ? l === 1 : l
}
