/**
 * Starts and stops the servers under test: keel (the built CLI) and stock MLflow (the repo venv),
 * each on port 0 (the port it got is read from the line it prints once it listens) with a fresh
 * SQLite file in its own temp folder. Every started server is registered so that stopAll() can end
 * them on errors and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { getText } from './http.js'

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

export interface ServerHandle {
  readonly name: string
  readonly url: string
  readonly version: string
  /** The server's pid, which is also its process group (it is started detached). */
  readonly pid: number
  /** How the server was started (argv), for the report. */
  readonly command: readonly string[]
  stop(): Promise<void>
}

const live = new Set<{ stop(): Promise<void> }>()

// What each server prints once it listens, with the URL it got (ANSI colours aside).
const ANSI = /\p{Cc}\[[0-9;]*m/gu
const urlIn =
  (pattern: RegExp) =>
  (log: string): string | undefined =>
    pattern.exec(log.replace(ANSI, ''))?.[1]
/** `keel server`'s start line (text log format). */
export const keelServerListening = urlIn(/keel server listening url=(http:\/\/\S+)/)
/** `keel models serve`'s banner, printed once every worker is ready. */
export const keelServeListening = urlIn(/Serving \S+ on (http:\/\/\S+) with/)
/** `mlflow server` and `mlflow models serve` run uvicorn, which prints the port it bound. */
export const uvicornListening = urlIn(/Uvicorn running on (http:\/\/\S+)/)

export interface SpawnSpec {
  readonly name: string
  readonly exe: string
  /**
   * The command line. `port` is 0 (`listening` reads the port the server got from its log), or,
   * with `choosePort`, a port found free just before.
   */
  readonly args: (dir: string, port: number) => string[]
  /**
   * For a server that cannot listen on port 0: find a free port first. Another process may take it
   * before the server binds it (then the start fails, saying so).
   */
  readonly choosePort?: boolean
  /** The URL in the server's log once it listens (undefined until then). */
  readonly listening: (log: string) => string | undefined
  readonly readyTimeoutMs: number
  readonly env?: NodeJS.ProcessEnv
  /** GET path that answers 200 once the server is ready (default `/health`). */
  readonly readyPath?: string
  /** Authorization header for `/version` (a server with authentication on). */
  readonly authorization?: string
}

/** Starts any server process on port 0 in a fresh temp folder and waits until it is ready. */
export async function startServer(spec: SpawnSpec): Promise<ServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), `keel-bench-${spec.name}-`))
  const args = spec.args(dir, spec.choosePort ? await freePort() : 0)
  const logPath = join(dir, 'server.log')
  const logFd = openSync(logPath, 'a')
  // detached: the server gets its own process group, so stop() also reaches its workers.
  const child = spawn(spec.exe, args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ...spec.env },
  })
  closeSync(logFd)
  let exited: string | null = null
  const exitedP = new Promise<void>((r) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`
      r()
    })
    child.once('error', (err) => {
      exited = err.message
      r()
    })
  })
  let url: string | undefined
  const handle = {
    name: spec.name,
    version: '?',
    pid: child.pid ?? -1,
    command: [spec.exe, ...args],
    stop: async () => {
      live.delete(handle)
      await terminate(child, exitedP)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  live.add(handle)

  // Polls the log until the server says where it listens, then its ready path until it answers.
  const deadline = Date.now() + spec.readyTimeoutMs
  let ready = false
  while (!exited && !ready && Date.now() <= deadline) {
    url ??= spec.listening(readFileSync(logPath, 'utf8'))
    ready = url !== undefined && (await getText(`${url}${spec.readyPath ?? '/health'}`)).status === 200
    if (!ready) await sleep(200)
  }
  if (!ready || url === undefined) {
    const why = exited ? `exited early (${exited})` : `not ready within ${spec.readyTimeoutMs / 1000}s`
    const log = tail(logPath)
    await handle.stop()
    throw new Error(`${spec.name} ${why}\n$ ${[spec.exe, ...args].join(' ')}\n--- server log (tail) ---\n${log}`)
  }
  const version = await versionOf(url, spec.authorization)
  return { ...handle, url, version }
}

/** SIGTERM to the server's process group, SIGKILL after 5 s; then sweeps any leftover worker. */
async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pid = child.pid
  if (pid === undefined) return
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig) // the whole group: `mlflow server` runs uvicorn as a child
    } catch {
      /* group already gone */
    }
  }
  const running = child.exitCode === null && child.signalCode === null
  signalGroup('SIGTERM')
  if (running) {
    const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)])
    if (timedOut) signalGroup('SIGKILL')
    await Promise.race([exited, sleep(2000)])
  }
  signalGroup('SIGKILL')
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolvePort(port))
    })
  })
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** The server's own version: keel's is in X-Keel-Version (its /version answers the MLflow version it implements). */
async function versionOf(url: string, authorization?: string): Promise<string> {
  const r = await getText(`${url}/version`, 2000, authorization)
  if (r.status !== 200) return '?'
  const keel = r.headers['x-keel-version']
  return typeof keel === 'string' ? keel : r.body.trim()
}

/** Admin credentials of a server started with authentication on (`--app-name basic-auth`). */
export interface AuthOptions {
  readonly adminUsername: string
  readonly adminPassword: string
}

export const basicAuth = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`

/**
 * `keel server` from the built CLI. `dbFile`: an existing SQLite file to serve instead of a fresh one
 * in the server's temp folder; `storeUri`: any store URI instead (`postgresql://…`). `--no-request-log`
 * unless `requestLog` (its default, a line per request, for a comparison with a server that logs
 * each request too, as MLflow's uvicorn does).
 */
export function startKeel(
  options: { auth?: AuthOptions; dbFile?: string; storeUri?: string; requestLog?: boolean } = {},
): Promise<ServerHandle> {
  const { auth, dbFile, storeUri, requestLog = false } = options
  return startServer({
    ...(auth && {
      env: { MLFLOW_AUTH_ADMIN_USERNAME: auth.adminUsername, MLFLOW_AUTH_ADMIN_PASSWORD: auth.adminPassword },
      authorization: basicAuth(auth.adminUsername, auth.adminPassword),
    }),
    name: 'keel',
    exe: process.execPath,
    args: (dir) => [
      join(REPO_ROOT, 'packages/server/bin/keel.js'),
      'server',
      ...['--host', '127.0.0.1', '--port', '0'],
      ...['--backend-store-uri', storeUri ?? `sqlite:///${dbFile ?? join(dir, 'keel.db')}`],
      ...['--artifacts-destination', join(dir, 'art')],
      ...(requestLog ? [] : ['--no-request-log']),
      ...(auth ? ['--app-name', 'basic-auth'] : []),
    ],
    listening: keelServerListening,
    readyTimeoutMs: 30_000,
  })
}

/**
 * Stock `mlflow server` from the repo venv, as a user starts it: its default settings (4 uvicorn
 * workers; keel's default is 1 process). With
 * `auth`, its basic-auth app with its shipped configuration (the admin password from
 * MLFLOW_AUTH_ADMIN_PASSWORD, as its basic_auth.ini asks, and the Flask secret key it requires; its
 * users database in the server's folder). `storeUri` as for startKeel (`postgresql://…`: MLflow's
 * psycopg2 driver, in the venv).
 */
export function startMlflow(
  venvPython: string,
  options: { auth?: AuthOptions; dbFile?: string; storeUri?: string } = {},
): Promise<ServerHandle> {
  const { auth, dbFile, storeUri } = options
  return startServer({
    ...(auth && {
      // The basic-auth app refuses to start without a secret key for its CSRF protection.
      env: { MLFLOW_AUTH_ADMIN_PASSWORD: auth.adminPassword, MLFLOW_FLASK_SERVER_SECRET_KEY: 'keel-bench-secret-key' },
      authorization: basicAuth(auth.adminUsername, auth.adminPassword),
    }),
    name: 'mlflow',
    exe: join(resolve(venvPython, '..'), 'mlflow'),
    args: (dir) => [
      'server',
      ...['--host', '127.0.0.1', '--port', '0'],
      ...['--backend-store-uri', storeUri ?? `sqlite:///${dbFile ?? join(dir, 'mlflow.db')}`],
      ...['--default-artifact-root', join(dir, 'mlart')],
      ...(auth ? ['--app-name', 'basic-auth'] : []),
    ],
    listening: uvicornListening,
    readyTimeoutMs: 120_000,
  })
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((h) => h.stop().catch(() => undefined)))
}
