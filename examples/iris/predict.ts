/**
 * predict.ts: the seed exercise's predict.py in TypeScript. Loads the newest registered version of
 * "iris-classifier" and predicts a setosa sample.
 *
 *   npx tsx examples/iris/predict.ts
 */
import { createKeel } from '@keel/sdk'

const keel = createKeel()

// Load model from registry
const modelName = 'iris-classifier'
const model = await keel.loadModel(`models:/${modelName}/latest`)

// Make predictions
const sample = [[5.1, 3.5, 1.4, 0.2]] // Setosa
const prediction = await model.predict(sample)
console.log(`Prediction: ${prediction[0]} (0=setosa, 1=versicolor, 2=virginica)`)
await model.close()
