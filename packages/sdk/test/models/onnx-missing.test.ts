/** Without onnxruntime-node installed, loading an ONNX model says how to install it. */
import { KeelError } from '@keel/contracts'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { ONNX_RUNTIME_MISSING } from '../../src/models/flavors/onnx-runtime.js'
import { type PythonModels, pythonModels } from './support/python-models.js'

vi.mock('onnxruntime-node', () => {
  throw Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' })
})

let python: PythonModels
beforeAll(async () => {
  python = await pythonModels()
}, 180_000)

describe('onnx flavor without onnxruntime-node', () => {
  it('fails with the npm install command and the variable that skips its CUDA download', async () => {
    const { loadModelDir } = await import('../../src/models/load-model.js')
    const error = await loadModelDir(python.path('onnx')).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).code).toBe('NOT_IMPLEMENTED')
    expect((error as KeelError).message).toBe(ONNX_RUNTIME_MISSING)
    expect(ONNX_RUNTIME_MISSING).toContain('npm install onnxruntime-node')
    expect(ONNX_RUNTIME_MISSING).toContain('ONNXRUNTIME_NODE_INSTALL=skip')
  })
})
