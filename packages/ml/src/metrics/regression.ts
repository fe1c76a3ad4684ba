function checkPair(yTrue: readonly number[], yPred: readonly number[]): void {
  if (!Array.isArray(yTrue) || !Array.isArray(yPred)) throw new TypeError('yTrue and yPred must be arrays')
  if (yTrue.length === 0) throw new Error('yTrue is empty')
  if (yTrue.length !== yPred.length) throw new Error(`yTrue has ${yTrue.length} entries but yPred has ${yPred.length}`)
  for (const [name, a] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    a.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new Error(`${name}[${i}] is ${String(v)}; expected a finite number`)
    })
  }
}

function mean(a: readonly number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length
}

/** Mean of squared errors (sklearn's mean_squared_error). */
export function meanSquaredError(yTrue: readonly number[], yPred: readonly number[]): number {
  checkPair(yTrue, yPred)
  return mean(yTrue.map((t, i) => (t - (yPred[i] as number)) ** 2))
}

/** Square root of the mean squared error (sklearn's root_mean_squared_error). */
export function rootMeanSquaredError(yTrue: readonly number[], yPred: readonly number[]): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred))
}

/** Mean of absolute errors (sklearn's mean_absolute_error). */
export function meanAbsoluteError(yTrue: readonly number[], yPred: readonly number[]): number {
  checkPair(yTrue, yPred)
  return mean(yTrue.map((t, i) => Math.abs(t - (yPred[i] as number))))
}

/**
 * Coefficient of determination 1 - SS_res / SS_tot (sklearn's r2_score). When yTrue is constant
 * (SS_tot = 0) it is 1 for a perfect prediction and 0 otherwise, as sklearn's force_finite=True.
 */
export function r2Score(yTrue: readonly number[], yPred: readonly number[]): number {
  checkPair(yTrue, yPred)
  const m = mean(yTrue)
  let ssRes = 0
  let ssTot = 0
  yTrue.forEach((t, i) => {
    ssRes += (t - (yPred[i] as number)) ** 2
    ssTot += (t - m) ** 2
  })
  if (ssTot === 0) return ssRes === 0 ? 1 : 0
  return 1 - ssRes / ssTot
}
