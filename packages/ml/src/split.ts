import { uniqueLabels } from './estimators/labels.js'
import { createRng, shuffled } from './rng.js'
import type { Label } from './types.js'

export interface TrainTestSplitOptions {
  /** Fraction of rows in the test set, in (0, 1) (default 0.25), or an integer count >= 1. */
  testSize?: number
  /** Seed of the shuffle (default 0); the same seed gives the same split. */
  seed?: number
  /** Keep each class's proportion of y in both sets (default false). Requires shuffle. */
  stratify?: boolean
  /** Shuffle before splitting (default true). Without shuffling the test set is the last rows. */
  shuffle?: boolean
}

export interface TrainTestSplit<T, L extends Label> {
  XTrain: T[]
  XTest: T[]
  yTrain: L[]
  yTest: L[]
  /** Row indices (into X and y) of each set, in output order. */
  trainIndex: number[]
  testIndex: number[]
}

/** scikit-learn's test-set size: ceil(testSize * n) for a fraction, the count for an integer. */
export function testCount(n: number, testSize: number): number {
  if (!(testSize > 0) || (testSize >= 1 && !Number.isInteger(testSize))) {
    throw new Error(`testSize must be a fraction in (0, 1) or an integer count >= 1, got ${testSize}`)
  }
  const nTest = testSize < 1 ? Math.ceil(testSize * n) : testSize
  if (nTest >= n) throw new Error(`testSize ${testSize} leaves no training rows out of ${n}`)
  return nTest
}

/**
 * scikit-learn's `_approximate_mode`: per-class draws proportional to `counts`, summing to `draws`;
 * the leftover draws go to the largest remainders (ties broken by `rng`).
 */
export function approximateMode(counts: readonly number[], draws: number, rng: () => number): number[] {
  const total = counts.reduce((a, b) => a + b, 0)
  const continuous = counts.map((c) => (c / total) * draws)
  const floored = continuous.map(Math.floor)
  let need = draws - floored.reduce((a, b) => a + b, 0)
  const remainder = continuous.map((c, i) => c - (floored[i] as number))
  const values = [...new Set(remainder)].sort((a, b) => b - a)
  for (const value of values) {
    if (need <= 0) break
    const inds = remainder.flatMap((r, i) => (r === value ? [i] : []))
    const chosen = shuffled(inds, rng).slice(0, Math.min(inds.length, need))
    for (const i of chosen) floored[i] = (floored[i] as number) + 1
    need -= chosen.length
  }
  return floored
}

/**
 * Splits rows into train and test sets, seeded and deterministic for a seed.
 *
 * Sizes follow scikit-learn: nTest = ceil(testSize * n), nTrain = n - nTest. Shuffling uses
 * mulberry32 (see createRng) with Fisher–Yates, so the rows chosen differ from scikit-learn's for
 * the same seed; the sizes do not. With `stratify`, the per-class counts are those of
 * scikit-learn's StratifiedShuffleSplit (`_approximate_mode` for the training set, then for the
 * test set from what is left), so every class keeps its proportion up to rounding.
 */
export function trainTestSplit<T, L extends Label = Label>(
  X: readonly T[],
  y: readonly L[],
  opts: TrainTestSplitOptions = {},
): TrainTestSplit<T, L> {
  if (!Array.isArray(X) || !Array.isArray(y)) throw new TypeError('X and y must be arrays')
  if (X.length !== y.length) throw new Error(`y has ${y.length} entries but X has ${X.length} rows`)
  const n = X.length
  if (n < 2) throw new Error(`cannot split ${n} row(s); at least 2 are needed`)
  const nTest = testCount(n, opts.testSize ?? 0.25)
  const nTrain = n - nTest
  const shuffle = opts.shuffle ?? true
  const rng = createRng(opts.seed ?? 0)
  let trainIndex: number[]
  let testIndex: number[]
  const all = Array.from({ length: n }, (_, i) => i)

  if (opts.stratify) {
    if (!shuffle)
      throw new Error('stratify requires shuffle (scikit-learn refuses stratified splits without shuffling)')
    const classes = uniqueLabels(y)
    const members = classes.map((c) => all.filter((i) => y[i] === c))
    const counts = members.map((m) => m.length)
    const smallest = Math.min(...counts)
    if (smallest < 2) {
      throw new Error(
        `the least populated class in y has only ${smallest} member; each class needs at least 2 to stratify`,
      )
    }
    if (nTrain < classes.length)
      throw new Error(`the train size ${nTrain} is smaller than the number of classes ${classes.length}`)
    if (nTest < classes.length)
      throw new Error(`the test size ${nTest} is smaller than the number of classes ${classes.length}`)
    const trainPerClass = approximateMode(counts, nTrain, rng)
    const left = counts.map((c, i) => c - (trainPerClass[i] as number))
    const testPerClass = approximateMode(left, nTest, rng)
    trainIndex = []
    testIndex = []
    members.forEach((m, i) => {
      const perm = shuffled(m, rng)
      const a = trainPerClass[i] as number
      trainIndex.push(...perm.slice(0, a))
      testIndex.push(...perm.slice(a, a + (testPerClass[i] as number)))
    })
    trainIndex = shuffled(trainIndex, rng)
    testIndex = shuffled(testIndex, rng)
  } else if (shuffle) {
    const perm = shuffled(all, rng)
    testIndex = perm.slice(0, nTest)
    trainIndex = perm.slice(nTest)
  } else {
    trainIndex = all.slice(0, nTrain)
    testIndex = all.slice(nTrain)
  }

  return {
    XTrain: trainIndex.map((i) => X[i] as T),
    XTest: testIndex.map((i) => X[i] as T),
    yTrain: trainIndex.map((i) => y[i] as L),
    yTest: testIndex.map((i) => y[i] as L),
    trainIndex,
    testIndex,
  }
}
