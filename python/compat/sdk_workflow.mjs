// The TypeScript SDK's training workflow, run by test_sdk_against_mlflow.py against a stock
// `mlflow server`: @keel/sdk must work with any server speaking MLflow's REST API.
// Usage: node sdk_workflow.mjs <tracking-uri> <experiment-name>
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'

const [trackingUri, experimentName] = process.argv.slice(2)
const iris = loadIris()
const keel = createKeel({ trackingUri })
await keel.setExperiment(experimentName)
let runId = ''
await keel.withRun({ runName: 'sdk-on-mlflow', tags: { team: 'ml' } }, async (run) => {
  runId = run.runId
  run.logParams({ n_estimators: 100, max_depth: 5 })
  for (let step = 0; step < 1500; step++) run.logMetric('loss', 1 / (step + 1), { step })
  run.logMetric('accuracy', 0.95)
  await run.logDict({ classes: ['setosa', 'versicolor', 'virginica'] }, 'labels.json')
  const forest = new RandomForestClassifier({ nEstimators: 10, maxDepth: 3, seed: 7 }).fit(iris.data, iris.target)
  await run.logModel(forest, { name: 'model', featureNames: iris.featureNames })
})
// The registry half: register the run's model, alias it, load it back by alias and predict.
const modelName = `${experimentName}-model`
const version = await keel.registerModel(`runs:/${runId}/model`, modelName)
await keel.registry.setRegisteredModelAlias(modelName, 'champion', version.version)
const loaded = await keel.loadModel(`models:/${modelName}@champion`)
const predictions = await loaded.predict([iris.data[0], iris.data[149]])
await loaded.close()
let failedRunId = ''
await keel
  .withRun({ runName: 'sdk-fails' }, async (run) => {
    failedRunId = run.runId
    throw new Error('diverged')
  })
  .catch(() => undefined)
const experiment = await keel.client.getExperimentByName(experimentName)
const best = await keel.client.searchRuns({
  experimentIds: [experiment.experimentId],
  filter: "params.max_depth = '5'",
  orderBy: ['metrics.accuracy DESC'],
  maxResults: 1,
})
const history = await keel.client.getMetricHistory(runId, 'loss')
const artifacts = await keel.client.listArtifacts(runId)
process.stdout.write(
  JSON.stringify({
    runId,
    failedRunId,
    best: best.items.map((r) => r.info.runId),
    historyLength: history.length,
    artifacts: artifacts.map((f) => f.path),
    modelName,
    version: version.version,
    flavor: loaded.flavor,
    predictions,
  }),
)
