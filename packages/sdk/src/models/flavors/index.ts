/** The flavors keel runs, in order of preference, and the choice of one for a model. */
import { KeelError } from '@keel/contracts'
import { type MLmodel } from '../mlmodel.js'
import { type Flavor } from './flavor.js'
import { keelFlavor } from './keel.js'
import { onnxFlavor } from './onnx.js'

export type { Flavor, FlavorModel, FlavorName } from './flavor.js'

/** keel's native flavor first, then ONNX. */
export const FLAVORS: readonly Flavor[] = [keelFlavor, onnxFlavor]

/**
 * The first flavor of `FLAVORS` the model has; a model with none of them is NOT_IMPLEMENTED, with
 * its flavors, keel's, and how to export a Python model to one keel runs.
 */
export function pickFlavor(mlmodel: MLmodel, where: string): Flavor {
  const flavor = FLAVORS.find((f) => Object.hasOwn(mlmodel.flavors, f.name))
  if (flavor !== undefined) return flavor
  const has = Object.keys(mlmodel.flavors)
  throw new KeelError(
    'NOT_IMPLEMENTED',
    `The model at ${where} has the flavor${has.length === 1 ? '' : 's'} ${has.map((f) => `'${f}'`).join(', ')}, none of which keel can run in Node ` +
      `(keel runs: ${FLAVORS.map((f) => `'${f.name}'`).join(', ')}). ` +
      'For a scikit-learn model, convert it with skl2onnx and log it with mlflow.onnx.log_model; ' +
      "for a model trained with @keel/ml, log it with keel's run.logModel.",
  )
}
