/**
 * Running the tools that build Python environments (python, pip, uv) without blocking the event
 * loop: node:child_process spawn, output split into lines as it comes (for progress) and the last of
 * them kept (for the error message).
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { delimiter, join, resolve } from 'node:path'

export interface RunOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** Each non-empty line of stdout and stderr, as it comes. */
  readonly onLine?: (line: string) => void
}

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The last lines of stdout and stderr (interleaved as they came; at most KEEP_LINES). */
  readonly lines: readonly string[]
  readonly stdout: string
}

const KEEP_LINES = 400
const KEEP_STDOUT = 1 << 16

/** Runs `command`; rejects only when it cannot start (the spawn error, e.g. ENOENT), else resolves with how it ended. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.env !== undefined && { env: options.env }),
    })
    const lines: string[] = []
    let stdout = ''
    const take = (line: string): void => {
      const text = line.trimEnd()
      if (text === '') return
      lines.push(text)
      if (lines.length > KEEP_LINES) lines.shift()
      options.onLine?.(text)
    }
    const splitter = (): { push(chunk: string): void; end(): void } => {
      let partial = ''
      return {
        push(chunk) {
          const parts = (partial + chunk).split(/\r?\n|\r/)
          partial = parts.pop() ?? ''
          for (const part of parts) take(part)
        },
        end() {
          if (partial !== '') take(partial)
          partial = ''
        },
      }
    }
    const out = splitter()
    const err = splitter()
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < KEEP_STDOUT) stdout += chunk
      out.push(chunk)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk))
    child.once('error', reject)
    child.once('close', (code, signal) => {
      out.end()
      err.end()
      resolvePromise({ code, signal, lines, stdout })
    })
  })
}

/** How a run that failed ended, for a message: `exit code 1`, `signal SIGKILL`. */
export const howItEnded = (result: RunResult): string =>
  result.signal !== null ? `signal ${result.signal}` : `exit code ${result.code}`

/**
 * The lines of a failed pip or uv run that say why: pip's `ERROR: ...` lines; else uv's (or a build
 * backend's) error block from its first `error:` / `×` line on; else the last lines.
 */
export function errorLines(lines: readonly string[]): string[] {
  const pip = lines.filter((line) => line.startsWith('ERROR:'))
  if (pip.length > 0) return pip
  const start = lines.findIndex((line) => /^\s*(error:|×)/.test(line))
  if (start >= 0) return lines.slice(start, start + 20).map((line) => line.trim())
  return lines.slice(-10)
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `name` found on PATH (the first executable), or undefined. A name with a `/` is a path: returned resolved if executable. */
export async function findExecutable(name: string): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) ? resolve(name) : undefined
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    if (await isExecutable(candidate)) return candidate
  }
  return undefined
}

export const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code
