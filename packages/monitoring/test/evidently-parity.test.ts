// Evidently's own stattest functions (evidently 0.7.23, legacy/calculations/stattests) and its
// default test selection, against ours, on shared seeded vectors: binning, epsilons, normalisation
// and decision rules included.

import { beforeAll, describe, expect, it } from 'vitest'
import { defaultStatTest, runStatTest, tvd, empiricalMmd, type FeatureType, type StatTestName } from '../src/index.js'
import { close, rng, runPython } from './support/python-oracle.js'

type Sample = Array<number | string>
interface Case {
  name: string
  type: FeatureType
  ref: Sample
  cur: Sample
  tests: StatTestName[]
}

const g = rng(77)
const NUM_TESTS: StatTestName[] = [
  'ks',
  'wasserstein',
  'psi',
  'jensenshannon',
  'kl_div',
  'hellinger',
  'ed',
  'anderson',
  'cramer_von_mises',
  'mannw',
  't_test',
]
const CAT_TESTS: StatTestName[] = ['chisquare', 'z', 'psi', 'jensenshannon', 'kl_div', 'hellinger']

const cases: Case[] = [
  {
    name: 'numeric, normal vs shifted (Sturges bins)',
    type: 'num',
    ref: g.normals(800),
    cur: g.normals(700, 0.3),
    tests: NUM_TESTS,
  },
  {
    name: 'numeric, same distribution, large',
    type: 'num',
    ref: g.normals(5000),
    cur: g.normals(4000),
    tests: NUM_TESTS,
  },
  {
    name: 'numeric, <= 20 distinct reference values (one bin per value)',
    type: 'num',
    ref: g.ints(600, 0, 12),
    cur: g.ints(500, 2, 15),
    tests: NUM_TESTS,
  },
  {
    name: 'numeric, sparse tail bins (zero filling)',
    type: 'num',
    ref: g.normals(3000),
    cur: [...g.normals(200, 4), ...g.normals(10, -6)],
    tests: NUM_TESTS,
  },
  // cramer_von_mises is left out here: Evidently's copy of the exact (n <= 20) p-value fails under
  // numpy 2 (uint16 casting); scipy-parity.test.ts checks ours against SciPy's exact p-value.
  {
    name: 'numeric, tiny samples',
    type: 'num',
    ref: g.normals(6),
    cur: g.normals(7, 1),
    tests: NUM_TESTS.filter((t) => t !== 'cramer_von_mises'),
  },
  {
    name: 'numeric, constant reference (std floor 0.001)',
    type: 'num',
    ref: Array(50).fill(3),
    cur: g.normals(40, 3),
    tests: ['ks', 'wasserstein', 'psi', 'jensenshannon', 'kl_div', 'hellinger', 'ed', 'cramer_von_mises', 'mannw'],
  },
  {
    name: 'categorical strings, new category in current',
    type: 'cat',
    ref: g.pick(900, ['a', 'b', 'c', 'd'], [5, 3, 2, 1]),
    cur: g.pick(700, ['a', 'b', 'c', 'e'], [4, 3, 2, 1]),
    tests: CAT_TESTS,
  },
  {
    name: 'categorical strings, same distribution',
    type: 'cat',
    ref: g.pick(2000, ['x', 'y', 'z']),
    cur: g.pick(1500, ['x', 'y', 'z']),
    tests: CAT_TESTS,
  },
  {
    name: 'binary categorical',
    type: 'cat',
    ref: g.pick(500, ['no', 'yes'], [7, 3]),
    cur: g.pick(400, ['no', 'yes'], [6, 4]),
    tests: CAT_TESTS,
  },
  {
    name: 'integer categories',
    type: 'cat',
    ref: g.ints(300, 1, 4),
    cur: g.ints(300, 1, 5),
    tests: [...CAT_TESTS, 'g_test'],
  },
  {
    name: 'binary, equal sizes (fisher, g_test)',
    type: 'cat',
    ref: g.pick(120, ['m', 'f'], [1, 1]),
    cur: g.pick(120, ['m', 'f'], [2, 1]),
    tests: ['fisher_exact', 'g_test', 'z', 'chisquare'],
  },
  {
    name: 'single shared category (z: p = 1)',
    type: 'cat',
    ref: Array(30).fill('k'),
    cur: Array(20).fill('k'),
    tests: ['z', 'psi', 'jensenshannon', 'kl_div', 'hellinger'],
  },
]

