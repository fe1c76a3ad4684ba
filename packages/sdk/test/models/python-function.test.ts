/**
 * The python_function flavor: models loaded by MLflow's pyfunc loader in Python worker processes,
 * against scikit-learn's own predictions, and the pool's faults (a model that raises, a worker that
 * crashes, is killed, hangs, or leaks memory, a model that cannot load).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PythonModelOptions } from '../../src/models/flavors/flavor.js'
import { type LoadedModel, loadModelDir } from '../../src/models/load-model.js'
import type { WorkerEvent } from '../../src/models/python/worker-pool.js'
import { rejection } from './support/keel-errors.js'
import { type PythonModels, pythonModels, venvPython } from './support/python-models.js'

const SCRIPT = fileURLToPath(new URL('./support/make_pyfunc_models.py', import.meta.url))

let python: string
let sklearn: PythonModels
let custom: string
const loaded: LoadedModel[] = []

beforeAll(async () => {
  python = await venvPython()
  sklearn = await pythonModels()
  custom = mkdtempSync(join(tmpdir(), 'keel-pyfunc-models-'))
  execFileSync(python, [SCRIPT, custom], { stdio: ['ignore', 'ignore', 'pipe'] })
}, 180_000)

afterAll(async () => {
  for (const model of loaded) await model.close()
})

async function load(dir: string, options: Omit<PythonModelOptions, 'python'> = {}): Promise<LoadedModel> {
  const model = await loadModelDir(dir, dir, {}, { python, ...options })
  loaded.push(model)
  return model
}

/** Waits until `check` holds, polling (the pool replaces workers in the background). */
async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const rows = (...xs: number[]) => xs.map((x) => ({ x }))

describe('a scikit-learn model through python_function', () => {
  let model: LoadedModel
  beforeAll(async () => {
    model = await load(sklearn.path('sklearn'))
  }, 120_000)

  it("predicts scikit-learn's labels and probabilities for all 150 iris rows", async () => {
    const { columns, rows: data, labels, probabilities } = sklearn.expected
    expect(model.flavor).toBe('python_function')
    expect(model.classes).toEqual([0, 1, 2])
    const records = data.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]])))
    expect(await model.predict(records)).toEqual(labels)
    const proba = await model.predictProba!(records)
    proba.forEach((p, i) => {
      p.forEach((v, j) => {
        expect(v).toBeCloseTo(probabilities[i]![j]!, 12)
      })
    })
  })

  it('gives labels and probabilities from one call to a worker', async () => {
    const { columns, rows: data, labels, probabilities } = sklearn.expected
    const records = data.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]])))
    const before = model.python!.stats().batches
    const both = await model.predictWithProba!(records)
    expect(model.python!.stats().batches).toBe(before + 1)
    expect(both.predictions).toEqual(labels)
    both.probabilities.forEach((p, i) => {
      p.forEach((v, j) => {
        expect(v).toBeCloseTo(probabilities[i]![j]!, 12)
      })
    })
    // Concurrent requests still share calls, each getting its own rows of both answers.
    const answers = await Promise.all(records.slice(0, 20).map((r) => model.predictWithProba!([r])))
    expect(answers.map((a) => a.predictions[0])).toEqual(labels.slice(0, 20))
    expect(answers.map((a) => a.probabilities[0]!.length)).toEqual(Array(20).fill(3))
  })

  it('answers concurrent requests each with its own rows, sharing calls to the workers', async () => {
    const { columns, rows: data, labels } = sklearn.expected
    const before = model.python!.stats()
    const answers = await Promise.all(
      data.map((r) => model.predict([Object.fromEntries(columns.map((c, j) => [c, r[j]]))])),
    )
    expect(answers.flat()).toEqual(labels)
    const after = model.python!.stats()
    expect(after.requests - before.requests).toBe(150)
    expect(after.batches - before.batches).toBeLessThan(150)
  })
})

