// datasetDriftAsync: datasetDrift with its columns spread over a small pool of worker threads
// (worker.ts), for large tables. Same arguments and exactly the same result as datasetDrift.
//
// - The pool is shared by every call, grows to the largest `workers` asked for (default
//   os.availableParallelism()), and never keeps the process alive: a worker is ref'd only while it
//   runs a column. `closeDriftWorkers()` ends it.
// - Columns cross as SharedArrayBuffers: a Float64Array or the codes of a DictionaryColumn already
//   in shared memory are passed as they are, others are copied once (a memcpy); a plain array of
//   numbers becomes a Float64Array (NaN for missing), any other plain array is dictionary-encoded
//   (codes + the distinct values in first-seen order), which the drift functions treat exactly like
//   the array itself. Nothing the caller passed is detached or modified.
// - From the built package the worker is dist/drift/worker.js; from the TypeScript sources (vitest,
//   tsx) it is worker.ts, run with tsx's loader.

import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import {
  columnDrift,
  columnOptions,
  datasetDrift,
  driftColumnNames,
  summarizeDrift,
  tableColumn,
  type ColumnDriftResult,
  type DatasetDriftOptions,
  type DatasetDriftResult,
} from './column-drift.js'
import { isDictionaryColumn, isMissing, type DriftColumn, type DriftTable, type RawValue } from './columns.js'
import { sortNaNLast } from './sort-columns.js'
import type { SortTask, WireColumn, WorkerReply, WorkerTask } from './worker.js'

export interface DatasetDriftAsyncOptions extends DatasetDriftOptions {
  /** worker threads to use (default os.availableParallelism()); 0 computes on the calling thread */
  workers?: number
}

function shareTyped(a: Float64Array | Int32Array): { buffer: SharedArrayBuffer; byteOffset: number; length: number } {
  if (a.buffer instanceof SharedArrayBuffer) return { buffer: a.buffer, byteOffset: a.byteOffset, length: a.length }
  const buffer = new SharedArrayBuffer(a.byteLength)
  new Uint8Array(buffer).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
  return { buffer, byteOffset: 0, length: a.length }
}

/** The wire form of a column (see the file header). */
function toWire(col: DriftColumn): WireColumn {
  if (col instanceof Float64Array) return { kind: 'f64', ...shareTyped(col) }
  if (isDictionaryColumn(col)) return { kind: 'dict', ...shareTyped(col.codes), dictionary: [...col.dictionary] }
  const n = col.length
  let numbers = true
  for (let i = 0; i < n; i++) {
    const v = col[i]
    if (typeof v !== 'number' && !isMissing(v)) {
      numbers = false
      break
    }
  }
  if (numbers) {
    const buffer = new SharedArrayBuffer(n * 8)
    const out = new Float64Array(buffer)
    for (let i = 0; i < n; i++) {
      const v = col[i]
      out[i] = typeof v === 'number' ? v : Number.NaN
    }
    return { kind: 'f64', buffer, byteOffset: 0, length: n }
  }
  const buffer = new SharedArrayBuffer(n * 4)
  const codes = new Int32Array(buffer)
  const index = new Map<RawValue, number>()
  const dictionary: RawValue[] = []
  for (let i = 0; i < n; i++) {
    const v = col[i]
    if (isMissing(v)) {
      codes[i] = -1
      continue
    }
    let code = index.get(v)
    if (code === undefined) {
      code = dictionary.length
      index.set(v, code)
      dictionary.push(v)
    }
    codes[i] = code
  }
  return { kind: 'dict', buffer, byteOffset: 0, length: n, dictionary }
}

function wireable(col: DriftColumn): boolean {
  return !isDictionaryColumn(col) || col.codes instanceof Int32Array
}

interface Job {
  task: WorkerTask | SortTask
  /** what the job is about, in errors */
  what: string
  resolve: (r: ColumnDriftResult | null) => void
  reject: (e: Error) => void
}

interface Slot {
  worker: Worker
  job: Job | null
}

const slots: Slot[] = []
const waiting: Job[] = []
let nextId = 1

/** The worker: dist/drift/worker.js when built; from the sources, worker.ts behind tsx's ESM loader. */
function newWorker(): Worker {
  const here = import.meta.url
  // execArgv: [] — the parent's flags (--input-type, -e...) are not for this worker
  if (!/\.[cm]?ts$/.test(new URL(here).pathname)) return new Worker(new URL('./worker.js', here), { execArgv: [] })
  const tsxDir = dirname(createRequire(here).resolve('tsx/package.json'))
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href
  const entry = new URL('./worker.ts', here).href
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(boot, { eval: true, execArgv: [] })
}

