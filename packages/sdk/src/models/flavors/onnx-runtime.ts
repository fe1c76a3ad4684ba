/**
 * onnxruntime-node, the optional dependency that runs ONNX models: the one place that imports it,
 * on first use and once. Nothing else in keel needs it, so a server or an SDK user without it
 * works until an ONNX model is loaded, and then gets a KeelError saying what to install, which
 * `keel predict` and `keel models serve` print as their error.
 */
import { KeelError } from '@keel/contracts'
import type * as Ort from 'onnxruntime-common'

/**
 * onnxruntime-node's API, typed by onnxruntime-common (whose API it re-exports; a dependency of
 * the SDK, plain JavaScript), so that keel builds and type-checks without onnxruntime-node.
 */
export type OrtModule = typeof Ort

/**
 * What a user without onnxruntime-node is told. On linux/x64 its install script downloads CUDA
 * libraries from nuget.org (keel runs ONNX on the CPU and does not use them); where that site
 * cannot be reached the script fails, and `ONNXRUNTIME_NODE_INSTALL=skip` skips it.
 */
export const ONNX_RUNTIME_MISSING =
  'Running an ONNX model needs onnxruntime-node, an optional dependency that is not installed: ' +
  'npm install onnxruntime-node (where nuget.org cannot be reached: ' +
  'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node, which skips its download of CUDA libraries)'

/** True for "onnxruntime-node is not installed" (Node's error, or one wrapping it). */
function isMissingPackage(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && e.message.includes('onnxruntime-node'))
      return true
    if (/Cannot find (package|module) 'onnxruntime-node'/.test(e.message)) return true
  }
  return false
}

let ortModule: Promise<OrtModule> | undefined

/** onnxruntime-node, imported once; a KeelError naming what to install when it is missing. */
export function importOnnxRuntime(): Promise<OrtModule> {
  // `as string`: TypeScript does not look the package up (it may be missing); Node still does.
  ortModule ??= import('onnxruntime-node' as string).then(
    (mod: Record<string, unknown>) => ('InferenceSession' in mod ? mod : mod.default) as OrtModule,
    (error: unknown) => {
      ortModule = undefined
      if (isMissingPackage(error)) throw new KeelError('NOT_IMPLEMENTED', ONNX_RUNTIME_MISSING, { cause: error })
      throw new KeelError('INTERNAL_ERROR', `onnxruntime-node could not be loaded: ${(error as Error).message}`, {
        cause: error,
      })
    },
  )
  return ortModule
}
