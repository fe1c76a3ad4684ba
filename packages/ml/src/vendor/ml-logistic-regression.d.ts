// Types for ml-logistic-regression 2.0.0 (the package ships none). Only what keel uses.
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix'

  interface TwoClassModel {
    /** P(y = 1 | x) per row; keel's one-vs-rest targets make 1 mean "not this class". */
    testScores(features: Matrix): number[]
  }

  class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number })
    numberClasses: number
    classifiers: TwoClassModel[]
    /** One-vs-rest gradient ascent; Y is a column vector of class indices 0..k-1. */
    train(X: Matrix, Y: Matrix): void
    predict(X: Matrix): number[]
    toJSON(): {
      name: 'LogisticRegression'
      numSteps: number
      learningRate: number
      numberClasses: number
      classifiers: unknown[]
    }
    static load(model: unknown): LogisticRegression
  }

  export = LogisticRegression
}
