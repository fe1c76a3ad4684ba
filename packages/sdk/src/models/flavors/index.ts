/** The flavors keel runs, in order of preference, and the choice of one for a model. */
import { KeelError } from '@keel/contracts'
import type { MLmodel } from '../mlmodel.js'
import type { Flavor } from './flavor.js'
import { keelFlavor } from './keel.js'
import { onnxFlavor } from './onnx.js'
import { pythonFunctionFlavor } from './python-function.js'

export type {
  Flavor,
  FlavorLoadOptions,
  FlavorModel,
  FlavorName,
  PredictionValue,
  PredictOptions,
  PythonModelOptions,
  PythonRuntime,
} from './flavor.js'

/** keel's native flavor first, then ONNX (both in Node), then MLflow's python_function (in Python workers). */
export const FLAVORS: readonly Flavor[] = [keelFlavor, onnxFlavor, pythonFunctionFlavor]

/**
 * The first flavor of `FLAVORS` the model has; a model with none of them is NOT_IMPLEMENTED, with
 * its flavors, keel's, and how to export a Python model to one keel runs.
 */
export function pickFlavor(mlmodel: MLmodel, where: string, python = true): Flavor {
  const flavor = FLAVORS.find((f) => Object.hasOwn(mlmodel.flavors, f.name))
  if (flavor?.name === 'python_function' && !python) {
    throw new KeelError(
      'NOT_IMPLEMENTED',
      `The model at ${where} runs only in Python (its flavors: ${Object.keys(mlmodel.flavors).join(', ')}), ` +
        'and Python models are turned off here (--no-python): serve a keel or ONNX version of it (keel models convert)',
    )
  }
  if (flavor !== undefined) return flavor
  const has = Object.keys(mlmodel.flavors)
  throw new KeelError(
    'NOT_IMPLEMENTED',
    `The model at ${where} has the flavor${has.length === 1 ? '' : 's'} ${has.map((f) => `'${f}'`).join(', ')}, none of which keel can run ` +
      `(keel runs: ${FLAVORS.map((f) => `'${f.name}'`).join(', ')}). ` +
      "A model logged with any of MLflow's log_model functions has 'python_function'; " +
      "for a model trained with @keel/ml, log it with keel's run.logModel.",
  )
}
