/**
 * train.ts: the seed exercise's train.py in TypeScript. Trains a random forest on iris with a
 * seeded, stratified 80/20 split, and logs params, metrics, the dataset and the model to keel.
 *
 *   npx tsx examples/iris/train.ts --n-estimators 50 --max-depth 3
 *
 * The tracking server comes from MLFLOW_TRACKING_URI / KEEL_TRACKING_URI (default http://127.0.0.1:5000).
 */
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { RandomForestClassifier, accuracy, f1, loadIris, trainTestSplit } from '@keel/ml'
import { createKeel } from '@keel/sdk'

const { values } = parseArgs({
  options: {
    'n-estimators': { type: 'string', default: '100' },
    'max-depth': { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
  },
})
const nEstimators = Number(values['n-estimators'])
const maxDepth = Number(values['max-depth'])
const seed = Number(values.seed)

const keel = createKeel()
await keel.setExperiment('iris-classifier')

const iris = loadIris()
const { XTrain, XTest, yTrain, yTest } = trainTestSplit(iris.data, iris.target, { testSize: 0.2, seed, stratify: true })

await keel.withRun({}, async (run) => {
  run.logParams({ n_estimators: nEstimators, max_depth: maxDepth, random_state: seed })
  // The data, by content: lineage records which data a model version was trained on.
  await run.logInput(
    {
      name: 'iris',
      digest: createHash('sha256').update(JSON.stringify(iris.data)).digest('hex').slice(0, 8),
      sourceType: 'code',
      source: '@keel/ml loadIris()',
    },
    { context: 'training' },
  )

  const model = new RandomForestClassifier({ nEstimators, maxDepth, seed }).fit(XTrain, yTrain)

  const predictions = model.predict(XTest)
  const acc = accuracy(yTest, predictions)
  const f1Weighted = f1(yTest, predictions, { average: 'weighted' })
  run.logMetrics({ accuracy: acc, f1_score: f1Weighted })

  await run.logModel(model, { name: 'model', featureNames: iris.featureNames, inputExample: XTest.slice(0, 3) })

  console.log(`Accuracy: ${acc.toFixed(4)}, F1: ${f1Weighted.toFixed(4)}`)
})
