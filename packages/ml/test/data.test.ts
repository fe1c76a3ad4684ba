import { beforeAll, describe, expect, it } from 'vitest'
import { createRng, loadIris, trainTestSplit, type Label } from '@keel/ml'
import { runSklearn } from './support/sklearn-oracle.js'

const SIZE_CASES: [number, number][] = [
  [10, 0.25],
  [150, 0.2],
  [101, 0.33],
  [7, 0.5],
  [30, 0.1],
  [1000, 0.123],
  [50, 5],
]
/** Class counts for stratification; the oracle reports sklearn's per-class test counts. */
const STRAT_CASES: { counts: number[]; testSize: number }[] = [
  { counts: [50, 50, 50], testSize: 0.2 },
  { counts: [53, 31, 16], testSize: 0.3 },
  { counts: [50, 30, 20], testSize: 0.25 },
  { counts: [90, 10], testSize: 0.2 },
  { counts: [7, 5, 3, 2], testSize: 0.4 },
]

const RNG_SEEDS = [1, 42, 0, 2 ** 32 - 1]

const SCRIPT = `
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
data = read()
iris = load_iris()
sizes = []
for n, ts in data["sizes"]:
    ts = int(ts) if ts >= 1 else ts
    a, b = train_test_split(list(range(n)), test_size=ts, random_state=0)
    sizes.append([len(a), len(b)])
strat = []
for c in data["strat"]:
    y = [k for k, m in enumerate(c["counts"]) for _ in range(m)]
    seen = set()
    for rs in range(40):
        _, _, _, yte = train_test_split(y, y, test_size=c["testSize"], stratify=y, random_state=rs)
        seen.add(tuple(int(sum(1 for v in yte if v == k)) for k in range(len(c["counts"]))))
    strat.append(sorted(list(s) for s in seen))
def mulberry32(x):
    out = []
    for _ in range(8):
        x = (x + 0x6D2B79F5) & 0xFFFFFFFF
        z = x
        z = ((z ^ (z >> 15)) * (z | 1)) & 0xFFFFFFFF
        z ^= (z + (((z ^ (z >> 7)) * (z | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        out.append(z ^ (z >> 14))
    return out
write({
    "mulberry32": [mulberry32(s) for s in data["rngSeeds"]],
    "iris": {"data": iris.data, "target": iris.target, "featureNames": list(iris.feature_names), "targetNames": list(iris.target_names)},
    "sizes": sizes, "strat": strat,
})
`

interface Oracle {
  iris: { data: number[][]; target: number[]; featureNames: string[]; targetNames: string[] }
  sizes: [number, number][]
  strat: number[][][]
  mulberry32: number[][]
}
let sk: Oracle

beforeAll(async () => {
  sk = await runSklearn<Oracle>(SCRIPT, { sizes: SIZE_CASES, strat: STRAT_CASES, rngSeeds: RNG_SEEDS })
}, 180_000)

describe('loadIris', () => {
  it("equals scikit-learn's load_iris exactly", () => {
    const iris = loadIris()
    expect(iris.data).toHaveLength(150)
    expect(iris.data).toEqual(sk.iris.data)
    expect(iris.target).toEqual(sk.iris.target)
    expect(iris.featureNames).toEqual(sk.iris.featureNames)
    expect(iris.targetNames).toEqual(sk.iris.targetNames)
  })

  it('returns a fresh copy each time', () => {
    const a = loadIris()
    ;(a.data[0] as number[])[0] = 99
    a.target[0] = 7
    expect(loadIris().data[0]).toEqual([5.1, 3.5, 1.4, 0.2])
    expect(loadIris().target[0]).toBe(0)
  })
})

describe('createRng (mulberry32)', () => {
  it('is deterministic per seed, in [0, 1), and differs between seeds', () => {
    const a = createRng(42)
    const b = createRng(42)
    const xs = Array.from({ length: 1000 }, () => a())
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    const c = createRng(43)
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(xs.slice(0, 10))
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05)
  })

  it("matches a port of Tommy Ettinger's C mulberry32 (run in Python)", () => {
    for (const [k, seed] of RNG_SEEDS.entries()) {
      const r = createRng(seed)
      expect(
        Array.from({ length: 8 }, () => r() * 4294967296),
        `seed ${seed}`,
      ).toEqual(sk.mulberry32[k])
    }
  })

  it('rejects non-integer seeds', () => {
    expect(() => createRng(1.5)).toThrow(/integer/)
  })
})

