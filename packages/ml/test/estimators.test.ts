import { describe, expect, it } from 'vitest'
import {
  accuracy,
  createEstimator,
  createRng,
  ESTIMATOR_TYPES,
  LinearRegression,
  loadEstimator,
  loadIris,
  LogisticRegression,
  r2Score,
  RandomForestClassifier,
  RandomForestRegressor,
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  trainTestSplit,
  type Classifier,
  type Estimator,
  type EstimatorType,
  type Regressor,
} from '@keel/ml'

const iris = loadIris()
const split = trainTestSplit(iris.data, iris.target, { testSize: 0.2, seed: 42, stratify: true })
const namedTarget = iris.target.map((t) => iris.targetNames[t] as string)
const namedSplit = trainTestSplit(iris.data, namedTarget, { testSize: 0.2, seed: 42, stratify: true })

/** y = 3 x0 - 2 x1 + 0.5 x2 + 4 + small noise. */
function linearData(n: number, seed: number): { X: number[][]; y: number[] } {
  const rng = createRng(seed)
  const X = Array.from({ length: n }, () => [rng() * 10, rng() * 5 - 2, rng() * 20])
  const y = X.map(([a, b, c]) => 3 * (a as number) - 2 * (b as number) + 0.5 * (c as number) + 4 + (rng() - 0.5) * 0.1)
  return { X, y }
}
const train = linearData(200, 1)
const test = linearData(60, 2)

const CLASSIFIERS: EstimatorType[] = ['RandomForestClassifier', 'DecisionTreeClassifier', 'LogisticRegression']

function fitted(type: EstimatorType): Estimator {
  const est = createEstimator(type)
  return est.task === 'classification' ? est.fit(split.XTrain, split.yTrain) : est.fit(train.X, train.y)
}

describe('classifiers on iris (80/20 stratified, seed 42)', () => {
  for (const type of CLASSIFIERS) {
    it(`${type}: accuracy >= 0.9, probabilities sum to 1 and argmax is predict`, () => {
      const est = fitted(type) as Classifier
      expect(est.task).toBe('classification')
      expect(est.classes).toEqual([0, 1, 2])
      expect(est.nFeatures).toBe(4)
      const pred = est.predict(split.XTest)
      expect(accuracy(split.yTest, pred)).toBeGreaterThanOrEqual(0.9)
      const proba = est.predictProba(split.XTest)
      expect(proba).toHaveLength(split.XTest.length)
      proba.forEach((row, i) => {
        expect(row).toHaveLength(3)
        expect(row.every((p) => p >= 0 && p <= 1)).toBe(true)
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
        expect(est.classes[row.indexOf(Math.max(...row))]).toBe(pred[i])
      })
    })
  }

  it('RandomForestClassifier: probabilities are the mean of the trees’ leaf distributions', () => {
    const est = new RandomForestClassifier({ nEstimators: 25, seed: 3 }).fit(split.XTrain, split.yTrain)
    const proba = est.predictProba(iris.data)
    expect(proba.some((row) => row.some((p) => p > 0 && p < 1))).toBe(true)
    // Rebuild every tree of the saved forest as a keel DecisionTreeClassifier and average them.
    const { baseModel } = est.toJSON().model as { baseModel: { indexes: number[][]; estimators: unknown[] } }
    expect(baseModel.estimators).toHaveLength(25)
    const perTree = baseModel.estimators.map((model, t) => {
      const columns = baseModel.indexes[t] as number[]
      const tree = loadEstimator({
        format: 'keel-estimator',
        formatVersion: 1,
        type: 'DecisionTreeClassifier',
        params: {},
        nFeatures: columns.length,
        classes: [0, 1, 2],
        model,
      }) as Classifier
      return tree.predictProba(iris.data.map((row) => columns.map((j) => row[j] as number)))
    })
    proba.forEach((row, i) => {
      row.forEach((p, c) => {
        const mean = perTree.reduce((s, tp) => s + ((tp[i] as number[])[c] as number), 0) / perTree.length
        expect(p).toBeCloseTo(mean, 12)
      })
    })
    // Leaf distributions (not only votes): some probabilities are not multiples of 1/25.
    expect(proba.flat().some((p) => Math.abs(p * 25 - Math.round(p * 25)) > 1e-9)).toBe(true)
  })

  it('works with string labels: classes sorted, predictions are labels', () => {
    for (const type of CLASSIFIERS) {
      const est = (createEstimator(type) as Classifier).fit(namedSplit.XTrain, namedSplit.yTrain)
      expect(est.classes).toEqual(['setosa', 'versicolor', 'virginica'])
      const pred = est.predict(namedSplit.XTest)
      expect(pred.every((p) => typeof p === 'string')).toBe(true)
      expect(accuracy(namedSplit.yTest, pred), type).toBeGreaterThanOrEqual(0.9)
    }
  })

  it('binary problems with unsorted numeric labels', () => {
    const keep = iris.target.map((_, i) => i).filter((i) => iris.target[i] !== 0)
    const X = keep.map((i) => iris.data[i] as number[])
    const y = keep.map((i) => (iris.target[i] === 1 ? 10 : -3))
    for (const type of CLASSIFIERS) {
      const est = (createEstimator(type) as Classifier).fit(X, y)
      expect(est.classes).toEqual([-3, 10])
      expect(accuracy(y, est.predict(X)), type).toBeGreaterThanOrEqual(0.9)
      expect(est.predictProba(X)[0]).toHaveLength(2)
    }
  })
})