describe('a custom PythonModel and the faults of its workers', () => {
  let model: LoadedModel
  const events: WorkerEvent[] = []
  beforeAll(async () => {
    model = await load(join(custom, 'echo'), { workers: 2, requestTimeoutMs: 4_000, onEvent: (e) => events.push(e) })
  }, 120_000)

  it("answers its DataFrame as MLflow's scoring server does: one record per row", async () => {
    expect(await model.predict(rows(2, 30))).toEqual([
      { double: 4, label: 'small' },
      { double: 60, label: 'big' },
    ])
  })

  it("fails only the request that made the model raise, with the model's message", async () => {
    const [bad, good1, good2] = await Promise.allSettled([
      model.predict(rows(-1)),
      model.predict(rows(1)),
      model.predict(rows(2)),
    ])
    expect(bad.status).toBe('rejected')
    const error = (bad as PromiseRejectedResult).reason as { code: string; message: string }
    expect(error.code).toBe('BAD_REQUEST')
    expect(error.message).toContain('ValueError: bad row: x=-1')
    expect(good1).toEqual({ status: 'fulfilled', value: [{ double: 2, label: 'small' }] })
    expect(good2).toEqual({ status: 'fulfilled', value: [{ double: 4, label: 'small' }] })
  })

  it('a worker that crashes costs its request a 503; the pool replaces it', async () => {
    const restarts = model.python!.stats().restarts
    const error = await rejection(model.predict(rows(13)))
    expect(error.code).toBe('TEMPORARILY_UNAVAILABLE')
    expect(error.message).toContain('exited (exit code 3)')
    await until(() => model.python!.pids().length === 2, 'a replacement worker')
    expect(model.python!.stats().restarts).toBe(restarts + 1)
    expect(await model.predict(rows(5))).toEqual([{ double: 10, label: 'small' }])
  })

  it('a worker killed under load costs at most the requests it held; the pool recovers', async () => {
    await until(() => model.python!.pids().length === 2, 'two workers')
    const [victim] = model.python!.pids()
    const requests = Array.from({ length: 400 }, (_, i) => model.predict(rows(i % 10)))
    process.kill(victim!, 'SIGKILL')
    const settled = await Promise.allSettled(requests)
    const failed = settled.filter((s) => s.status === 'rejected')
    for (const f of failed)
      expect((f as PromiseRejectedResult).reason).toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE' })
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') expect(s.value).toEqual([{ double: (i % 10) * 2, label: 'small' }])
    })
    expect(failed.length).toBeLessThan(400)
    await until(() => model.python!.pids().length === 2 && !model.python!.pids().includes(victim!), 'a replacement')
    expect(await model.predict(rows(7))).toEqual([{ double: 14, label: 'small' }])
  })

  it('a prediction that hangs is answered 504 and its worker replaced', async () => {
    const error = await rejection(model.predict(rows(999)))
    expect(error.code).toBe('DEADLINE_EXCEEDED')
    expect(events.some((e) => e.kind === 'timeout')).toBe(true)
    await until(() => model.python!.pids().length === 2, 'a replacement worker')
    expect(await model.predict(rows(3))).toEqual([{ double: 6, label: 'small' }])
  })
})

describe('bounds and load failures', () => {
  it('recycles a worker whose memory passes the bound, and keeps answering', async () => {
    const events: WorkerEvent[] = []
    const probe = await load(join(custom, 'leaky'))
    const bound = probe.python!.info.rss + 100 * 1024 * 1024
    await probe.close()
    const model = await load(join(custom, 'leaky'), { maxMemoryBytes: bound, onEvent: (e) => events.push(e) })
    const [first] = model.python!.pids()
    for (let i = 0; i < 5; i++) expect(await model.predict(rows(i))).toEqual([i + 1])
    expect(events.map((e) => e.kind)).toContain('recycled')
    await until(
      () => model.python!.pids().length === 1 && model.python!.pids()[0] !== first,
      'the recycled worker gone',
    )
    expect(await model.predict(rows(41))).toEqual([42])
  }, 120_000)

  it("a model that cannot load fails with MLflow's error", async () => {
    const error = await rejection(load(join(custom, 'broken')))
    expect(error.code).toBe('INVALID_STATE')
    expect(error.message).toContain('this model cannot load: missing weights')
  }, 60_000)

  it('a model with no flavor keel runs fails with its flavors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-sklearn-only-'))
    cpSync(sklearn.path('sklearn'), dir, { recursive: true })
    const mlmodel = readFileSync(join(dir, 'MLmodel'), 'utf8')
    writeFileSync(join(dir, 'MLmodel'), mlmodel.replace(/ {2}python_function:\n( {4}.*\n)+/, ''))
    expect(existsSync(join(dir, 'MLmodel'))).toBe(true)
    const error = await rejection(loadModelDir(dir, 'models:/iris/1'))
    expect(error.code).toBe('NOT_IMPLEMENTED')
    expect(error.message).toContain("The model at 'models:/iris/1' has the flavor 'sklearn'")
    expect(error.message).toContain("keel runs: 'keel', 'onnx', 'python_function'")
  })
})
