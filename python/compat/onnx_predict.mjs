// Loads a model with @keel/sdk's loadModel and prints its predictions as JSON; run by
// test_registry_onnx.py (against keel or a stock mlflow server alike).
//
//   node onnx_predict.mjs '{"trackingUri": "http://127.0.0.1:5000", "uri": "models:/name/1", "rows": [...]}'
//   echo '{...}' | node onnx_predict.mjs
//
// rows: objects keyed by column name, or arrays of numbers in column order.
// Prints {"predictions": [...], "types": ["number"]}; "types" lists the JavaScript types of the
// predictions before JSON encoding (a BigInt is printed as a number but reported as "bigint").
// Exits 2 with a message on stderr when the built SDK, or its loadModel, is missing.
// The SDK is imported from <repo>/packages/sdk/dist/index.js by absolute path (KEEL_REPO, else
// two folders up from this file), so the script does not depend on the caller's working directory.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

function fail(message) {
  process.stderr.write(`onnx_predict.mjs: ${message}\n`)
  process.exit(2)
}

const repo = process.env.KEEL_REPO || resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const sdkPath = resolve(repo, 'packages', 'sdk', 'dist', 'index.js')
if (!existsSync(sdkPath)) fail(`${sdkPath} not found: build the SDK first (npm run build)`)

const raw = process.argv[2] ?? readFileSync(0, 'utf8')
let input
try {
  input = JSON.parse(raw)
} catch (err) {
  fail(`the input is not JSON: ${err.message}`)
}
const { trackingUri, uri, rows } = input ?? {}
if (typeof trackingUri !== 'string' || typeof uri !== 'string' || !Array.isArray(rows)) {
  fail('expected JSON {"trackingUri": string, "uri": string, "rows": array}')
}

const sdk = await import(pathToFileURL(sdkPath).href)
if (typeof sdk.createKeel !== 'function') fail(`${sdkPath} does not export createKeel`)
const keel = sdk.createKeel({ trackingUri })
if (typeof keel.loadModel !== 'function') {
  fail(`@keel/sdk (${sdkPath}) has no Keel.loadModel yet: keel.loadModel(uri) is not implemented`)
}

const model = await keel.loadModel(uri)
try {
  const predictions = Array.from(await model.predict(rows))
  const types = [...new Set(predictions.map((p) => typeof p))]
  const plain = predictions.map((p) => (typeof p === 'bigint' ? Number(p) : p))
  process.stdout.write(JSON.stringify({ predictions: plain, types }))
} finally {
  if (typeof model.close === 'function') await model.close()
}
