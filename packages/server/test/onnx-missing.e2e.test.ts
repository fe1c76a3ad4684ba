/**
 * What a user without onnxruntime-node (an optional dependency) sees from the built CLI when it
 * loads an ONNX model: one error line naming what to install, exit code 1, no stack trace.
 * onnxruntime-node is installed in this repository, so the child process gets a module hook that
 * resolves it from an empty folder: Node's own "Cannot find package" error, as without the package.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ONNX_RUNTIME_MISSING } from '../../sdk/src/models/flavors/onnx-runtime.js'
import { type PythonModels, pythonModels } from '../../sdk/test/models/support/python-models.js'
import { KEEL_BIN } from './support/keel-server.js'

const HOOKS = `
const nowhere = new URL('./nowhere/index.mjs', import.meta.url).href
export async function resolve(specifier, context, next) {
  return next(specifier, specifier === 'onnxruntime-node' ? { ...context, parentURL: nowhere } : context)
}
`

let python: PythonModels
let dir: string
let register: string

beforeAll(async () => {
  python = await pythonModels()
  dir = mkdtempSync(join(tmpdir(), 'keel-without-onnxruntime-'))
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS)
  register = join(dir, 'register.mjs')
  writeFileSync(
    register,
    `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)})\n`,
  )
  writeFileSync(
    join(dir, 'rows.json'),
    JSON.stringify({ dataframe_split: { columns: python.expected.columns, data: [python.expected.rows[0]] } }),
  )
}, 180_000)
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** Runs the CLI without onnxruntime-node; settles with its exit code and output. */
function keelWithoutOnnxRuntime(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', register, KEEL_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('the CLI without onnxruntime-node', () => {
  it('keel predict on an ONNX model says what to install', async () => {
    const result = await keelWithoutOnnxRuntime(['predict', '-m', python.path('onnx'), '-i', join(dir, 'rows.json')])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`error NOT_IMPLEMENTED ${ONNX_RUNTIME_MISSING}\n`)
  })

  it('keel models serve on an ONNX model says what to install', async () => {
    const result = await keelWithoutOnnxRuntime([
      'models',
      'serve',
      '-m',
      python.path('onnx'),
      '--port',
      '0',
      '-w',
      '1',
      '--no-prediction-log',
      '--tracking-uri',
      'http://127.0.0.1:9',
    ])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`error NOT_IMPLEMENTED ${ONNX_RUNTIME_MISSING}\n`)
  })
})
