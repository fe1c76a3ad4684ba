/**
 * The IPC overhead of keel's Python workers, measured apart from any HTTP: a no-op pyfunc model (a
 * PythonModel returning its input, saved by bench/python/pyfunc_serving.py noop) driven through the
 * SDK's PythonWorkerPool (the built SDK, as `keel models serve` runs it) one request at a time, so
 * no batching. Each round trip (Node encodes the columns, the frame crosses the pipe, the worker
 * builds the model's input, calls predict, encodes the output, the answer crosses back and is
 * decoded) is timed, and the same no-op predict called in-process in Python is subtracted: what is
 * left is what keel adds per request to calling the model where it lives. The worker's own
 * conversions (keel_pyfunc_worker.py's model_input and encode_output), timed in Python, say how much
 * of that is spent on the Python side, Node's encoding and decoding timed in a loop how much on
 * Node's; a bare ping frame to a worker process gives the transport's floor.
 *
 * Two input forms: `ndarray` (what a `{"inputs": [[...]]}` request for a model without a column
 * signature becomes, as the seed's model) and `dataframe` (dataframe_split, or any model with a
 * column signature), of 1 and 100 rows of 4 float columns.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ColumnType,
  FrameReader,
  type TableColumn,
  encodeFrame,
  encodeTable,
} from '../../packages/sdk/dist/models/python/frame.js'
import {
  type PredictRequest,
  PythonWorkerPool,
  outputValue,
} from '../../packages/sdk/dist/models/python/worker-pool.js'
import { Worker } from '../../packages/sdk/dist/models/python/worker-process.js'
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
  /**
   * Node's side, timed in a loop: encoding the request's frame (the pool's sendBatch) and reading
   * the answer's frame back into values (FrameReader, outputValue). What remains of the overhead is
   * the pipes, waking each process, and all of these steps running colder than in a loop.
   */
  readonly nodeP50Us: number
}

export interface IpcResult {
  readonly calls: number
  readonly cases: IpcCase[]
  /**
   * The transport's floor: a ping frame to a worker process and its answer (the worker reads it,
   * reads its resident memory, writes the answer), in microseconds, with no pool around it.
   */
  readonly ping: Summary
}

type Timings = Record<string, { p50_ms: number } | undefined>

interface NoopJson {
  readonly inproc: Timings
  readonly worker_in: Timings
  readonly worker_out: Timings
}

const p50Us = (t: Timings, key: string): number => (t[key]?.p50_ms ?? Number.NaN) * 1000

const COLUMNS = ['c0', 'c1', 'c2', 'c3']

/** Ping round trips to one worker process of the model, driven directly (no pool, no batching). */
async function pingRoundTrips(modelDir: string, calls: number): Promise<Summary> {
  let gone: Error | undefined
  let waiter: { resolve(header: Record<string, unknown>): void; reject(error: Error): void } | undefined
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      if (gone !== undefined) reject(gone)
      else waiter = { resolve, reject }
    })
  const worker = new Worker<never>(
    venvPython(),
    modelDir,
    process.env,
    undefined,
    (_w, header) => waiter?.resolve(header),
    (w, code, signal) => {
      gone = new Error(`the worker exited (${signal ?? code}): ${w.tail()}`)
      waiter?.reject(gone)
    },
  )
  try {
    const loaded = await next()
    if (loaded.op !== 'loaded') throw new Error(`the worker did not load the no-op model: ${JSON.stringify(loaded)}`)
    const ping = (id: number): Promise<Record<string, unknown>> => {
      const answer = next()
      worker.send({ op: 'ping', id })
      return answer
    }
    for (let i = 0; i < Math.max(100, calls / 10); i++) await ping(i)
    const us: number[] = []
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now()
      await ping(i)
      us.push((performance.now() - t0) * 1000)
    }
    return summarize(us)
  } finally {
    worker.end()
  }
}

/** Node's own work for one request of `request`'s shape whose answer is its input (the no-op's). */
function nodeSideP50Us(request: PredictRequest, calls: number): number {
  const ndarray = request.form.kind === 'ndarray'
  const answerColumns: TableColumn[] = ndarray
    ? request.columns.map((c, j) => ({ name: String(j), values: c.values }))
    : [...request.columns]
  const output = ndarray ? { kind: 'ndarray', shape: [request.rows, request.columns.length] } : { kind: 'dataframe' }
  const answer = encodeFrame({ id: 1, ok: true, output, rss: 1 << 27 }, encodeTable(request.rows, answerColumns))
  let value: unknown
  const reader = new FrameReader((header, body) => {
    value = outputValue(header, body)
  })
  const one = (): void => {
    encodeFrame(
      { op: 'predict', id: 1, input: request.form },
      encodeTable(request.rows, request.columns, request.types),
    )
    reader.push(answer)
    if (value === undefined) throw new Error('the answer frame was not read')
    value = undefined
  }
  for (let i = 0; i < Math.max(100, calls / 10); i++) one()
  const us: number[] = []
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now()
    one()
    us.push((performance.now() - t0) * 1000)
  }
  return summarize(us).p50
}

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
          const request: PredictRequest = {
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
            nodeP50Us: nodeSideP50Us(request, calls),
          })
          log(
            `IPC ${form} ${rows} row(s): round trip p50 ${roundTrip.p50.toFixed(0)} µs, in-process ${inProcessP50Us.toFixed(0)} µs`,
          )
        }
      }
    } finally {
      await pool.close()
    }
    const ping = await pingRoundTrips(modelDir, calls)
    log(`IPC ping round trip p50 ${ping.p50.toFixed(0)} µs`)
    return { calls, cases, ping }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
