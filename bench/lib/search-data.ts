/**
 * The runs of the search benchmark, shaped like a real experiment's: a hyper-parameter sweep with
 * string params (some missing), a tag or two, four metrics with step histories of skewed length,
 * some runs without a metric, some NaN (a diverged loss), values with ties (rounded accuracy) and
 * skewed distributions, start times that sometimes coincide (runs launched together). Deterministic:
 * both servers get the same runs, with the same run ids, so that even ties order the same way.
 */
import { createRng } from '@keel/ml'

export interface SeedPoint {
  readonly step: number
  readonly timestamp: number
  /** NaN for a diverged value (stored as value 0, is_nan 1 by both servers). */
  readonly value: number
}

export interface SeedRun {
  readonly id: string
  readonly name: string
  readonly startTime: number
  readonly endTime: number
  readonly status: 'FINISHED' | 'FAILED'
  readonly params: readonly (readonly [string, string])[]
  readonly tags: readonly (readonly [string, string])[]
  /** Each metric's history in step order; the last point is the latest value. */
  readonly metrics: readonly { readonly key: string; readonly points: readonly SeedPoint[] }[]
}

const ADJECTIVES = ['bright', 'calm', 'eager', 'fancy', 'gentle', 'honest', 'jolly', 'keen', 'lucky', 'merry']
const NOUNS = ['owl', 'fox', 'hawk', 'lynx', 'moth', 'newt', 'orca', 'pike', 'quail', 'seal', 'toad', 'wren']

function weighted<T>(r: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0)
  let x = r() * total
  for (let i = 0; i < items.length; i++) {
    x -= weights[i] ?? 0
    if (x < 0) return items[i] as T
  }
  return items[items.length - 1] as T
}

const hex8 = (r: () => number): string =>
  Math.floor(r() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0')

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits

/** `count` runs, always the same for the same count (the first n of a larger set are not the same). */
export function searchSeedRuns(count: number): SeedRun[] {
  const r = createRng(20261207 + count)
  const base = 1_760_000_000_000
  const runs: SeedRun[] = []
  let start = base
  for (let i = 0; i < count; i++) {
    // One run in ten starts with the previous one (a sweep launched in parallel): ties on start_time.
    if (i === 0 || r() >= 0.1) start = base + i * 60_000 + Math.floor(r() * 30_000)
    const failed = r() < 0.08
    const steps = Math.min(30, 1 + Math.floor(-Math.log(1 - r()) * 5))
    const params: [string, string][] = [
      ['alpha', weighted(r, ['0.0001', '0.001', '0.01', '0.1', '0.5', '1.0'], [5, 20, 35, 25, 10, 5])],
      [
        'depth',
        weighted(
          r,
          ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
          [3, 6, 10, 14, 16, 13, 10, 8, 6, 5, 4, 5],
        ),
      ],
      ['optimizer', weighted(r, ['adam', 'sgd', 'adamw', 'rmsprop'], [50, 25, 15, 10])],
      ['batch_size', weighted(r, ['32', '64', '128', '256'], [20, 40, 30, 10])],
    ]
    if (r() >= 0.15) params.push(['lr', String(round(r() * 1e-3 + 1e-5, 7))])
    const tags: [string, string][] = [['team', weighted(r, ['vision', 'nlp', 'tabular', 'speech'], [45, 30, 15, 10])]]
    if (r() < 0.3) tags.push(['note', `sweep ${Math.floor(i / 500)} retry ${Math.floor(r() * 3)}`])

    const accuracy = round(0.3 + 0.69 * Math.sqrt(r()), 3) // skewed high, with ties
    const loss = round(Math.exp(-1.2 + 0.8 * (r() + r() + r() - 1.5)), 4) // log-normal-ish
    const history = (key: string, final: number, rising: boolean): { key: string; points: SeedPoint[] } => ({
      key,
      points: Array.from({ length: steps }, (_, s) => {
        const frac = (s + 1) / steps
        const value = s === steps - 1 ? final : round(rising ? final * (0.5 + 0.5 * frac) : final * (2 - frac), 5)
        return { step: s, timestamp: start + (s + 1) * 1000, value }
      }),
    })
    const metrics: { key: string; points: SeedPoint[] }[] = []
    const noAccuracy = failed || r() < 0.03 // failed runs never reported accuracy
    if (!noAccuracy) {
      const h = history('accuracy', accuracy, true)
      if (r() < 0.005) h.points[h.points.length - 1] = { ...(h.points[h.points.length - 1] as SeedPoint), value: NaN }
      metrics.push(h)
    }
    if (r() >= 0.03) {
      const h = history('loss', loss, false)
      if (r() < 0.02) h.points[h.points.length - 1] = { ...(h.points[h.points.length - 1] as SeedPoint), value: NaN }
      metrics.push(h)
    }
    metrics.push(history('val_loss', round(loss * (1.05 + 0.2 * r()), 4), false))
    if (!noAccuracy) metrics.push(history('f1', round(accuracy * (0.85 + 0.1 * r()), 3), true))
    runs.push({
      id: `${hex8(r)}${hex8(r)}${hex8(r)}${hex8(r)}`,
      name: `${ADJECTIVES[i % ADJECTIVES.length]}-${NOUNS[Math.floor(i / 10) % NOUNS.length]}-${i}`,
      startTime: start,
      endTime: start + (steps + 1) * 1000 + Math.floor(r() * 3_600_000),
      status: failed ? 'FAILED' : 'FINISHED',
      params,
      tags,
      metrics,
    })
  }
  return runs
}