describe('trainTestSplit', () => {
  const X = Array.from({ length: 150 }, (_, i) => [i, i * 2])
  const y = loadIris().target

  it('has the sizes scikit-learn gives (n_test = ceil(test_size * n))', () => {
    SIZE_CASES.forEach(([n, testSize], i) => {
      const rows = Array.from({ length: n }, (_, k) => k)
      const s = trainTestSplit(rows, rows, { testSize, seed: 3 })
      expect([s.XTrain.length, s.XTest.length], `n=${n} testSize=${testSize}`).toEqual(sk.sizes[i])
    })
  })

  it('is deterministic for a seed and different across seeds', () => {
    const a = trainTestSplit(X, y, { seed: 7 })
    expect(trainTestSplit(X, y, { seed: 7 })).toEqual(a)
    expect(trainTestSplit(X, y, { seed: 8 }).testIndex).not.toEqual(a.testIndex)
  })

  it('loses and duplicates no rows, and keeps X and y aligned', () => {
    for (const stratify of [false, true]) {
      const s = trainTestSplit(X, y, { seed: 11, stratify, testSize: 0.3 })
      const all = [...s.trainIndex, ...s.testIndex].sort((a, b) => a - b)
      expect(all).toEqual(Array.from({ length: 150 }, (_, i) => i))
      s.XTrain.forEach((row, k) => {
        expect(y[row[0] as number]).toBe(s.yTrain[k])
      })
      s.XTest.forEach((row, k) => {
        expect(y[row[0] as number]).toBe(s.yTest[k])
      })
    }
  })

  it('stratified: per-class test counts are ones scikit-learn produces', () => {
    STRAT_CASES.forEach((c, i) => {
      const labels: Label[] = c.counts.flatMap((m, k) => Array.from({ length: m }, () => `c${k}`))
      for (const seed of [0, 1, 2, 3]) {
        const s = trainTestSplit(labels, labels, { testSize: c.testSize, seed, stratify: true })
        const got = c.counts.map((_, k) => s.yTest.filter((v) => v === `c${k}`).length)
        expect(sk.strat[i], `counts ${c.counts} testSize ${c.testSize} seed ${seed}: ${got}`).toContainEqual(got)
      }
    })
  })

  it('stratified iris 80/20 keeps 10 of each class in the test set', () => {
    const s = trainTestSplit(X, y, { testSize: 0.2, seed: 5, stratify: true })
    expect([0, 1, 2].map((k) => s.yTest.filter((v) => v === k).length)).toEqual([10, 10, 10])
    expect([0, 1, 2].map((k) => s.yTrain.filter((v) => v === k).length)).toEqual([40, 40, 40])
  })

  it('without shuffle takes the last rows as the test set', () => {
    const s = trainTestSplit(X, y, { shuffle: false, testSize: 0.1 })
    expect(s.testIndex).toEqual(Array.from({ length: 15 }, (_, i) => 135 + i))
    expect(s.trainIndex).toEqual(Array.from({ length: 135 }, (_, i) => i))
  })

  it('rejects impossible requests with clear errors', () => {
    expect(() => trainTestSplit([1, 2, 3], [1, 2], {})).toThrow(/y has 2 entries but X has 3 rows/)
    expect(() => trainTestSplit(X, y, { testSize: 1.5 })).toThrow(/testSize/)
    expect(() => trainTestSplit(X, y, { testSize: 150 })).toThrow(/no training rows/)
    expect(() => trainTestSplit([1, 2, 3, 4], ['a', 'a', 'a', 'b'], { stratify: true, testSize: 0.5 })).toThrow(
      /only 1 member/,
    )
    expect(() => trainTestSplit(X, y, { stratify: true, shuffle: false })).toThrow(/requires shuffle/)
  })
})
