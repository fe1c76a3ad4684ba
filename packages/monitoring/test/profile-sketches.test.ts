// The sketches against NumPy on the same data (written to a file the Python oracle reads):
// KLL rank error within DataSketches' bound at 1M values for several distributions, HLL within 3
// standard errors at 10^3..10^6 distinct, Misra–Gries finding every item above its error bound,
// mean/variance equal to NumPy's to 1e-12, merges of shards in several orders, JSON round-trips.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FrequentItems, HyperLogLog, KllSketch, kllRankError, Moments, ProfileFormatError } from '../src/index.js'
import { rng, runPython } from './support/python-oracle.js'

const N = 1_000_000
const dir = mkdtempSync(join(tmpdir(), 'keel-profile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function writeF64(name: string, a: Float64Array): string {
  const path = join(dir, `${name}.f64`)
  writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
  return path
}

/** Seeded distributions, 1M values each: light and heavy tails, duplicates, a mixture. */
function distributions(): Record<string, Float64Array> {
  const r = rng(6)
  const gen = (f: () => number) => Float64Array.from({ length: N }, f)
  return {
    uniform: gen(() => r.uniform()),
    normal_far_from_zero: gen(() => 1e6 + r.normal()),
    lognormal: gen(() => Math.exp(2 * r.normal())),
    cauchy: gen(() => Math.tan(Math.PI * (r.uniform() - 0.5))),
    pareto_a1: gen(() => 1 / (1 - r.uniform())),
    duplicates_10: gen(() => Math.floor(r.uniform() * 10)),
    zero_inflated: gen(() => (r.uniform() < 0.7 ? 0 : r.normal(5, 2))),
  }
}

const QS = [0, 0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1]

interface KllCase {
  file: string
  qs: number[]
  answers: Record<string, number[]>
  ranks: Record<string, number[]>
  points: number[]
  min: number
  max: number
}

const EPS = kllRankError(200)

describe('KLL quantiles at 1M values (k = 200) against NumPy', () => {
  let cases: Record<string, KllCase>
  let oracle: Record<string, { qErr: Record<string, number>; rErr: Record<string, number>; min: number; max: number }>

  beforeAll(async () => {
    cases = {}
    for (const [name, data] of Object.entries(distributions())) {
      const one = new KllSketch()
      one.updateMany(data)
      // 16 shards merged in three orders: sequential, reversed, as a balanced tree
      const shards = Array.from({ length: 16 }, (_, i) => {
        const s = new KllSketch()
        for (let j = i; j < N; j += 16) s.update(data[j]!) // interleaved shards
        return s
      })
      const seq = shards.reduce((acc, s) => acc.merge(s), new KllSketch())
      const rev = [...shards].reverse().reduce((acc, s) => acc.merge(s), new KllSketch())
      let level = shards.map((s) => s.clone())
      while (level.length > 1)
        level = Array.from({ length: level.length / 2 }, (_, i) => level[2 * i]!.merge(level[2 * i + 1]!))
      const tree = level[0]!
      const roundTrip = KllSketch.fromJSON(JSON.parse(JSON.stringify(one)))
      const sketches = { one, seq, rev, tree, roundTrip }
      const points = QS.map((q) => one.quantile(q))
      cases[name] = {
        file: writeF64(name, data),
        qs: QS,
        answers: Object.fromEntries(Object.entries(sketches).map(([k, s]) => [k, QS.map((q) => s.quantile(q))])),
        ranks: Object.fromEntries(Object.entries(sketches).map(([k, s]) => [k, points.map((x) => s.rank(x))])),
        points,
        min: one.min,
        max: one.max,
      }
    }
    oracle = await runPython(
      `
cases = read()
out = {}
for name, c in cases.items():
    x = np.sort(np.fromfile(c["file"], dtype="<f8"))
    n = x.size
    q = np.array(c["qs"])
    qErr, rErr = {}, {}
    for k, ans in c["answers"].items():
        a = np.array(ans)
        lo = np.searchsorted(x, a, "left") / n   # share strictly below the answer
        hi = np.searchsorted(x, a, "right") / n  # share at or below it
        qErr[k] = float(np.max(np.maximum(0, np.maximum(lo - q, q - hi))))
    pts = np.array(c["points"])
    true_rank = np.searchsorted(x, pts, "right") / n
    for k, r in c["ranks"].items():
        rErr[k] = float(np.max(np.abs(np.array(r) - true_rank)))
    out[name] = {"qErr": qErr, "rErr": rErr, "min": float(x[0]), "max": float(x[-1])}
write(out)
`,
      cases,
    )
  }, 120_000)

  it('every quantile answer is within the rank error bound, for one pass, merges in three orders and a JSON round trip', () => {
    for (const [name, o] of Object.entries(oracle)) {
      for (const [k, e] of Object.entries(o.qErr)) expect(e, `${name} ${k}`).toBeLessThanOrEqual(EPS)
    }
  })

  it("rank(x) is within the bound of NumPy's share of values <= x", () => {
    for (const [name, o] of Object.entries(oracle)) {
      for (const [k, e] of Object.entries(o.rErr)) expect(e, `${name} ${k}`).toBeLessThanOrEqual(EPS)
    }
  })

  it('min and max are exact', () => {
    for (const [name, o] of Object.entries(oracle)) {
      expect(cases[name]!.min).toBe(o.min)
      expect(cases[name]!.max).toBe(o.max)
      expect(cases[name]!.answers.one![0]).toBe(o.min)
      expect(cases[name]!.answers.one![QS.length - 1]).toBe(o.max)
    }
  })

  it("the bound is DataSketches' 1.33% at k = 200, and a sketch stays small at 1M values", () => {
    expect(EPS).toBeCloseTo(0.0133, 4)
    const s = new KllSketch()
    const r = rng(1)
    for (let i = 0; i < N; i++) s.update(r.uniform())
    expect(s.retained).toBeLessThan(1000)
    expect(JSON.stringify(s).length).toBeLessThan(12_000)
  })
})

describe("HyperLogLog (lgK = 12) against NumPy's distinct count", () => {
  it('is within 3 standard errors at 10^3..10^6 distinct numbers and strings; shards merged = one pass exactly', async () => {
    const r = rng(7)
    const inputs: Record<string, string> = {}
    const estimates: Record<string, { num: number; str: number; merged: number }> = {}
    for (const d of [1e3, 1e4, 1e5, 1e6]) {
      // 1.5·d draws from 1.2·d values: duplicates, and a distinct count the oracle must compute
      const m = 1.5 * d
      const vals = Float64Array.from({ length: m }, () => Math.floor(r.uniform() * d * 1.2) * 0.5 - 1000)
      const h = new HyperLogLog()
      const hs = new HyperLogLog()
      const shards = Array.from({ length: 8 }, () => new HyperLogLog())
      for (let i = 0; i < m; i++) {
        h.updateNumber(vals[i]!)
        hs.updateString(`user-${vals[i]}`)
        shards[i % 8]!.updateNumber(vals[i]!)
      }
      const merged = shards.reduceRight((acc, s) => acc.merge(s), new HyperLogLog())
      expect(Array.from(merged.registers)).toEqual(Array.from(h.registers))
      expect(HyperLogLog.fromJSON(JSON.parse(JSON.stringify(h))).registers).toEqual(h.registers)
      estimates[String(d)] = { num: h.estimate(), str: hs.estimate(), merged: merged.estimate() }
      inputs[String(d)] = writeF64(`hll-${d}`, vals)
    }
    const truth = await runPython<Record<string, number>>(
      `write({k: int(np.unique(np.fromfile(f, dtype="<f8")).size) for k, f in read().items()})`,
      inputs,
    )
    const se = new HyperLogLog().relativeStandardError
    expect(se).toBeCloseTo(1.04 / 64, 6)
    for (const [d, t] of Object.entries(truth)) {
      const e = estimates[d]!
      expect(Math.abs(e.num - t) / t, `numbers ${d}`).toBeLessThanOrEqual(3 * se)
      expect(Math.abs(e.str - t) / t, `strings ${d}`).toBeLessThanOrEqual(3 * se)
    }
  }, 60_000)

  it('counts 1, "1" and true as three values; an empty sketch estimates 0; small counts are near exact', () => {
    const h = new HyperLogLog()
    expect(h.estimate()).toBe(0)
    h.update(1)
    h.update('1')
    h.update(true)
    h.update(1)
    expect(Math.round(h.estimate())).toBe(3)
    const j = h.toJSON()
    expect(j.enc).toBe('sparse')
    expect(JSON.stringify(j).length).toBeLessThan(100)
  })
})

describe('frequent items (Misra–Gries, k = 128) against NumPy counts', () => {
  it('finds every item above the error bound, and every count is within [lower, upper]; merged shards too', async () => {
    const r = rng(8)
    const n = 500_000
    // Zipf-like: item i with weight 1/(i+1), 5,000 items, plus strings
    const items = Array.from({ length: 5000 }, (_, i) => i)
    const cum = new Float64Array(items.length)
    items.forEach((i) => {
      cum[i] = (i > 0 ? cum[i - 1]! : 0) + 1 / (i + 1) ** 1.1
    })
    const vals = Float64Array.from({ length: n }, () => {
      const u = r.uniform() * cum[cum.length - 1]!
      let lo = 0
      let hi = cum.length - 1
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (cum[mid]! <= u) lo = mid + 1
        else hi = mid
      }
      return lo
    })
    const one = new FrequentItems()
    const shards = Array.from({ length: 10 }, () => new FrequentItems())
    for (let i = 0; i < n; i++) {
      one.update(vals[i]!)
      shards[Math.floor((i * 10) / n)]!.update(vals[i]!)
    }
    const merged = shards.reduce((acc, s) => acc.merge(s), new FrequentItems())
    const rt = FrequentItems.fromJSON(JSON.parse(JSON.stringify(merged)))
    const counts = await runPython<Record<string, number>>(
      `
v, c = np.unique(np.fromfile(read(), dtype="<f8"), return_counts=True)
write({str(int(a)): int(b) for a, b in zip(v, c)})
`,
      writeF64('fi', vals),
    )
    for (const fi of [one, merged, rt]) {
      expect(fi.exact).toBe(false)
      expect(fi.offset).toBeLessThanOrEqual(n / (fi.k + 1))
      for (const [v, t] of Object.entries(counts)) {
        const b = fi.bounds(Number(v))
        expect(t).toBeGreaterThanOrEqual(b.lower)
        expect(t).toBeLessThanOrEqual(b.upper)
        if (t > fi.offset) expect(fi.counts.has(Number(v)), `item ${v} (count ${t}) above ${fi.offset}`).toBe(true)
      }
      for (const it of fi.frequentAbove(fi.offset)) expect(counts[String(it.value)]).toBeGreaterThan(fi.offset)
    }
  }, 60_000)

  it('is exact, in any order, while there are at most 2k distinct values', () => {
    const a = new FrequentItems(4)
    const b = new FrequentItems(4)
    const vals = ['x', 'y', 'z', 1, true, 'x', 'x', 2, 3, 'y'] as const
    vals.forEach((v) => {
      a.update(v)
    })
    ;[...vals].reverse().forEach((v) => {
      b.update(v)
    })
    expect(a.exact && b.exact).toBe(true)
    expect(new Map(a.counts)).toEqual(new Map(b.counts))
    expect(a.bounds('x')).toEqual({ lower: 3, upper: 3 })
    expect(a.bounds('1')).toEqual({ lower: 0, upper: 0 })
  })
})

