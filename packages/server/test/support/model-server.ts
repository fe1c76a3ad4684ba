/**
 * Starts the real `keel models serve` (the built CLI, as a user runs it) on port 0 and reads the
 * URL it got from its banner (printed once it is ready: by a cluster's primary once every worker
 * is), and stops it; plus a keep-alive HTTP helper for the thousands of requests the traffic
 * tests send.
 */
import { spawn } from 'node:child_process'
import { Agent, request } from 'node:http'
import { KEEL_BIN, waitForOutput } from './keel-server.js'

export interface ModelServerProcess {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** Settles when the process has exited, with its exit code or the signal that ended it. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** The URL in the banner's first line, `✓ Serving NAME on URL with N worker(s)`. */
export const bannerUrl = (output: string): string | undefined =>
  /Serving \S+ on (http:\/\/\S+) with \d+ workers?\n/.exec(output)?.[1]

/** `env` adds to the process's environment (e.g. the model server's own credentials). */
export async function startModelServe(
  args: readonly string[],
  trackingUri: string,
  env: Readonly<Record<string, string>> = {},
  readyTimeoutMs = 30_000,
): Promise<ModelServerProcess> {
  const child = spawn(
    process.execPath,
    [KEEL_BIN, 'models', 'serve', '--port', '0', '--tracking-uri', trackingUri, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...env },
    },
  )
  let log = ''
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const url = await waitForOutput(child, () => log, bannerUrl, 'keel models serve ready', readyTimeoutMs)
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    exited,
    output: () => log,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}

export interface Reply {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
  json(): any
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 })

/** One request over a keep-alive connection. */
export function send(url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Content-Length always: Node's client sends a DELETE's body without one (unframed).
    const framing =
      body === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
    const req = request(url, { method, agent, headers: { ...framing, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` at a time. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++
        out[i] = await task(i)
      }
    }),
  )
  return out
}
