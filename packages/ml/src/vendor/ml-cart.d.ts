// Types for ml-cart 2.1.1 (the package ships none). Only what keel uses.
declare module 'ml-cart' {
  import type { Matrix } from 'ml-matrix'

  export interface CartOptions {
    gainFunction?: 'gini' | 'regression'
    splitFunction?: 'mean'
    /** A node with at most this many samples becomes a leaf. */
    minNumSamples?: number
    maxDepth?: number
    gainThreshold?: number
  }

  /** A trained node; classify returns the leaf's class distribution (classifier) or mean (regression). */
  export interface CartTreeNode {
    classify(row: readonly number[]): Matrix | number
  }

  export class DecisionTreeClassifier {
    constructor(options?: CartOptions)
    root: CartTreeNode
    train(X: number[][] | Matrix, y: number[]): void
    predict(X: number[][] | Matrix): number[]
    toJSON(): { name: 'DTClassifier'; options: unknown; root: unknown }
    static load(model: unknown): DecisionTreeClassifier
  }

  export class DecisionTreeRegression {
    constructor(options?: CartOptions)
    root: CartTreeNode
    train(X: number[][] | Matrix, y: number[]): void
    predict(X: number[][] | Matrix): number[]
    toJSON(): { name: 'DTRegression'; options: unknown; root: unknown }
    static load(model: unknown): DecisionTreeRegression
  }
}
