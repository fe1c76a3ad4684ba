/**
 * A trained ml-random-forest classifier flattened into typed arrays for prediction. Training stays
 * ml.js's; this only changes how the trees it grew are walked: one loop over flat arrays instead of
 * a recursive `classify` that builds a Matrix per leaf, which makes batch prediction about 20x
 * faster. The walk is the library's rule exactly (`row[column] < split` goes left, anything else,
 * NaN included, goes right), and leaves hold the normalised class distribution `leafDistribution`
 * computes; test/compiled-forest.test.ts checks both paths agree.
 */
import type { CartTreeNode } from 'ml-cart'
import { leafDistribution } from './cart.js'

interface RawNode {
  left?: RawNode
  right?: RawNode
  splitColumn?: number
  splitValue?: number
}

export interface CompiledForest {
  /** Mean leaf distribution over the trees, `nClasses` columns per row, row-major. */
  predictProba(X: readonly (readonly number[])[]): Float64Array
}

export function compileForest(
  trees: readonly { root: CartTreeNode }[],
  featureIndexes: readonly (readonly number[])[],
  nClasses: number,
): CompiledForest {
  const feature: number[] = []
  const threshold: number[] = []
  const left: number[] = []
  const right: number[] = []
  const leafValues: number[] = []
  const roots: number[] = []

  trees.forEach((tree, t) => {
    const columns = featureIndexes[t] as readonly number[]
    const visit = (node: RawNode): number => {
      const id = feature.length
      feature.push(-1)
      threshold.push(0)
      left.push(-1)
      right.push(-1)
      if (node.left && node.right) {
        feature[id] = columns[node.splitColumn as number] as number
        threshold[id] = node.splitValue as number
        left[id] = visit(node.left)
        right[id] = visit(node.right)
      } else {
        // A leaf: its distribution as the library reports it, normalised and padded.
        left[id] = -2 - leafValues.length / nClasses
        leafValues.push(...leafDistribution(node as unknown as CartTreeNode, [], nClasses))
      }
      return id
    }
    roots.push(visit(tree.root as unknown as RawNode))
  })

  const f = Int32Array.from(feature)
  const th = Float64Array.from(threshold)
  const l = Int32Array.from(left)
  const r = Int32Array.from(right)
  const values = Float64Array.from(leafValues)
  const rootIds = Int32Array.from(roots)
  const nTrees = rootIds.length

  return {
    predictProba(X) {
      const out = new Float64Array(X.length * nClasses)
      for (let i = 0; i < X.length; i++) {
        const row = X[i] as readonly number[]
        const base = i * nClasses
        for (let t = 0; t < nTrees; t++) {
          let n = rootIds[t] as number
          while ((l[n] as number) >= 0)
            n = (row[f[n] as number] as number) < (th[n] as number) ? (l[n] as number) : (r[n] as number)
          const leaf = (-2 - (l[n] as number)) * nClasses
          for (let c = 0; c < nClasses; c++) out[base + c] = (out[base + c] as number) + (values[leaf + c] as number)
        }
        for (let c = 0; c < nClasses; c++) out[base + c] = (out[base + c] as number) / nTrees
      }
      return out
    },
  }
}
