/**
 * Starts the real `keel server` (the built CLI, as a user runs it) on port 0 with a fresh store and
 * artifact folder, for the tests where the process is the point (signals, exit, workers, SIGKILL):
 * the port it got is read from its start line. HTTP behaviour is tested in-process (keel-app.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KeelTarget } from './keel-app.js'

/** A server's base URL (reached with the global fetch) or an in-process app's target. */
export function targetOf(target: string | KeelTarget): KeelTarget {
  return typeof target === 'string' ? { url: target, fetch: globalThis.fetch } : target
}

export const KEEL_BIN = fileURLToPath(new URL('../../bin/keel.js', import.meta.url))

export interface KeelServer {
  readonly url: string
  readonly dataDir: string
  readonly dbPath: string
  readonly artifactsDir: string
  readonly process: ChildProcess
  /** What the server printed so far (stdout and stderr). */
  output(): string
  /** Stops the server (SIGTERM; `signal` to choose) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** Stops the server and deletes its data. */
  close(): Promise<void>
}

/**
 * Waits until what a child process printed (`output()`, kept up to date by an earlier 'data'
 * listener) satisfies `found`; fails if the process ends first (once its output is all read, so
 * the failure shows why it ended) or `ms` pass (then kills it).
 */
export function waitForOutput<T>(
  child: ChildProcess,
  output: () => string,
  found: (output: string) => T | undefined,
  what: string,
  ms: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = found(output())
      if (value === undefined) return
      done()
      resolve(value)
    }
    const ended = () => {
      done()
      reject(new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode}) first:\n${output()}`))
    }
    const timer = setTimeout(() => {
      done()
      child.kill('SIGKILL')
      reject(new Error(`${what}: not within ${ms / 1000} s:\n${output()}`))
    }, ms)
    const done = () => {
      clearTimeout(timer)
      child.stdout?.off('data', check)
      child.stderr?.off('data', check)
      child.off('close', ended)
    }
    child.stdout?.on('data', check)
    child.stderr?.on('data', check)
    child.once('close', ended)
    check()
  })
}

/** The URLs in keel server's start lines ("keel server listening", text or JSON log format), one per process. */
export function listeningUrls(output: string): string[] {
  const complete = output.split('\n').slice(0, -1)
  return complete
    .filter((line) => line.includes('keel server listening'))
    .map((line) => (line.startsWith('{') ? (JSON.parse(line) as { url: string }).url : /\burl=(\S+)/.exec(line)?.[1]))
    .filter((url): url is string => url !== undefined)
}

/** How many processes serve: `--workers N` (or `-w N`) among the arguments, else 1. */
function workersIn(args: readonly string[]): number {
  const at = args.findLastIndex((a) => a === '--workers' || a === '-w')
  return at >= 0 ? Number(args[at + 1]) : 1
}

export interface StartOptions {
  /** Reuse an existing data folder (restart after a crash). */
  readonly dataDir?: string
  readonly args?: readonly string[]
  /** Extra environment of the server process (e.g. MLFLOW_AUTH_ADMIN_PASSWORD). */
  readonly env?: Readonly<Record<string, string>>
}

export async function startKeelServer(options: StartOptions = {}): Promise<KeelServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'keel-test-'))
  const dbPath = join(dataDir, 'keel.db')
  const artifactsDir = join(dataDir, 'artifacts')
  const args = options.args ?? []
  const child = spawn(
    process.execPath,
    [
      KEEL_BIN,
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--backend-store-uri',
      `sqlite:///${dbPath}`,
      '--artifacts-destination',
      artifactsDir,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env && { env: { ...process.env, ...options.env } }) },
  )
  let log = ''
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  // Each process logs its URL once it listens; with --workers they share the port the first got.
  const workers = workersIn(args)
  const urls = await waitForOutput(
    child,
    () => log,
    (out) => {
      const found = listeningUrls(out)
      return found.length >= workers ? found : undefined
    },
    'keel server listening',
    20_000,
  )
  const url = urls[0]!
  if (urls.some((u) => u !== url)) throw new Error(`keel server's workers listen on different URLs: ${urls.join(', ')}`)

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  return {
    url,
    dataDir,
    dbPath,
    artifactsDir,
    process: child,
    output: () => log,
    stop,
    async close() {
      await stop()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** POST/GET helper speaking MLflow's REST conventions; returns status and parsed JSON. */
export async function api(
  target: string | KeelTarget,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
  path: string,
  body?: Record<string, unknown>,
): Promise<{ status: number; json: any }> {
  const { url: base, fetch } = targetOf(target)
  let url = `${base}/api/2.0/mlflow${path}`
  const init: RequestInit = { method }
  if (method === 'GET' && body) {
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(body)) {
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item))
    }
    url += `?${qs}`
  } else if (body) {
    init.body = JSON.stringify(body)
    init.headers = { 'Content-Type': 'application/json' }
  }
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : {} }
}
