// The numeric tests and the distributions against SciPy (scipy.stats) in the repo's venv.

import { beforeAll, describe, expect, it } from 'vitest'
import {
  anderson,
  chi2Sf,
  cramerVonMises,
  energyDistance,
  fisherExact2x2,
  ks,
  kstwoSf,
  mannWhitney,
  tTest,
  wasserstein,
} from '../src/index.js'
import { close, rng, runPython } from './support/python-oracle.js'

interface NumCase {
  name: string
  a: number[]
  b: number[]
}

const g = rng(20240601)
const round2 = (xs: number[]) => xs.map((x) => Math.round(x * 100) / 100)
const base = g.normals(400)
const cases: NumCase[] = [
  { name: 'normal vs shifted, 50 vs 60', a: g.normals(50), b: g.normals(60, 0.6) },
  { name: 'same distribution, 1000 vs 1000', a: g.normals(1000), b: g.normals(1000) },
  { name: 'small exact, 5 vs 7', a: g.normals(5), b: g.normals(7, 1) },
  { name: 'small exact, 8 vs 8', a: g.normals(8), b: g.normals(8, 0.3) },
  { name: 'small 3 vs 12', a: g.normals(3, 2), b: g.normals(12) },
  { name: 'heavy ties, ints 0..6, 300 vs 250', a: g.ints(300, 0, 6), b: g.ints(250, 0, 7) },
  { name: 'ties at 2 decimals, 400 vs 380', a: round2(g.normals(400)), b: round2(g.normals(380, 0.1, 1.2)) },
  { name: 'binary 0/1, 200 vs 150', a: g.ints(200, 0, 1), b: g.pick(150, [0, 1], [0.3, 0.7]) },
  { name: 'large asymptotic, 20000 vs 15000, small shift', a: g.normals(20000), b: g.normals(15000, 0.02) },
  { name: 'large asymptotic, 12000 vs 40 (small effective n)', a: g.normals(12000), b: g.normals(40, 0.4) },
  { name: 'large asymptotic, 30000 vs 30000, shifted (tiny p)', a: g.normals(30000), b: g.normals(30000, 0.08) },
  { name: 'identical samples', a: base, b: base.slice() },
  { name: 'scale change, 700 vs 900', a: g.normals(700), b: g.normals(900, 0, 1.5) },
  { name: 'exact KS unequal sizes 10000 vs 7000', a: g.normals(10000), b: g.normals(7000, 0.03) },
  { name: 'cvm exact with ties, 12 vs 15', a: g.ints(12, 0, 5), b: g.ints(15, 1, 6) },
  { name: 'cvm exact 20 vs 20', a: g.normals(20), b: g.normals(20, 0.5) },
]

const SCRIPT = `
from scipy import stats
out = []
for c in read():
    a = np.array(c["a"], dtype=float); b = np.array(c["b"], dtype=float)
    r = {}
    k = stats.ks_2samp(a, b); r["ks"] = [k.statistic, k.pvalue]
    r["wasserstein"] = stats.wasserstein_distance(a, b) / max(float(np.std(a)), 0.001)
    r["ed"] = stats.energy_distance(a, b)
    try:
        ad = stats.anderson_ksamp([a, b]); r["anderson"] = [ad.statistic, ad.significance_level]
    except ValueError as e:
        r["anderson"] = str(e)
    cv = stats.cramervonmises_2samp(a, b); r["cvm"] = [cv.statistic, cv.pvalue]
    m = stats.mannwhitneyu(a, b, alternative="less"); r["mwu_less"] = [m.statistic, m.pvalue]
    m = stats.mannwhitneyu(a, b); r["mwu_two"] = [m.statistic, m.pvalue]
    t = stats.ttest_ind(a, b); r["t"] = [t.statistic, t.pvalue]
    t = stats.ttest_ind(a, b, equal_var=False); r["welch"] = [t.statistic, t.pvalue]
    out.append(r)
ns = [1, 2, 3, 5, 10, 37, 140, 141, 500, 5000, 100000, 500000]
xs = [0.0005, 0.003, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.7, 0.95]
kstwo = [[n, x, stats.kstwo.sf(x, n)] for n in ns for x in xs]
chi = [[x, df, stats.chi2.sf(x, df)] for x in [0.01, 0.5, 3.0, 10.0, 50.0, 300.0] for df in [1, 2, 5, 30]]
tables = [[2, 7, 8, 2], [10, 0, 0, 10], [50, 60, 55, 45], [0, 5, 5, 0], [3, 1, 1, 3], [120, 80, 95, 105], [1000, 990, 1020, 970], [7, 0, 3, 9]]
fisher = [[t, stats.fisher_exact([[t[0], t[1]], [t[2], t[3]]]).pvalue] for t in tables]
write({"cases": out, "kstwo": kstwo, "chi": chi, "fisher": fisher})
`