describe('regressors on y = 3 x0 - 2 x1 + 0.5 x2 + 4', () => {
  it('LinearRegression: R2 > 0.99 and coefficients close to the truth', () => {
    const est = new LinearRegression().fit(train.X, train.y)
    expect(r2Score(test.y, est.predict(test.X))).toBeGreaterThan(0.99)
    const [a, b, c] = est.coefficients
    expect(a).toBeCloseTo(3, 2)
    expect(b).toBeCloseTo(-2, 2)
    expect(c).toBeCloseTo(0.5, 2)
    expect(est.intercept).toBeCloseTo(4, 1)
  })

  it('LinearRegression without intercept has intercept 0', () => {
    const est = new LinearRegression({ fitIntercept: false }).fit(train.X, train.y)
    expect(est.intercept).toBe(0)
    expect(est.coefficients).toHaveLength(3)
  })

  for (const type of ['RandomForestRegressor', 'DecisionTreeRegressor'] as const) {
    it(`${type}: R2 > 0.8 on held-out data`, () => {
      const est = fitted(type) as Regressor
      expect(est.task).toBe('regression')
      expect(r2Score(test.y, est.predict(test.X))).toBeGreaterThan(0.8)
    })
  }
})

describe('save and load', () => {
  for (const type of ESTIMATOR_TYPES) {
    it(`${type}: toJSON -> JSON text -> loadEstimator predicts identically`, () => {
      const est = fitted(type)
      const text = JSON.stringify(est.toJSON())
      const state = JSON.parse(text) as Record<string, unknown>
      expect(state).toMatchObject({ format: 'keel-estimator', formatVersion: 1, type, nFeatures: est.nFeatures })
      const loaded = loadEstimator(state)
      expect(loaded.type).toBe(type)
      expect(loaded.task).toBe(est.task)
      expect(loaded.params).toEqual(JSON.parse(JSON.stringify(est.params)))
      if (est.task === 'classification' && loaded.task === 'classification') {
        expect(loaded.classes).toEqual(est.classes)
        expect(loaded.predict(iris.data)).toEqual(est.predict(iris.data))
        expect(loaded.predictProba(iris.data)).toEqual(est.predictProba(iris.data))
      } else {
        const X = [...train.X, ...test.X]
        expect((loaded as Regressor).predict(X)).toEqual((est as Regressor).predict(X))
      }
      // The loaded estimator saves the same state again.
      expect(JSON.stringify(loaded.toJSON())).toBe(text)
    })
  }

  it('round-trips string classes', () => {
    const est = new DecisionTreeClassifier({ maxDepth: 3 }).fit(namedSplit.XTrain, namedSplit.yTrain)
    const loaded = loadEstimator(JSON.parse(JSON.stringify(est)))
    expect(loaded.task === 'classification' && loaded.classes).toEqual(['setosa', 'versicolor', 'virginica'])
    expect((loaded as Classifier).predict(namedSplit.XTest)).toEqual(est.predict(namedSplit.XTest))
  })
})

