/** Scales for the compare page's SVG plots: numeric (nice ticks) or categorical (no DOM). */

export interface Scale {
  readonly kind: 'numeric' | 'categorical'
  /** A numeric scale over several orders of magnitude is logarithmic. */
  readonly log: boolean
  /** Position in [0, 1] of a value, or undefined when the value is missing or not on the scale. */
  at(value: string | number | undefined): number | undefined
  readonly ticks: readonly { readonly value: string; readonly pos: number }[]
}

const asNumber = (v: string | number | undefined): number | undefined => {
  if (v === undefined || v === '') return undefined
  const n = typeof v === 'number' ? v : Number(v)
  return Number.isFinite(n) ? n : undefined
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (min === max) return [min]
  const raw = (max - min) / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw
  const out: number[] = []
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

export function makeScale(values: readonly (string | number | undefined)[], format: (n: number) => string): Scale {
  const present = values.filter((v) => v !== undefined && v !== '')
  const numbers = present.map(asNumber)
  if (present.length > 0 && numbers.every((n) => n !== undefined)) {
    const lo = Math.min(...(numbers as number[]))
    const hi = Math.max(...(numbers as number[]))
    // Values spanning 100× or more (learning rates, regularisation) read better on a log axis.
    if (lo > 0 && hi / lo >= 100) {
      const a = Math.log10(lo)
      const b = Math.log10(hi)
      const at = (v: string | number | undefined) => {
        const n = asNumber(v)
        return n === undefined || n <= 0 ? undefined : (Math.log10(n) - a) / (b - a)
      }
      const ticks: { value: string; pos: number }[] = []
      for (let e = Math.ceil(a - 1e-9); e <= Math.floor(b + 1e-9); e++)
        ticks.push({ value: format(10 ** e), pos: (e - a) / (b - a) })
      return { kind: 'numeric', log: true, at, ticks }
    }
    let min = Math.min(...(numbers as number[]))
    let max = Math.max(...(numbers as number[]))
    if (min === max) {
      const pad = min === 0 ? 1 : Math.abs(min) * 0.1
      min -= pad
      max += pad
    }
    const at = (v: string | number | undefined) => {
      const n = asNumber(v)
      return n === undefined ? undefined : (n - min) / (max - min)
    }
    return {
      kind: 'numeric',
      log: false,
      at,
      ticks: niceTicks(min, max).map((t) => ({ value: format(t), pos: (t - min) / (max - min) })),
    }
  }
  const cats = [...new Set(present.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  const pos = (i: number) => (cats.length === 1 ? 0.5 : i / (cats.length - 1))
  return {
    kind: 'categorical',
    log: false,
    at: (v) => {
      const i = v === undefined ? -1 : cats.indexOf(String(v))
      return i < 0 ? undefined : pos(i)
    },
    ticks: cats.map((c, i) => ({ value: c, pos: pos(i) })),
  }
}

/** A colour ramp for a value in [0, 1] (dark blue → teal → amber), readable on white. */
export function rampColor(t: number): string {
  const stops = [
    [49, 54, 149],
    [33, 145, 140],
    [200, 120, 0],
  ] as const
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1)
  const i = Math.min(Math.floor(x), stops.length - 2)
  const f = x - i
  const [a, b] = [stops[i]!, stops[i + 1]!]
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f))
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`
}
