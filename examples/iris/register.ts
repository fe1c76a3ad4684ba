/**
 * register.ts: the seed exercise's register.py in TypeScript. Finds the run with the best accuracy
 * and registers its model as a new version of "iris-classifier".
 *
 *   npx tsx examples/iris/register.ts
 */
import { createKeel } from '@keel/sdk'

const keel = createKeel()

// Find best run
const experiment = await keel.client.getExperimentByName('iris-classifier')
if (!experiment) throw new Error("No experiment 'iris-classifier': run train.ts first")
const { items: runs } = await keel.client.searchRuns({
  experimentIds: [experiment.experimentId],
  orderBy: ['metrics.accuracy DESC'],
  maxResults: 1,
})
const bestRun = runs[0]
if (!bestRun) throw new Error("No runs in 'iris-classifier': run train.ts first")
const accuracy = bestRun.data.metrics.find((m) => m.key === 'accuracy')?.value ?? Number.NaN
console.log(`Best run: ${bestRun.info.runId}`)
console.log(`Accuracy: ${accuracy.toFixed(4)}`)

// Register model
const modelUri = `runs:/${bestRun.info.runId}/model`
const modelName = 'iris-classifier'
const version = await keel.registerModel(modelUri, modelName)
console.log(`Model registered as '${modelName}' (version ${version.version})`)
