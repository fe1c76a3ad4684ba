/**
 * The IPC overhead of keel's Python workers, measured apart from any HTTP: a no-op pyfunc model (a
 * PythonModel returning its input, saved by bench/python/pyfunc_serving.py noop) driven through the
 * SDK's PythonWorkerPool (the built SDK, as `keel models serve` runs it) one request at a time, so
 * no batching. Each round trip (Node encodes the columns, the frame crosses the pipe, the worker
 * builds the model's input, calls predict, encodes the output, the answer crosses back and is
 * decoded) is timed, and the same no-op predict called in-process in Python is subtracted: what is
 * left is what keel adds per request to calling the model where it lives. The worker's own
 * conversions (keel_pyfunc_worker.py's model_input and encode_output), timed in Python, say how much
 * of that is spent on the Python side.
 *
 * Two input forms: `ndarray` (what a `{"inputs": [[...]]}` request for a model without a column
 * signature becomes, as the seed's model) and `dataframe` (dataframe_split, or any model with a
 * column signature), of 1 and 100 rows of 4 float columns.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PythonWorkerPool } from '../../packages/sdk/dist/models/python/worker-pool.js'
import { ColumnType } from '../../packages/sdk/dist/models/python/frame.js'
import { runPythonJson, venvPython } from './python.js'
import { type Summary, summarize } from './stats.js'

export interface IpcCase {
  readonly form: 'ndarray' | 'dataframe'
  readonly rows: number
  /** Round trips through the pool, in microseconds. */
  readonly roundTrip: Summary
  /** The no-op's predict called in-process in Python, in microseconds. */
  readonly inProcessP50Us: number
  /** roundTrip p50 - inProcess p50. */
  readonly overheadP50Us: number
  /**
   * Of the overhead, the worker's conversions in Python (table into the model's input, the output
   * into a table), timed in-process; the rest is Node's side, the pipes and the scheduling.
   */
  readonly workerInP50Us: number
  readonly workerOutP50Us: number
}

export interface IpcResult {
  readonly calls: number
  readonly cases: IpcCase[]
}

type Timings = Record<string, { p50_ms: number } | undefined>

interface NoopJson {
  readonly inproc: Timings
  readonly worker_in: Timings
  readonly worker_out: Timings
}

const p50Us = (t: Timings, key: string): number => (t[key]?.p50_ms ?? Number.NaN) * 1000

const COLUMNS = ['c0', 'c1', 'c2', 'c3']

export async function measureIpc(calls: number, log: (msg: string) => void): Promise<IpcResult> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-pyfunc-noop-'))
  const modelDir = join(dir, 'model')
  try {
    log(`IPC: saving a no-op pyfunc model and timing it in-process (${calls} calls per case)`)
    const noop = runPythonJson<NoopJson>('pyfunc_serving.py', ['noop', modelDir, String(calls)])
    const pool = await PythonWorkerPool.start(modelDir, { python: venvPython(), workers: 1 })
    const cases: IpcCase[] = []
    try {
      for (const form of ['ndarray', 'dataframe'] as const) {
        for (const rows of [1, 100]) {
          const request = {
            rows,
            columns: COLUMNS.map((name, j) => ({
              name,
              values: Array.from({ length: rows }, (_, i) => i * 0.37 + j + 0.5),
            })),
            form: { kind: form },
            // As the python_function flavor passes a column signature's types (all double here).
            ...(form === 'dataframe' && { types: new Map(COLUMNS.map((c) => [c, ColumnType.F64])) }),
          }
          for (let i = 0; i < Math.max(100, calls / 10); i++) await pool.predict(request)
          const us: number[] = []
          for (let i = 0; i < calls; i++) {
            const t0 = performance.now()
            await pool.predict(request)
            us.push((performance.now() - t0) * 1000)
          }
          const roundTrip = summarize(us)
          const key = `${form}/${rows}`
          const inProcessP50Us = p50Us(noop.inproc, key)
          cases.push({
            form,
            rows,
            roundTrip,
            inProcessP50Us,
            overheadP50Us: roundTrip.p50 - inProcessP50Us,
            workerInP50Us: p50Us(noop.worker_in, key),
            workerOutP50Us: p50Us(noop.worker_out, key),
          })
          log(
            `IPC ${form} ${rows} row(s): round trip p50 ${roundTrip.p50.toFixed(0)} µs, in-process ${inProcessP50Us.toFixed(0)} µs`,
          )
        }
      }
    } finally {
      await pool.close()
    }
    return { calls, cases }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