describe('moments against NumPy', () => {
  it('mean and variance equal np.mean / np.var (ddof 0 and 1) to 1e-12 relative, one pass and merged in any order', async () => {
    const all = distributions()
    const inputs: Record<string, string> = {}
    const got: Record<string, number[][]> = {}
    for (const name of ['normal_far_from_zero', 'lognormal', 'duplicates_10', 'zero_inflated', 'uniform']) {
      const x = all[name]!.subarray(0, 300_000)
      const one = new Moments()
      one.updateMany(x)
      const perValue = new Moments()
      for (let i = 0; i < 50_000; i++) perValue.update(x[i]!)
      const shards = Array.from({ length: 7 }, (_, i) => {
        const m = new Moments()
        m.updateMany(x.subarray(Math.floor((i * x.length) / 7), Math.floor(((i + 1) * x.length) / 7)))
        return m
      })
      const fwd = shards.reduce((acc, s) => acc.merge(s), new Moments())
      const bwd = [...shards].reverse().reduce((acc, s) => acc.merge(s), new Moments())
      const rt = Moments.fromJSON(JSON.parse(JSON.stringify(fwd)))
      got[name] = [one, fwd, bwd, rt].map((m) => [m.mean, m.variance, m.sampleVariance, m.min, m.max])
      got[`${name}_50k`] = [[perValue.mean, perValue.variance, perValue.sampleVariance, perValue.min, perValue.max]]
      inputs[name] = writeF64(`mom-${name}`, x)
      inputs[`${name}_50k`] = writeF64(`mom50-${name}`, x.subarray(0, 50_000))
    }
    const expected = await runPython<Record<string, number[]>>(
      `
out = {}
for k, f in read().items():
    x = np.fromfile(f, dtype="<f8")
    out[k] = [float(np.mean(x)), float(np.var(x)), float(np.var(x, ddof=1)), float(x.min()), float(x.max())]
write(out)
`,
      inputs,
    )
    for (const [k, rows] of Object.entries(got)) {
      const e = expected[k]!
      for (const row of rows) {
        row.forEach((v, i) => {
          expect(Math.abs(v - e[i]!), `${k}[${i}] ${v} vs ${e[i]}`).toBeLessThanOrEqual(1e-12 * Math.abs(e[i]!))
        })
      }
    }
  }, 60_000)
})