describe('random forest seeding and parameters', () => {
  it('same seed => same predictions and probabilities; another seed => another forest', () => {
    const a = new RandomForestClassifier({ nEstimators: 15, seed: 7 }).fit(split.XTrain, split.yTrain)
    const b = new RandomForestClassifier({ nEstimators: 15, seed: 7 }).fit(split.XTrain, split.yTrain)
    const c = new RandomForestClassifier({ nEstimators: 15, seed: 8 }).fit(split.XTrain, split.yTrain)
    expect(b.predictProba(iris.data)).toEqual(a.predictProba(iris.data))
    expect(b.predict(iris.data)).toEqual(a.predict(iris.data))
    expect(c.predictProba(iris.data)).not.toEqual(a.predictProba(iris.data))
    const r1 = new RandomForestRegressor({ nEstimators: 10, seed: 5 }).fit(train.X, train.y)
    const r2 = new RandomForestRegressor({ nEstimators: 10, seed: 5 }).fit(train.X, train.y)
    expect(r2.predict(test.X)).toEqual(r1.predict(test.X))
  })

  it('maxFeatures sets the features per tree (1 means one feature, sqrt of 4 is 2)', () => {
    const featuresPerTree = (est: RandomForestClassifier): number[] =>
      (est.toJSON().model as { baseModel: { indexes: number[][] } }).baseModel.indexes.map((ix) => ix.length)
    const one = new RandomForestClassifier({ nEstimators: 5, maxFeatures: 1 }).fit(split.XTrain, split.yTrain)
    expect(featuresPerTree(one)).toEqual([1, 1, 1, 1, 1])
    const sqrt = new RandomForestClassifier({ nEstimators: 5 }).fit(split.XTrain, split.yTrain)
    expect(featuresPerTree(sqrt)).toEqual([2, 2, 2, 2, 2])
    const all = new RandomForestClassifier({ nEstimators: 5, maxFeatures: 'all' }).fit(split.XTrain, split.yTrain)
    expect(featuresPerTree(all)).toEqual([4, 4, 4, 4, 4])
    const half = new RandomForestClassifier({ nEstimators: 5, maxFeatures: 0.5 }).fit(split.XTrain, split.yTrain)
    expect(featuresPerTree(half)).toEqual([2, 2, 2, 2, 2])
  })

  it('maxDepth limits the trees (depth 1 = stumps predicting at most 2 classes each)', () => {
    const stump = new DecisionTreeClassifier({ maxDepth: 1 }).fit(split.XTrain, split.yTrain)
    expect(new Set(stump.predict(iris.data)).size).toBeLessThanOrEqual(2)
    const deep = new DecisionTreeRegressor({ maxDepth: 1 }).fit(train.X, train.y)
    expect(new Set(deep.predict(test.X)).size).toBeLessThanOrEqual(2)
  })

  it('LogisticRegression accepts its own numSteps and learningRate', () => {
    const est = new LogisticRegression({ numSteps: 50, learningRate: 1e-3 }).fit(split.XTrain, split.yTrain)
    expect(est.params).toEqual({ numSteps: 50, learningRate: 1e-3 })
    expect(est.predictProba(split.XTest)[0]).toHaveLength(3)
  })
})

