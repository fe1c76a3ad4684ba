// SciPy / Evidently as test oracles, through the one Python oracle runner (@keel/ml's test support,
// packages/ml/test/support/python-oracle.ts), and seeded test vectors.

import { createRng } from '@keel/ml'

export { close, runPython } from '../../../ml/test/support/python-oracle.js'

/** Seeded samples for test vectors (@keel/ml's generator + Box–Muller). */
export function rng(seed: number) {
  const uniform = createRng(seed)
  const normal = (mu = 0, sd = 1): number =>
    mu + sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
  return {
    uniform,
    normal,
    normals: (n: number, mu = 0, sd = 1): number[] => Array.from({ length: n }, () => normal(mu, sd)),
    ints: (n: number, lo: number, hi: number): number[] =>
      Array.from({ length: n }, () => lo + Math.floor(uniform() * (hi - lo + 1))),
    pick: <T>(n: number, items: T[], weights?: number[]): T[] => {
      const w = weights ?? items.map(() => 1)
      const tot = w.reduce((a, b) => a + b, 0)
      return Array.from({ length: n }, () => {
        let u = uniform() * tot
        for (let i = 0; i < items.length; i++) {
          u -= w[i]!
          if (u < 0) return items[i]!
        }
        return items[items.length - 1]!
      })
    },
  }
}
