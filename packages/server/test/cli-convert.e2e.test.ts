/**
 * `keel models convert` as a user runs it (the built CLI, a process), on the seed's model: the
 * seed's python/seed/train.py and register.py, unchanged, with the stock MLflow client against a keel
 * server in-process (on a real port, for the Python and CLI processes), then the conversion of
 * `models:/iris-classifier/1` checked on all 150 iris rows and registered as version 2; and a
 * conversion that does not pass its check (tolerance 0) registering nothing.
 *
 * train.py runs once here (the compatibility suite runs it three times): the conversion does not
 * depend on which run register.py picks. Each conversion starts two Pythons that import mlflow.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { loadIris } from '@keel/ml'
import { type Keel, createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { venvPython } from '../../sdk/test/models/support/python-models.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { KEEL_BIN } from './support/keel-server.js'

const exec = promisify(execFile)
const SEED = fileURLToPath(new URL('../../../python/seed/', import.meta.url))
const iris = loadIris()
const dir = mkdtempSync(join(tmpdir(), 'keel-cli-convert-'))
const csv = join(dir, 'iris.csv')
writeFileSync(csv, `${iris.featureNames.join(',')}\n${iris.data.map((r) => r.join(',')).join('\n')}\n`)

let server: InProcessKeel
let keel: Keel
let python: string

const convert = (args: readonly string[]) =>
  exec(process.execPath, [KEEL_BIN, 'models', 'convert', ...args, '--tracking-uri', server.url], {
    env: { ...process.env, NO_COLOR: '1', KEEL_PYTHON: python },
    maxBuffer: 16 << 20,
  })

const seed = async (script: string, args: readonly string[] = []) =>
  exec(python, [join(SEED, script), ...args], {
    cwd: dir,
    env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
  })

const versions = async () =>
  (await keel.registry.searchModelVersions({ filter: "name = 'iris-classifier'" })).items.map((v) => v.version).sort()

beforeAll(async () => {
  python = await venvPython()
  server = await startKeelApp({ listen: true })
  keel = createKeel({ trackingUri: server.url, fetch: server.fetch, lineage: false })
  await seed('train.py', ['--n-estimators', '30', '--max-depth', '4'])
  await seed('register.py')
}, 240_000)
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('keel models convert on the seed model', () => {
  it('converts models:/iris-classifier/1, checks it on all 150 rows and registers version 2', async () => {
    const { stdout, stderr } = await convert(['-m', 'models:/iris-classifier/1', '--to', 'onnx', '--rows', csv])
    expect(stdout).toContain(
      '✓ Converted models:/iris-classifier/1 (sklearn RandomForestClassifier) to ONNX with skl2onnx',
    )
    expect(stdout).toContain('(types from the rows)') // the seed logs no signature and no input example
    expect(stdout).toMatch(/check {4}150 rows \(150 from iris\.csv\): labels identical, probabilities within 0\.00001/)
    expect(stdout).toContain('✓ Registered iris-classifier v2 ← models:/iris-classifier/1')
    expect(stdout).toContain('keel models serve -m models:/iris-classifier/2')
    expect(stderr).toContain(`python env: Using ${python}`)
    expect(stderr).toContain('Checking the ONNX model against the original on 150 rows of iris.csv')

    const [source, twin] = await Promise.all([
      keel.registry.getModelVersion('iris-classifier', 1),
      keel.registry.getModelVersion('iris-classifier', 2),
    ])
    expect(twin.runId).toBe(source.runId)
    expect(Object.fromEntries(twin.tags.map((t) => [t.key, t.value]))).toMatchObject({
      'keel.converted_from': 'models:/iris-classifier/1',
      'keel.conversion': 'onnx',
      'keel.conversion.rows_checked': '150',
    })

    // The ONNX twin in Node and the original through Python workers agree on every iris row.
    const rows = iris.data.map((r) => Object.fromEntries(iris.featureNames.map((n, j) => [n, r[j]])))
    const [onnx, pyfunc] = await Promise.all([
      keel.loadModel('models:/iris-classifier/2'),
      keel.loadModel('models:/iris-classifier/1', { python: { python } }),
    ])
    try {
      expect([onnx.flavor, pyfunc.flavor]).toEqual(['onnx', 'python_function'])
      expect(await onnx.predict(rows)).toEqual(await pyfunc.predict(rows))
    } finally {
      await Promise.all([onnx.close(), pyfunc.close()])
    }
  }, 180_000)

  it('refuses to register a conversion that does not pass its check, and prints the rows that differ', async () => {
    const failed = await convert([
      '-m',
      'models:/iris-classifier/1',
      '--to',
      'onnx',
      '--rows',
      csv,
      '--tolerance',
      '0',
      '--json',
    ]).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    )
    expect(failed, 'the conversion should have failed').toBeDefined()
    expect(failed!.code).toBe(1)
    const out = JSON.parse(failed!.stdout) as {
      registered: boolean
      check: { rows: number; tolerance: number; mismatchedRows: number; differences: { what: string }[] }
    }
    expect(out.registered).toBe(false)
    expect(out.check).toMatchObject({ rows: 150, tolerance: 0 })
    expect(out.check.mismatchedRows).toBeGreaterThan(0)
    expect(out.check.differences[0]!.what).toBe('probabilities') // float32 probabilities; the labels agree
    expect(failed!.stderr).toMatch(
      /error INVALID_STATE The ONNX conversion of 'models:\/iris-classifier\/1' does not match the original on \d+ of 150 rows/,
    )
    expect(failed!.stderr).toMatch(/row \d+ of iris\.csv: probabilities \[.*\] \(original\) vs \[.*\] \(ONNX\)/)
    expect(await versions()).toEqual(['1', '2'])
  }, 180_000)
})
