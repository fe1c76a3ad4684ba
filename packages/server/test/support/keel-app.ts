/**
 * keel server in the test's own process, built from the TypeScript sources with the same command
 * line a user types (`keel server --app-name basic-auth ...`, parsed by the CLI's own parser): its
 * HTTP behaviour is tested through the app's request function, with no process and no port.
 *
 * `listen: true` also puts it on a real socket (port 0, the port it got reported in `url`) for a
 * real client in another process: the model server, the MLflow client, a browser.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { serverConfigFromArgs } from '../../src/cli/server-command.js'
import { createKeelApp, type KeelApp } from '../../src/composition/start-keel-server.js'

/** Where a test sends its requests: a base URL and the fetch that reaches it. */
export interface KeelTarget {
  readonly url: string
  readonly fetch: typeof fetch
}

export interface InProcessKeel extends KeelTarget {
  readonly dataDir: string
  readonly dbPath: string
  readonly artifactsDir: string
  readonly keel: KeelApp
  /** What this app's logger wrote so far (it still goes to stdout too), seen as it was written. */
  output(): string
  /** Closes the app (and its socket) and deletes its data unless `dataDir` was given. */
  close(): Promise<void>
}

export interface KeelAppOptions {
  /** Reuse a data folder (a restart); otherwise a fresh temporary one, deleted on close. */
  readonly dataDir?: string
  /** `keel server` arguments, e.g. `['--app-name', 'basic-auth', '--monitor-interval', '0']`. */
  readonly args?: readonly string[]
  /** Environment the arguments are read with (e.g. MLFLOW_AUTH_ADMIN_PASSWORD); restored after. */
  readonly env?: Readonly<Record<string, string>>
  /** Also listen on 127.0.0.1, port 0, for clients in other processes. */
  readonly listen?: boolean
  /** Another store than a SQLite file in the data folder, e.g. a PostgreSQL database's URI. */
  readonly backendStoreUri?: string
}

/** The base URL in-process requests use; its Host is one keel answers to (localhost). */
const IN_PROCESS_URL = 'http://localhost:5000'

export async function startKeelApp(options: KeelAppOptions = {}): Promise<InProcessKeel> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'keel-app-'))
  try {
    return await start(dataDir, options)
  } catch (error) {
    // A start that fails (a bad flag, a short admin password) leaves no temporary folder behind.
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}

async function start(dataDir: string, options: KeelAppOptions): Promise<InProcessKeel> {
  const dbPath = join(dataDir, 'keel.db')
  const artifactsDir = join(dataDir, 'artifacts')
  const config = await withEnv(options.env ?? {}, () =>
    serverConfigFromArgs([
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--backend-store-uri',
      options.backendStoreUri ?? `sqlite:///${dbPath}`,
      '--artifacts-destination',
      artifactsDir,
      '--no-request-log',
      ...(options.args ?? []),
    ]),
  )
  let log = ''
  const keel = await observingLogs(
    (text) => (log += text),
    () => createKeelApp(config),
  )
  const { app } = keel

  let server: Server | undefined
  let url = IN_PROCESS_URL
  if (options.listen) {
    server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server
      s.once('error', reject)
    })
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  // Requests to this app's URL go through app.request with the Host a client would send; others
  // (a webhook receiver the test runs, say) through the real fetch.
  const base = new URL(url)
  const inProcess = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init)
    const target = new URL(request.url)
    if (target.origin !== base.origin) return fetch(request)
    const headers = new Headers(request.headers)
    if (!headers.has('host')) headers.set('host', target.host)
    return app.request(new Request(request, { headers }))
  }) as typeof fetch

  return {
    url,
    fetch: inProcess,
    dataDir,
    dbPath,
    artifactsDir,
    keel,
    output: () => log,
    async close() {
      if (server) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
      await keel.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Runs `create` with pino's destinations observed: every line a logger created meanwhile writes
 * (the app's, on stdout) is also handed to `seen`.
 */
async function observingLogs<T>(seen: (text: string) => void, create: () => Promise<T>): Promise<T> {
  const destination = pino.destination
  pino.destination = ((...args: Parameters<typeof destination>) => {
    const stream = destination(...args)
    const write = stream.write.bind(stream)
    stream.write = (text: string) => {
      seen(text)
      return write(text)
    }
    return stream
  }) as typeof destination
  try {
    return await create()
  } finally {
    pino.destination = destination
  }
}

async function withEnv<T>(env: Readonly<Record<string, string>>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  Object.assign(process.env, env)
  try {
    return await run()
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}
