// Isotonic regression as scikit-learn's IsotonicRegression(increasing=True, out_of_bounds='clip'),
// the calibrator NannyML's CBPE uses: sort by x (ties by y), pool equal x into their weighted mean,
// pool adjacent violators, keep the points where the fitted step changes, and predict by linear
// interpolation between them, clipped to the fitted x range.

/** A fitted isotonic calibrator: plain JSON, so a monitor can store it. */
export interface IsotonicFit {
  /** Increasing x thresholds (at least one). */
  x: number[]
  /** Non-decreasing fitted values at those thresholds. */
  y: number[]
}

/** Pool-adjacent-violators on weighted values, in place (the L2 isotonic fit, non-decreasing). */
function pava(y: number[], w: number[]): void {
  const n = y.length
  // Blocks as a stack of (start, value, weight).
  const start: number[] = []
  const value: number[] = []
  const weight: number[] = []
  for (let i = 0; i < n; i++) {
    let v = y[i] as number
    let wt = w[i] as number
    let s = i
    while (value.length > 0 && (value[value.length - 1] as number) >= v) {
      const pv = value.pop() as number
      const pw = weight.pop() as number
      s = start.pop() as number
      v = (pv * pw + v * wt) / (pw + wt)
      wt += pw
    }
    start.push(s)
    value.push(v)
    weight.push(wt)
  }
  for (let b = 0; b < start.length; b++) {
    const end = b + 1 < start.length ? (start[b + 1] as number) : n
    for (let i = start[b] as number; i < end; i++) y[i] = value[b] as number
  }
}

/** Fits y ≈ f(x) with f non-decreasing (scikit-learn's IsotonicRegression.fit, unit weights). */
export function fitIsotonic(x: readonly number[], y: readonly number[]): IsotonicFit {
  if (!Array.isArray(x) || !Array.isArray(y)) throw new TypeError('x and y must be arrays')
  if (x.length === 0) throw new Error('isotonic regression needs at least one point')
  if (x.length !== y.length) throw new Error(`x has ${x.length} entries but y has ${y.length}`)
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i]))
      throw new Error(`x[${i}] is ${String(x[i])}; expected a finite number`)
    if (typeof y[i] !== 'number' || !Number.isFinite(y[i]))
      throw new Error(`y[${i}] is ${String(y[i])}; expected a finite number`)
  }
  const order = Array.from(x, (_, i) => i).sort(
    (a, b) => (x[a] as number) - (x[b] as number) || (y[a] as number) - (y[b] as number),
  )
  // Equal x pooled into the mean of their y (scikit-learn's _make_unique: a new value starts
  // when it exceeds the group's first x by at least float64's resolution, 1e-15).
  const ux: number[] = []
  const uy: number[] = []
  const uw: number[] = []
  for (const i of order) {
    const xi = x[i] as number
    const last = ux.length - 1
    if (last >= 0 && xi - (ux[last] as number) < 1e-15) {
      uy[last] = (uy[last] as number) + (y[i] as number)
      uw[last] = (uw[last] as number) + 1
    } else {
      ux.push(xi)
      uy.push(y[i] as number)
      uw.push(1)
    }
  }
  for (let k = 0; k < uy.length; k++) uy[k] = (uy[k] as number) / (uw[k] as number)
  pava(uy, uw)
  // Drop interior points whose value equals both neighbours' (they do not change the interpolation).
  const fit: IsotonicFit = { x: [], y: [] }
  for (let k = 0; k < ux.length; k++) {
    const interior = k > 0 && k < ux.length - 1
    if (!interior || uy[k] !== uy[k - 1] || uy[k] !== uy[k + 1]) {
      fit.x.push(ux[k] as number)
      fit.y.push(uy[k] as number)
    }
  }
  return fit
}

/** Predicts with a fitted isotonic regression: linear interpolation, clipped to the fitted x range. */
export function predictIsotonic(fit: IsotonicFit, values: readonly number[]): number[] {
  const { x, y } = fit
  const n = x.length
  return values.map((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`value ${i} is ${String(v)}; expected a number`)
    if (n === 1 || v <= (x[0] as number)) return y[0] as number
    if (v >= (x[n - 1] as number)) return y[n - 1] as number
    // Binary search for x[lo] <= v < x[lo + 1].
    let lo = 0
    let hi = n - 1
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if ((x[mid] as number) <= v) lo = mid
      else hi = mid
    }
    const x0 = x[lo] as number
    const x1 = x[hi] as number
    const y0 = y[lo] as number
    const y1 = y[hi] as number
    return y0 + ((y1 - y0) * (v - x0)) / (x1 - x0)
  })
}
