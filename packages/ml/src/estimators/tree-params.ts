/** Tree hyper-parameters shared by the trees and forests (ml-cart's options). */
export interface TreeParams {
  /** Maximum depth (root is depth 0); unlimited when absent. */
  maxDepth?: number
  /** A node with at most this many samples becomes a leaf (ml-cart's `minNumSamples`, default 3). */
  minNumSamples?: number
  /** Classifiers only: a split must improve Gini impurity by more than this (ml-cart default 0.01). */
  gainThreshold?: number
}
