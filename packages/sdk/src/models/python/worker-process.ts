/**
 * One Python worker process (`python/keel_pyfunc_worker.py`) as the pool sees it: its pipes (fd 3
 * for requests, fd 4 for answers, stdout and stderr as log lines), the batch it holds, and how its
 * answers read back into JavaScript values and errors.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { type ErrorCode, KeelError, isErrorCode } from '@keel/contracts'
import { FrameReader, decodeTable, encodeFrame } from './frame.js'

/** The worker script, shipped with the SDK (`packages/sdk/python`). */
export const WORKER_SCRIPT = fileURLToPath(new URL('../../../python/keel_pyfunc_worker.py', import.meta.url))

/** What a worker reported once the model was loaded. */
export interface WorkerInfo {
  readonly pid: number
  readonly python: string
  readonly mlflow: string
  readonly flavors: readonly string[]
  readonly loader?: string
  readonly proba: boolean
  readonly classes?: readonly (string | number)[]
  readonly rss: number
}

/** The requests a worker is predicting (a batch), or a ping it has not answered yet. */
export interface Held<J> {
  readonly id: number
  readonly jobs: readonly J[]
  readonly rows: number
  readonly timer?: NodeJS.Timeout
  readonly ping?: boolean
}

/** A worker's answer as JavaScript values, in MLflow's JSON form (`_get_jsonable_obj`, records orient). */
export function outputValue(header: Record<string, unknown>, body: Buffer): unknown {
  const output = header.output as { kind: string; shape?: number[]; name?: string }
  if (output.kind === 'json') return JSON.parse(body.toString('utf8'))
  const { rows, columns } = decodeTable(body)
  if (output.kind === 'ndarray') {
    if (output.shape?.length === 1) return columns[0]?.values ?? []
    const out = new Array<unknown[]>(rows)
    for (let r = 0; r < rows; r++) out[r] = columns.map((c) => c.values[r])
    return out
  }
  // A DataFrame (and a Series, as MLflow answers it: a one-column frame) as records.
  const out = new Array<Record<string, unknown>>(rows)
  for (let r = 0; r < rows; r++) {
    const record: Record<string, unknown> = {}
    for (const c of columns) record[c.name] = c.values[r]
    out[r] = record
  }
  return out
}

/** A failure the worker reported, as a KeelError with MLflow's scoring-server wording. */
export function modelError(error: Record<string, unknown> | undefined): KeelError {
  const code: ErrorCode = isErrorCode(error?.code) ? error.code : 'BAD_REQUEST'
  const message = typeof error?.message === 'string' ? error.message : 'the model failed'
  if (error?.mlflow === true) return new KeelError(code, `Failed to predict data. Error: ${message}`)
  return new KeelError(
    code,
    `Encountered an unexpected error while evaluating the model (${message}). ` +
      'Verify that the serialized input Dataframe is compatible with the model for inference.',
  )
}

export class Worker<J> {
  readonly process: ChildProcess
  private readonly input: Writable
  batch: Held<J> | undefined
  info: WorkerInfo | undefined
  retiring = false
  exited = false
  private readonly stderrTail: string[] = []

  constructor(
    python: string,
    modelDir: string,
    env: NodeJS.ProcessEnv,
    onLog: ((line: string, pid: number | undefined) => void) | undefined,
    onFrame: (worker: Worker<J>, header: Record<string, unknown>, body: Buffer) => void,
    onExit: (worker: Worker<J>, code: number | null, signal: NodeJS.Signals | null) => void,
  ) {
    this.process = spawn(python, [WORKER_SCRIPT, modelDir], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: { ...env, PYTHONUNBUFFERED: '1', _MLFLOW_IS_IN_SERVING_ENVIRONMENT: 'true' },
    })
    this.input = this.process.stdio[3] as Writable
    this.input.on('error', () => {}) // a write to a worker that died: its exit is handled below
    const reader = new FrameReader((header, body) => onFrame(this, header, body))
    ;(this.process.stdio[4] as Readable).on('data', (chunk: Buffer) => reader.push(chunk))
    for (const stream of [this.process.stdout!, this.process.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.stderrTail.push(line)
        if (this.stderrTail.length > 40) this.stderrTail.shift()
        onLog?.(line, this.process.pid)
      })
    }
    this.process.on('error', () => {}) // spawn failures (ENOENT) surface as an exit
    this.process.on('exit', (code, signal) => {
      this.exited = true
      onExit(this, code, signal)
    })
  }

  get pid(): number | undefined {
    return this.process.pid
  }

  /** The last lines it printed (for a load failure that left no report). */
  tail(): string {
    return this.stderrTail.join('\n')
  }

  send(header: Record<string, unknown>, body?: Uint8Array): void {
    this.input.write(encodeFrame(header, body))
  }

  /** Stopped by the pool (timed out, unresponsive): it takes no more work while it dies. */
  killed = false

  kill(): void {
    this.killed = true
    if (!this.exited) this.process.kill('SIGKILL')
  }

  /** Closes its request pipe: it finishes and exits. */
  end(): void {
    this.input.end()
  }
}