function spawn(): Slot {
  const worker = newWorker()
  const slot: Slot = { worker, job: null }
  worker.unref()
  worker.on('message', (reply: WorkerReply) => {
    const job = slot.job
    slot.job = null
    if (job) {
      if ('error' in reply) job.reject(new Error(`drift worker failed on ${job.what}: ${reply.error}`))
      else job.resolve(reply.result)
    }
    dispatch(slot)
  })
  const fail = (err: Error) => {
    const i = slots.indexOf(slot)
    if (i >= 0) slots.splice(i, 1)
    const job = slot.job
    slot.job = null
    job?.reject(err)
    // queued jobs go to the remaining workers, or to a fresh one when none is left
    if (waiting.length > 0) {
      if (slots.length === 0) slots.push(spawn())
      for (const s of slots) if (!s.job) dispatch(s)
    }
  }
  worker.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))))
  worker.on('exit', (code) => fail(new Error(`drift worker exited (code ${code})`)))
  return slot
}

function dispatch(slot: Slot): void {
  const job = waiting.shift()
  if (!job) {
    slot.worker.unref()
    return
  }
  slot.job = job
  slot.worker.ref()
  slot.worker.postMessage(job.task)
}

function run(task: WorkerTask | SortTask, what: string, poolSize: number): Promise<ColumnDriftResult | null> {
  while (slots.length < poolSize) slots.push(spawn())
  return new Promise((resolve, reject) => {
    waiting.push({ task, what, resolve, reject })
    const idle = slots.find((s) => !s.job)
    if (idle) dispatch(idle)
  })
}

/** Ends the drift worker pool (the next datasetDriftAsync starts a new one). */
export async function closeDriftWorkers(): Promise<void> {
  const all = slots.splice(0)
  await Promise.all(all.map((s) => s.worker.terminate()))
}

/**
 * datasetDrift over worker threads: per-column drift and Evidently's dataset drift, exactly as
 * datasetDrift returns them, with the columns computed in parallel (see the file header).
 */
export async function datasetDriftAsync(
  reference: DriftTable,
  current: DriftTable,
  options: DatasetDriftAsyncOptions = {},
): Promise<DatasetDriftResult> {
  const workers = Math.floor(options.workers ?? availableParallelism())
  const names = driftColumnNames(reference, current, options)
  if (!(workers >= 1)) return datasetDrift(reference, current, options)
  const lanes = Math.min(workers, names.length)
  const columns: ColumnDriftResult[] = new Array(names.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < names.length) {
      const i = next++
      const name = names[i]!
      const ref = tableColumn(reference, name)
      const cur = tableColumn(current, name)
      const opts = columnOptions(name, options)
      // a missing side, or codes that are not an Int32Array: the (immediate) error on this thread
      if (ref === undefined || cur === undefined || !wireable(ref) || !wireable(cur)) {
        columns[i] = columnDrift(name, ref, cur, opts)
        continue
      }
      const task: WorkerTask = {
        id: nextId++,
        column: name,
        reference: toWire(ref),
        current: toWire(cur),
        options: opts,
      }
      columns[i] = (await run(task, `column '${name}'`, lanes))!
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane))
  return summarizeDrift(columns, options)
}

/**
 * Sorts numeric columns on the worker pool (one column per task): each ascending with NaN last, as
 * Float64Array.prototype.sort leaves it (see sort-columns.ts). A column in shared memory is sorted
 * in place and returned as it is; any other is first copied into shared memory, and the sorted copy
 * is returned in its place (the caller's array is then left as it was). `workers: 0` sorts on the
 * calling thread, in place.
 */
export async function sortFloat64ColumnsAsync(
  columns: readonly Float64Array[],
  options: { workers?: number } = {},
): Promise<Float64Array[]> {
  const workers = Math.floor(options.workers ?? availableParallelism())
  if (!(workers >= 1)) {
    for (const c of columns) sortNaNLast(c)
    return [...columns]
  }
  return Promise.all(
    columns.map(async (column, i) => {
      const shared = shareTyped(column)
      await run({ id: nextId++, sort: shared }, `sorting column ${i}`, Math.min(workers, columns.length))
      return shared.buffer === column.buffer ? column : new Float64Array(shared.buffer, 0, shared.length)
    }),
  )
}
