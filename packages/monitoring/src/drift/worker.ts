// The worker-thread side of datasetDriftAsync (parallel.ts): one column per message. Columns
// arrive as views of SharedArrayBuffers (never structured-cloned arrays of values); the answer is
// exactly what columnDrift returns on the main thread. The drift tests (and the special functions
// they load, ~0.2 s) are imported on the first drift task: a worker that only sorts never loads them.

import { parentPort } from 'node:worker_threads'
import type { ColumnDriftOptions, ColumnDriftResult } from './column-drift.js'
import type { DriftColumn, RawValue } from './columns.js'
import { sortNaNLast } from './sort-columns.js'

/** A column as it crosses to a worker: typed arrays over shared memory, plus the (small) dictionary. */
export type WireColumn =
  | { kind: 'f64'; buffer: SharedArrayBuffer; byteOffset: number; length: number }
  | { kind: 'dict'; buffer: SharedArrayBuffer; byteOffset: number; length: number; dictionary: RawValue[] }

export interface WorkerTask {
  id: number
  column: string
  reference?: WireColumn
  current?: WireColumn
  options: ColumnDriftOptions
}

/** Sort a Float64Array in shared memory in place (ascending, NaN last): sortFloat64ColumnsAsync. */
export interface SortTask {
  id: number
  sort: { buffer: SharedArrayBuffer; byteOffset: number; length: number }
}

export type WorkerReply = { id: number; result: ColumnDriftResult | null } | { id: number; error: string }

function fromWire(w: WireColumn | undefined): DriftColumn | undefined {
  if (w === undefined) return undefined
  if (w.kind === 'f64') return new Float64Array(w.buffer, w.byteOffset, w.length)
  return { codes: new Int32Array(w.buffer, w.byteOffset, w.length), dictionary: w.dictionary }
}

let drift: Promise<typeof import('./column-drift.js')> | undefined

const port = parentPort
if (port) {
  // one task at a time per worker (parallel.ts sends the next one after this one's reply)
  port.on('message', async (task: WorkerTask | SortTask) => {
    let reply: WorkerReply
    try {
      if ('sort' in task) {
        sortNaNLast(new Float64Array(task.sort.buffer, task.sort.byteOffset, task.sort.length))
        reply = { id: task.id, result: null }
      } else {
        drift ??= import('./column-drift.js')
        const { columnDrift } = await drift
        reply = {
          id: task.id,
          result: columnDrift(task.column, fromWire(task.reference), fromWire(task.current), task.options),
        }
      }
    } catch (err) {
      reply = { id: task.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }
    }
    port.postMessage(reply)
  })
}