describe('errors are clear', () => {
  it('predict, predictProba, toJSON and nFeatures before fit', () => {
    const est = new RandomForestClassifier()
    expect(() => est.predict(split.XTest)).toThrow(
      /RandomForestClassifier is not fitted: call fit\(X, y\) before predict/,
    )
    expect(() => est.predictProba(split.XTest)).toThrow(/not fitted/)
    expect(() => est.toJSON()).toThrow(/not fitted/)
    expect(() => est.nFeatures).toThrow(/not fitted/)
    expect(() => new LinearRegression().predict([[1]])).toThrow(/LinearRegression is not fitted/)
  })

  it('wrong number of features at predict names expected and got', () => {
    for (const type of ESTIMATOR_TYPES) {
      const est = fitted(type)
      const width = est.nFeatures
      const X = [Array.from({ length: width + 1 }, () => 1)]
      expect(() => est.predict(X), type).toThrow(
        `X has ${width + 1} features, but the estimator was fitted with ${width} features`,
      )
    }
  })

  it('bad training data', () => {
    const est = new DecisionTreeClassifier()
    expect(() => est.fit([[1, 2], [3]], [0, 1])).toThrow(/ragged: row 1 has 1 features, row 0 has 2/)
    expect(() => est.fit([[1, Number.NaN]], [0])).toThrow(/X\[0\]\[1\] is NaN/)
    expect(() => est.fit([[1], [2]], [0])).toThrow(/y has 1 entries but X has 2 rows/)
    expect(() => est.fit([], [])).toThrow(/no rows/)
    expect(() => est.fit([[1], [2]], [0, 'a'])).toThrow(/mixes number and string/)
    expect(() => new LinearRegression().fit([[1], [2]], [1, Number.POSITIVE_INFINITY])).toThrow(/y\[1\] is Infinity/)
    expect(() => new LogisticRegression().fit([[1], [2]], [1, 1])).toThrow(/single class/)
  })

  it('unknown types and parameters', () => {
    expect(() => createEstimator('SVM' as EstimatorType)).toThrow(/unknown estimator type "SVM"/)
    expect(() => createEstimator('RandomForestClassifier', { nEstimator: 5 })).toThrow(/unknown parameter 'nEstimator'/)
    expect(() => new RandomForestClassifier({ seed: 1.5 })).toThrow(/seed must be a 32-bit integer/)
    expect(() => new RandomForestClassifier({ maxFeatures: 2.5 })).toThrow(/maxFeatures/)
    expect(() => new RandomForestClassifier({ maxFeatures: 9 }).fit(split.XTrain, split.yTrain)).toThrow(
      /maxFeatures is 9 but X has only 4 features/,
    )
  })

  it('loadEstimator on garbage says what is wrong', () => {
    const good = fitted('DecisionTreeClassifier').toJSON()
    expect(() => loadEstimator(null)).toThrow(/expected an object, got null/)
    expect(() => loadEstimator('{}')).toThrow(/expected an object, got string/)
    expect(() => loadEstimator({})).toThrow(/'format' must be 'keel-estimator', got undefined/)
    expect(() => loadEstimator({ ...good, formatVersion: 2 })).toThrow(/unsupported formatVersion 2/)
    expect(() => loadEstimator({ ...good, type: 'Nope' })).toThrow(/unknown type "Nope"/)
    expect(() => loadEstimator({ ...good, nFeatures: 0 })).toThrow(/'nFeatures' must be a positive integer/)
    expect(() => loadEstimator({ ...good, model: null })).toThrow(/'model' must be an object/)
    expect(() => loadEstimator({ ...good, model: { name: 'Other' } })).toThrow(
      /cannot load DecisionTreeClassifier: .*Invalid model/,
    )
    expect(() => loadEstimator({ ...good, classes: [] })).toThrow(/'classes' must be a non-empty array/)
    expect(() => loadEstimator({ ...good, params: { bogus: 1 } })).toThrow(/unknown parameter 'bogus'/)
  })
})
