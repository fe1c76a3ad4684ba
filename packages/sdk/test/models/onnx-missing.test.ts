/** Without onnxruntime-node installed, loading an ONNX model says how to install it. */
import { KeelError } from '@keel/contracts'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { type PythonModels, pythonModels } from './support/python-models.js'

vi.mock('onnxruntime-node', () => {
  throw Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' })
})

let python: PythonModels
beforeAll(async () => {
  python = await pythonModels()
}, 180_000)

describe('onnx flavor without onnxruntime-node', () => {
  it('fails with the npm install command', async () => {
    const { loadModelDir } = await import('../../src/models/load-model.js')
    const error = await loadModelDir(python.path('onnx')).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).code).toBe('NOT_IMPLEMENTED')
    expect((error as KeelError).message).toContain('npm install onnxruntime-node')
  })
})