// evidently 0.7.23's package __init__ imports pandas.core.dtypes.common.infer_dtype_from_object,
// which pandas 3 removed; the stattests never call it, so the oracle defines a stub before the
// import (the repo pins pandas 3.1.1 for the MLflow suite).
const SCRIPT = `
import pandas as pd
import pandas.core.dtypes.common as _pdc
if not hasattr(_pdc, "infer_dtype_from_object"):
    def infer_dtype_from_object(dtype):
        raise NotImplementedError("removed in pandas 3")
    _pdc.infer_dtype_from_object = infer_dtype_from_object
from evidently.legacy.core import ColumnType
from evidently.legacy.calculations.stattests.registry import get_stattest
from evidently.legacy.calculations.stattests.tvd_stattest import _total_variation_distance
from evidently.legacy.calculations.stattests import mmd_stattest as mmd
inp = read()
out = []
for c in inp["cases"]:
    ft = ColumnType.Numerical if c["type"] == "num" else ColumnType.Categorical
    r = {}
    for t in c["tests"]:
        ref = pd.Series(c["ref"]); cur = pd.Series(c["cur"])
        st = get_stattest(ref, cur, ft, t)
        res = st(ref, cur, ft, None)
        r[t] = [float(res.drift_score), bool(res.drifted), float(res.actual_threshold)]
    ref = pd.Series(c["ref"]); cur = pd.Series(c["cur"])
    r["default"] = get_stattest(ref, cur, ft, None).name
    if c["type"] == "cat":
        r["tvd"] = float(_total_variation_distance(ref, cur))
    out.append(r)
mm = []
for c in inp["mmd"]:
    x = np.array(c["ref"], dtype=float).reshape(-1, 1); y = np.array(c["cur"], dtype=float).reshape(-1, 1)
    K = mmd.kernel_matrix(x, y); K = K - np.diag(np.diagonal(K))
    mm.append(float(mmd.mmd_2samp(K, y.shape[0], permute=False)))
sel = []
for s in inp["selection"]:
    ft = ColumnType.Numerical if s["type"] == "num" else ColumnType.Categorical
    sel.append(get_stattest(pd.Series(s["ref"]), pd.Series(s["cur"]), ft, None).name)
write({"cases": out, "mmd": mm, "selection": sel})
`

const mmdCases = [
  { ref: g.normals(80), cur: g.normals(60, 0.8) },
  { ref: g.normals(100), cur: g.normals(100) },
  { ref: g.ints(50, 0, 3), cur: g.ints(40, 0, 3) },
]

const selection: Array<{ type: FeatureType; ref: Sample; cur: Sample }> = [
  { type: 'num', ref: g.normals(1000), cur: g.normals(10) },
  { type: 'num', ref: g.normals(1001), cur: g.normals(10) },
  { type: 'num', ref: g.ints(500, 0, 4), cur: g.ints(500, 0, 4) },
  { type: 'num', ref: g.ints(500, 0, 1), cur: g.ints(500, 0, 1) },
  { type: 'num', ref: g.ints(5000, 0, 2), cur: g.ints(500, 0, 2) },
  { type: 'cat', ref: g.pick(1000, ['a', 'b', 'c']), cur: g.pick(10, ['a']) },
  { type: 'cat', ref: g.pick(1000, ['a', 'b']), cur: g.pick(10, ['a']) },
  { type: 'cat', ref: g.pick(1001, ['a', 'b']), cur: g.pick(10, ['a']) },
]

interface Expected {
  cases: Array<Record<string, [number, boolean, number] | string | number>>
  mmd: number[]
  selection: string[]
}

let expected: Expected

beforeAll(async () => {
  expected = await runPython<Expected>(SCRIPT, { cases, mmd: mmdCases, selection })
}, 180_000)

describe('drift tests match Evidently 0.7.23 (score to 1e-6 relative, same decision and threshold)', () => {
  cases.forEach((c, i) => {
    it(c.name, () => {
      const e = expected.cases[i]!
      for (const t of c.tests) {
        const [score, drifted, threshold] = e[t] as [number, boolean, number]
        const ours = runStatTest(t, c.ref, c.cur, c.type)
        expect(close(ours.score, score), `${t}: got ${ours.score}, Evidently ${score}`).toBe(true)
        expect(ours.drifted, `${t} drifted`).toBe(drifted)
        expect(ours.threshold, `${t} threshold`).toBe(threshold)
      }
      if (c.type === 'cat') expect(close(tvd(c.ref, c.cur).statistic, e.tvd as number)).toBe(true)
    })
  })

  it('empirical_mmd statistic (RBF, median heuristic, unbiased MMD²)', () => {
    mmdCases.forEach((c, i) => {
      const ours = empiricalMmd(c.ref, c.cur).statistic
      expect(close(ours, expected.mmd[i]!, 1e-6, 1e-12), `mmd ${i}: got ${ours}, Evidently ${expected.mmd[i]}`).toBe(
        true,
      )
    })
  })

  it("default test selection follows Evidently's _get_default_stattest", () => {
    selection.forEach((s, i) => {
      const nUnique = new Set([...s.ref, ...s.cur]).size
      expect(defaultStatTest(s.type, s.ref.length, nUnique), `selection ${i}`).toBe(expected.selection[i])
    })
  })
})
