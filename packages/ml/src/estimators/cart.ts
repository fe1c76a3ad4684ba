import type { CartOptions, CartTreeNode } from 'ml-cart'
import type { EstimatorType } from '../types.js'
import type { TreeParams } from './tree-params.js'
import { checkPositiveInt } from './base.js'

export function checkTreeParams(type: EstimatorType, p: TreeParams): void {
  checkPositiveInt(type, 'maxDepth', p.maxDepth)
  checkPositiveInt(type, 'minNumSamples', p.minNumSamples)
  if (p.gainThreshold !== undefined && (typeof p.gainThreshold !== 'number' || !(p.gainThreshold >= 0))) {
    throw new Error(`${type}: gainThreshold must be a number >= 0, got ${JSON.stringify(p.gainThreshold)}`)
  }
}

/** ml-cart's options from keel's parameters (only the ones that were given). */
export function cartOptions(p: TreeParams, classifier: boolean): CartOptions {
  const o: CartOptions = {}
  if (p.maxDepth !== undefined) o.maxDepth = p.maxDepth
  if (p.minNumSamples !== undefined) o.minNumSamples = p.minNumSamples
  if (classifier && p.gainThreshold !== undefined) o.gainThreshold = p.gainThreshold
  return o
}

/**
 * The class distribution of the leaf `row` falls in, padded to `nClasses` columns.
 * ml-cart stores a leaf's distribution as the fraction of its training samples in each class
 * (sklearn's `tree_.value` normalised), with only as many columns as the largest class index
 * present in that leaf; it is renormalised so the row sums to 1 exactly up to rounding.
 */
export function leafDistribution(root: CartTreeNode, row: readonly number[], nClasses: number): number[] {
  const d = root.classify(row)
  if (typeof d === 'number') throw new Error('internal error: a classification tree returned a number')
  const values = d.getRow(0)
  const out = new Array<number>(nClasses).fill(0)
  let sum = 0
  for (let j = 0; j < values.length && j < nClasses; j++) {
    const v = values[j] as number
    out[j] = v
    sum += v
  }
  if (!(sum > 0)) throw new Error('internal error: empty leaf distribution')
  return out.map((v) => v / sum)
}
