/** The benchmarks' iris model on keel's side: rows keyed by feature name, and the native forest. */
import { RandomForestClassifier, loadIris } from '@keel/ml'

export interface IrisData {
  readonly featureNames: string[]
  readonly data: number[][]
  readonly target: number[]
  /** Each row as an object keyed by feature name (what a JSON request carries). */
  readonly rows: Record<string, number>[]
}

export function irisData(): IrisData {
  const iris = loadIris()
  const rows = iris.data.map((r) => Object.fromEntries(iris.featureNames.map((f, i) => [f, r[i]!])))
  return { featureNames: iris.featureNames, data: iris.data, target: iris.target, rows }
}

/** keel's forest with scikit-learn's hyper-parameters of bench/python/predict_anchor.py (100 trees, depth 5). */
export function trainIrisForest(iris: IrisData): RandomForestClassifier {
  return new RandomForestClassifier({ nEstimators: 100, maxDepth: 5, seed: 42 }).fit(iris.data, iris.target)
}