describe('serialised forms', () => {
  it('refuse what they cannot read, naming the problem', () => {
    const k = new KllSketch()
    for (let i = 0; i < 1000; i++) k.update(i)
    const j = k.toJSON()
    expect(() => KllSketch.fromJSON({ ...j, v: 2 })).toThrow(/unsupported format version/)
    expect(() => KllSketch.fromJSON({ ...j, n: j.n + 1 })).toThrow(ProfileFormatError)
    expect(() => KllSketch.fromJSON({ ...j, items: 'not base64!' })).toThrow(/base64/)
    expect(() => HyperLogLog.fromJSON({ kind: 'hll', v: 1, lgK: 30, enc: 'dense', data: '' })).toThrow(/lgK/)
    expect(() =>
      FrequentItems.fromJSON({ kind: 'frequent_items', v: 1, k: 2, n: 1, offset: 0, items: [[null, 1]] }),
    ).toThrow(/value/)
    expect(() => Moments.fromJSON(null)).toThrow(/expected an object/)
    // an empty KLL sketch round-trips, answers NaN, merges with a full one
    const e = KllSketch.fromJSON(JSON.parse(JSON.stringify(new KllSketch())))
    expect(e.quantile(0.5)).toBeNaN()
    expect(e.merge(k).quantile(1)).toBe(999)
  })
})
