/**
 * `keel models serve` with the python_function flavor: models saved by MLflow in Python (the test
 * venv), served from their folders through Python workers. Both protocols answer as scikit-learn
 * does; a worker killed under load costs at most the requests it held (503), and the pool
 * recovers; a model that raises is a 400 with its message; a prediction past --timeout is a 504.
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PythonModels, pythonModels, venvPython } from '../../sdk/test/models/support/python-models.js'
import { KEEL_BIN } from './support/keel-server.js'
import { type ModelServerProcess, send, startModelServe } from './support/model-server.js'

const PYFUNC_SCRIPT = fileURLToPath(new URL('../../sdk/test/models/support/make_pyfunc_models.py', import.meta.url))

let python: PythonModels
let interpreter: string
let iris: ModelServerProcess
let echo: ModelServerProcess

/** The Python workers of a model server: its child processes. */
function workerPids(serverPid: number): number[] {
  const file = `/proc/${serverPid}/task/${serverPid}/children`
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

beforeAll(async () => {
  python = await pythonModels()
  interpreter = await venvPython()
  const custom = mkdtempSync(join(tmpdir(), 'keel-pyfunc-serve-'))
  execFileSync(interpreter, [PYFUNC_SCRIPT, custom], { stdio: ['ignore', 'ignore', 'pipe'] })
  const common = ['-w', '1', '--no-prediction-log', '--python', interpreter]
  // A local folder needs no tracking server; the prediction log is off so nothing is sent to one.
  ;[iris, echo] = await Promise.all([
    startModelServe(
      ['-m', python.path('sklearn'), '--name', 'iris-py', '--python-workers', '2', ...common],
      'http://127.0.0.1:9',
      {},
      150_000,
    ),
    startModelServe(
      ['-m', join(custom, 'echo'), '--name', 'echo', '-t', '3', ...common],
      'http://127.0.0.1:9',
      {},
      150_000,
    ),
  ])
}, 180_000)
afterAll(async () => {
  await Promise.all([iris?.stop(), echo?.stop()])
})

const invocations = (server: ModelServerProcess, body: unknown) =>
  send(`${server.url}/invocations`, 'POST', JSON.stringify(body))

describe('serving a scikit-learn model through Python workers', () => {
  it("answers scikit-learn's labels over MLflow scoring and the Open Inference Protocol", async () => {
    const { columns, rows, labels } = python.expected
    const scoring = await invocations(iris, { dataframe_split: { columns, data: rows } })
    expect(scoring.status, scoring.text).toBe(200)
    expect(scoring.json().predictions).toEqual(labels)
    const inputs = columns.map((name, j) => ({
      name,
      shape: [rows.length],
      datatype: 'FP32',
      data: rows.map((r) => r[j]),
    }))
    const v2 = await send(`${iris.url}/v2/models/iris-py/infer`, 'POST', JSON.stringify({ inputs }))
    expect(v2.status, v2.text).toBe(200)
    expect(v2.json()).toMatchObject({ outputs: [{ name: 'predict', shape: [150], data: labels }] })
    expect((await send(`${iris.url}/v2/models/iris-py`, 'GET')).json().platform).toBe('mlflow')
  })

  it("refuses input the model's signature refuses, with MLflow's message, as a 400", async () => {
    const { columns } = python.expected
    const bad = await invocations(iris, { dataframe_split: { columns, data: [['x', 1, 2, 3]] } })
    expect(bad.status).toBe(400)
    expect(bad.json().message).toContain('Data is not compatible with model signature')
    expect(bad.json().message).toContain("could not convert string to float: 'x'")
  })

  it('a Python worker killed under load costs at most the requests it held; the pool recovers', async () => {
    await until(() => workerPids(iris.pid).length === 2, 'two Python workers')
    const [victim] = workerPids(iris.pid)
    const { columns, rows, labels } = python.expected
    const requests = Array.from({ length: 300 }, (_, i) =>
      invocations(iris, { dataframe_split: { columns, data: [rows[i % 150]] } }),
    )
    process.kill(victim!, 'SIGKILL')
    const answers = await Promise.all(requests)
    const statuses = new Set(answers.map((a) => a.status))
    expect(
      [...statuses].every((s) => s === 200 || s === 503),
      [...statuses].join(','),
    ).toBe(true)
    answers.forEach((a, i) => {
      if (a.status === 200) expect(a.json().predictions).toEqual([labels[i % 150]])
      else expect(a.json().message).toContain('exited (signal SIGKILL)')
    })
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0)
    await until(
      () => workerPids(iris.pid).length === 2 && !workerPids(iris.pid).includes(victim!),
      'a replacement worker',
    )
    const metrics = (await send(`${iris.url}/metrics`, 'GET')).text
    expect(metrics).toMatch(/keel_serving_python_worker_events_total\{reason="exited",deployment="iris-py"\} 1/)
    const after = await invocations(iris, { dataframe_split: { columns, data: rows } })
    expect(after.json().predictions).toEqual(labels)
  })
})

