/**
 * The compiled forest (flat arrays) must predict exactly what walking ml-cart's trees predicts: the
 * mean over trees of each tree's leaf distribution (the library's `classify` + `leafDistribution`).
 */
import { describe, expect, it } from 'vitest'
import { RandomForestClassifier, createRng, loadEstimator, loadIris } from '../src/index.js'
import { leafDistribution } from '../src/estimators/cart.js'
import type { CartTreeNode } from 'ml-cart'

interface Internals {
  forest: { indexes: number[][]; estimators: { root: CartTreeNode }[] }
}

function reference(est: RandomForestClassifier, X: number[][]): number[][] {
  const { forest } = est as unknown as Internals
  const k = est.classes.length
  return X.map((row) => {
    const sum = new Array<number>(k).fill(0)
    forest.estimators.forEach((tree, t) => {
      const dist = leafDistribution(
        tree.root,
        forest.indexes[t]!.map((j) => row[j]!),
        k,
      )
      dist.forEach((v, c) => {
        sum[c]! += v
      })
    })
    return sum.map((v) => v / forest.estimators.length)
  })
}

describe('compiled random forest', () => {
  const iris = loadIris()
  const rng = createRng(7)
  // Points inside and well outside the training range, and exactly on split values.
  const probes = [
    ...iris.data,
    ...Array.from({ length: 300 }, () => [rng() * 10, rng() * 6, rng() * 9, rng() * 4]),
    ...Array.from({ length: 20 }, () => [-1e9, 1e9, -1e9, 1e9]),
  ]

  for (const params of [
    { nEstimators: 10, maxDepth: 2, seed: 1 },
    { nEstimators: 50, maxDepth: 5, seed: 42 },
    { nEstimators: 30, seed: 3, maxFeatures: 'all' as const },
  ]) {
    it(`agrees with the tree walk for ${JSON.stringify(params)}`, () => {
      const est = new RandomForestClassifier(params).fit(iris.data, iris.target)
      const fast = est.predictProba(probes)
      const slow = reference(est, probes)
      expect(fast).toHaveLength(slow.length)
      fast.forEach((row, i) => {
        row.forEach((v, c) => {
          expect(v).toBeCloseTo(slow[i]![c]!, 12)
        })
      })
      // and after a save/load round trip (the loaded trees are rebuilt by ml-cart's load)
      const loaded = loadEstimator(JSON.parse(JSON.stringify(est.toJSON()))) as RandomForestClassifier
      expect(loaded.predictProba(probes)).toEqual(fast)
      expect(reference(loaded, probes)).toEqual(slow)
    })
  }

  it('uses split values the way ml-cart does: below goes left, equal goes right', () => {
    const est = new RandomForestClassifier({ nEstimators: 5, maxDepth: 3, seed: 9 }).fit(iris.data, iris.target)
    const { forest } = est as unknown as Internals
    const root = forest.estimators[0]!.root as unknown as { splitColumn: number; splitValue: number }
    const column = forest.indexes[0]![root.splitColumn]!
    const at = iris.data.map((r) => r.map((v, j) => (j === column ? root.splitValue : v)))
    const fast = est.predictProba(at)
    const slow = reference(est, at)
    fast.forEach((row, i) => {
      row.forEach((v, c) => {
        expect(v).toBeCloseTo(slow[i]![c]!, 12)
      })
    })
  })
})
