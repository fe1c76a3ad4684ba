/**
 * Runs an operator-defined action: its argv without a shell, the server's environment plus the
 * action's `env` plus what the caller adds (an alert's `KEEL_ALERT`), killed after its timeout.
 * The exit code and the last few KB of its output are what comes back.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import type { ActionDefinition } from './action-registry.js'

const OUTPUT_TAIL = 4096

export interface ActionRunResult {
  /** null when it was killed (timeout) or could not start */
  readonly exitCode: number | null
  /** the last few KB of stdout and stderr */
  readonly outputTail: string
  readonly error?: string
  readonly durationMs: number
}

export function runAction(
  action: ActionDefinition,
  env: Readonly<Record<string, string>> = {},
): Promise<ActionRunResult> {
  const started = Date.now()
  return new Promise((resolve) => {
    let tail = ''
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL)
    }
    let child: ChildProcessByStdio<null, Readable, Readable>
    try {
      child = spawn(action.command[0]!, action.command.slice(1), {
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...action.env, ...env },
        timeout: action.timeoutMs,
        killSignal: 'SIGKILL',
      })
    } catch (error) {
      resolve({
        exitCode: null,
        outputTail: '',
        error: `could not start: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        durationMs: Date.now() - started,
      })
      return
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let failed: string | undefined
    child.on('error', (error: NodeJS.ErrnoException) => (failed = `could not start: ${error.code ?? error.message}`))
    child.on('close', (code, signal) => {
      const error =
        failed ??
        (signal
          ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${action.timeoutMs / 1000} s)` : ''}`
          : undefined)
      // A program that could not start closes with a negative errno, not an exit code.
      resolve({
        exitCode: failed === undefined ? code : null,
        outputTail: tail,
        ...(error !== undefined && { error }),
        durationMs: Date.now() - started,
      })
    })
  })
}