describe("a custom PythonModel: MLflow's scoring-server semantics", () => {
  it('answers its DataFrame as records, and over v2 one output per column', async () => {
    const scoring = await invocations(echo, { dataframe_records: [{ x: 2 }, { x: 30 }] })
    expect(scoring.json()).toEqual({
      predictions: [
        { double: 4, label: 'small' },
        { double: 60, label: 'big' },
      ],
    })
    const v2 = await send(
      `${echo.url}/v2/models/echo/infer`,
      'POST',
      JSON.stringify({ inputs: [{ name: 'x', shape: [2], datatype: 'INT64', data: [2, 30] }] }),
    )
    expect(v2.json().outputs).toMatchObject([
      { name: 'double', shape: [2], data: [4, 60] },
      { name: 'label', shape: [2], datatype: 'BYTES', data: ['small', 'big'] },
    ])
  })

  it("a model that raises is a 400 carrying the model's message", async () => {
    const answer = await invocations(echo, { dataframe_records: [{ x: -1 }] })
    expect(answer.status).toBe(400)
    expect(answer.json()).toMatchObject({ error_code: 'BAD_REQUEST' })
    expect(answer.json().message).toContain('ValueError: bad row: x=-1')
  })

  it('a prediction past --timeout is a 504, and the next request is answered', async () => {
    const answer = await invocations(echo, { dataframe_records: [{ x: 999 }] })
    expect(answer.status).toBe(504)
    expect(answer.json().message).toContain('Request processing time exceeded limit')
    await until(async () => (await invocations(echo, { dataframe_records: [{ x: 1 }] })).status === 200, 'an answer')
  })
})

describe('keel predict with a python_function model', () => {
  it("prints scikit-learn's labels and probabilities for CSV rows", async () => {
    const { columns, rows, labels, probabilities } = python.expected
    const csv = join(mkdtempSync(join(tmpdir(), 'keel-predict-py-')), 'rows.csv')
    writeFileSync(csv, `${columns.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`)
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [KEEL_BIN, 'predict', '-m', python.path('sklearn'), '-i', csv, '--proba', '--json', '--python', interpreter],
      { env: { ...process.env, NO_COLOR: '1' } },
    )
    const out = JSON.parse(stdout) as { predictions: number[]; probabilities: number[][]; classes: number[] }
    expect(out.predictions).toEqual(labels)
    expect(out.classes).toEqual([0, 1, 2])
    out.probabilities.forEach((p, i) => {
      p.forEach((v, j) => {
        expect(v).toBeCloseTo(probabilities[i]![j]!, 12)
      })
    })
  }, 60_000)
})

describe('--no-python', () => {
  it('refuses to serve a model that runs only in Python, and says what to do', async () => {
    const failure = await promisify(execFile)(
      process.execPath,
      [KEEL_BIN, 'models', 'serve', '-m', python.path('sklearn'), '--port', '0', '-w', '1', '--no-python'],
      { env: { ...process.env, NO_COLOR: '1' } },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failure?.code).toBe(1)
    expect(failure?.stderr).toContain('Python models are turned off here (--no-python)')
    expect(failure?.stderr).toContain('keel models convert')
  }, 60_000)
})