interface Expected {
  cases: Array<Record<string, [number, number] | number | string>>
  kstwo: Array<[number, number, number]>
  chi: Array<[number, number, number]>
  fisher: Array<[[number, number, number, number], number]>
}

let expected: Expected

beforeAll(async () => {
  expected = await runPython<Expected>(
    SCRIPT,
    cases.map((c) => ({ a: c.a, b: c.b })),
  )
}, 120_000)

function expectClose(actual: number, want: number, what: string): void {
  expect(close(actual, want), `${what}: got ${actual}, SciPy ${want}`).toBe(true)
}

describe('numeric tests match SciPy to 1e-6 (relative)', () => {
  cases.forEach((c, i) => {
    it(c.name, () => {
      const e = expected.cases[i]!
      const pair = (k: string) => e[k] as [number, number]
      const k = ks(c.a, c.b)
      expectClose(k.statistic, pair('ks')[0], 'ks D')
      expectClose(k.pValue!, pair('ks')[1], 'ks p')
      expectClose(wasserstein(c.a, c.b).distance!, e.wasserstein as number, 'wasserstein/std')
      expectClose(energyDistance(c.a, c.b).distance!, e.ed as number, 'energy distance')
      if (typeof e.anderson === 'string') expect(() => anderson(c.a, c.b)).toThrow()
      else {
        const ad = anderson(c.a, c.b)
        expectClose(ad.statistic, pair('anderson')[0], 'anderson A2')
        expectClose(ad.pValue!, pair('anderson')[1], 'anderson p')
      }
      const cv = cramerVonMises(c.a, c.b)
      expectClose(cv.statistic, pair('cvm')[0], 'cvm T')
      expectClose(cv.pValue!, pair('cvm')[1], 'cvm p')
      const ml = mannWhitney(c.a, c.b)
      expectClose(ml.statistic, pair('mwu_less')[0], 'mwu U')
      expectClose(ml.pValue!, pair('mwu_less')[1], 'mwu p (less)')
      const m2 = mannWhitney(c.a, c.b, { alternative: 'two-sided' })
      expectClose(m2.pValue!, pair('mwu_two')[1], 'mwu p (two-sided)')
      if (Number.isNaN(pair('t')[0])) expect(() => tTest(c.a, c.b)).toThrow()
      else {
        const t = tTest(c.a, c.b)
        expectClose(t.statistic, pair('t')[0], 't')
        expectClose(t.pValue!, pair('t')[1], 't p')
        const w = tTest(c.a, c.b, { equalVar: false })
        expectClose(w.statistic, pair('welch')[0], 'welch t')
        expectClose(w.pValue!, pair('welch')[1], 'welch p')
      }
    })
  })
})

describe('distributions match SciPy', () => {
  it('kstwo.sf (Simard–L’Ecuyer: Ruben–Gambino, Durbin matrix, Pomeranz, Pelz–Good, Smirnov)', () => {
    for (const [n, x, p] of expected.kstwo) expectClose(kstwoSf(n, x), p, `kstwo.sf(${x}, ${n})`)
  })
  it('chi2.sf', () => {
    for (const [x, df, p] of expected.chi) expectClose(chi2Sf(x, df), p, `chi2.sf(${x}, ${df})`)
  })
  it('fisher_exact two-sided', () => {
    for (const [t, p] of expected.fisher) expectClose(fisherExact2x2(...t).pValue, p, `fisher ${t.join(',')}`)
  })
})
