/**
 * Starts the real `keel server` (the built CLI, as a user runs it) on a free port with a fresh
 * store and artifact folder, for integration tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type KeelTarget } from './keel-app.js'

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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
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
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      KEEL_BIN,
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--backend-store-uri',
      `sqlite:///${dbPath}`,
      '--artifacts-destination',
      artifactsDir,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env && { env: { ...process.env, ...options.env } }) },
  )
  let log = ''
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`keel server exited with ${child.exitCode}:\n${log}`)
    try {
      const res = await fetch(`${url}/health`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`keel server did not become healthy:\n${log}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }

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
