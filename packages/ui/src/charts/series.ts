/**
 * The pure parts of the charts (no DOM): smoothing, aligning series that were logged at different
 * x values onto one shared x axis (uPlot's data layout), log-scale cleaning and the run palette.
 */

/** One curve: x values (steps, or epoch seconds) and y values, in any order, same length. */
export interface XY {
  readonly xs: ArrayLike<number>
  readonly ys: ArrayLike<number>
}

/** uPlot's aligned layout: one x array, then one y array per series (null where it has no value). */
export type Aligned = [number[], ...(number | null)[][]]

/**
 * TensorBoard's smoothing: an exponential moving average with debiasing (so the first points are
 * not dragged towards 0). `weight` in [0, 1); 0 is the raw curve. Non-finite values pass through
 * and do not disturb the average.
 */
export function ema(values: ArrayLike<number | null>, weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999)
  const out: (number | null)[] = new Array(values.length)
  let last = 0
  let count = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = v ?? null
      continue
    }
    if (w === 0) {
      out[i] = v
      continue
    }
    last = last * w + (1 - w) * v
    count++
    out[i] = last / (1 - w ** count)
  }
  return out
}

/** The points of one series sorted by x; for a repeated x the value logged last wins. */
export function sortedUnique(s: XY): { xs: number[]; ys: number[] } {
  const n = Math.min(s.xs.length, s.ys.length)
  let sorted = true
  for (let i = 1; i < n; i++) {
    if (s.xs[i]! < s.xs[i - 1]!) {
      sorted = false
      break
    }
  }
  let order: number[] | undefined
  if (!sorted) {
    order = Array.from({ length: n }, (_, i) => i)
    order.sort((a, b) => s.xs[a]! - s.xs[b]! || a - b)
  }
  const xs: number[] = []
  const ys: number[] = []
  for (let k = 0; k < n; k++) {
    const i = order ? order[k]! : k
    const x = s.xs[i]!
    if (!Number.isFinite(x)) continue
    if (xs.length > 0 && xs[xs.length - 1] === x) ys[ys.length - 1] = s.ys[i]!
    else {
      xs.push(x)
      ys.push(s.ys[i]!)
    }
  }
  return { xs, ys }
}

/**
 * Puts several series on one x axis: the sorted union of their x values, each series holding null
 * where it logged nothing (the chart draws across those gaps).
 */
export function alignSeries(series: readonly XY[]): Aligned {
  const clean = series.map(sortedUnique)
  if (clean.length === 0) return [[]]
  if (clean.length === 1) return [clean[0]!.xs, clean[0]!.ys]
  // k-way merge of the already sorted x arrays
  const xs: number[] = []
  const pos = new Array<number>(clean.length).fill(0)
  const cols: (number | null)[][] = clean.map(() => [])
  for (;;) {
    let next = Infinity
    for (let s = 0; s < clean.length; s++) {
      const c = clean[s]!
      if (pos[s]! < c.xs.length && c.xs[pos[s]!]! < next) next = c.xs[pos[s]!]!
    }
    if (next === Infinity) break
    xs.push(next)
    for (let s = 0; s < clean.length; s++) {
      const c = clean[s]!
      if (pos[s]! < c.xs.length && c.xs[pos[s]!] === next) {
        cols[s]!.push(c.ys[pos[s]!]!)
        pos[s]!++
      } else cols[s]!.push(null)
    }
  }
  return [xs, ...cols]
}

/** A log axis cannot show zero, negative or non-finite values: they become gaps. */
export function forLogScale(ys: readonly (number | null)[]): (number | null)[] {
  return ys.map((y) => (y !== null && Number.isFinite(y) && y > 0 ? y : null))
}

/** Non-finite values (NaN, ±Infinity, which MLflow allows) become gaps on a linear axis too. */
export function finiteOrNull(ys: readonly (number | null)[]): (number | null)[] {
  return ys.map((y) => (y !== null && Number.isFinite(y) ? y : null))
}

/**
 * Colours for series and runs: distinct, readable on white (each at least 3:1 against it), in the
 * order of Tableau 10 darkened where it was too light.
 */
export const PALETTE = [
  '#1f5fa8',
  '#d9480f',
  '#2b8a3e',
  '#c92a2a',
  '#7048e8',
  '#8c564b',
  '#c2255c',
  '#5c636a',
  '#868e00',
  '#0b7285',
] as const

export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!
}
