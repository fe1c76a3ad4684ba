/**
 * A throwaway `redis-server` (Debian's, /usr/bin/redis-server) for the tests that need one: on
 * 127.0.0.1, a free port, its files in a temporary folder, polled until it answers PING. It can be
 * killed (SIGKILL, as a crash) and started again on the same port and folder; `stop` removes it.
 * By default it persists every write before answering (`appendonly yes`, `appendfsync always`),
 * so a test can check that nothing acknowledged is lost to a crash; `persist: false` keeps nothing;
 * `password` makes it ask for one (PING still answers, with an error, so it counts as up).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

export const REDIS_SERVER = process.env.KEEL_REDIS_SERVER ?? '/usr/bin/redis-server'

export interface RedisServer {
  readonly port: number
  /** redis://127.0.0.1:<port>/0 */
  readonly url: string
  readonly dir: string
  /** SIGKILL: a crash. Resolves once the process is gone. */
  kill(): Promise<void>
  /** Starts it again on the same port and folder (after kill). */
  restart(): Promise<void>
  /** Stops it and removes its folder. */
  stop(): Promise<void>
}

/** Whether it answers PING with PONG. */
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let answer = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('error', () => done(false))
    socket.on('data', (d: Buffer) => {
      answer += d.toString()
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'))
    })
    socket.once('connect', () => socket.write('PING\r\n'))
  })
}

export async function startRedisServer(o: { persist?: boolean; password?: string } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-redis-'))
  const port = await freePort()
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    ...(o.persist === false
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--appenddirname', 'aof']),
    ...(o.password !== undefined ? ['--requirepass', o.password] : []),
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    '--logfile',
    join(dir, 'redis.log'),
  ]
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  const launch = async () => {
    child = spawn(REDIS_SERVER, args, { stdio: 'ignore' })
    const proc = child
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    let failed: Error | undefined
    proc.once('error', (error) => (failed = error))
    for (let i = 0; i < 500; i++) {
      if (failed) throw new Error(`could not start ${REDIS_SERVER}: ${failed.message}`)
      if (proc.exitCode !== null) throw new Error(`${REDIS_SERVER} exited with ${proc.exitCode} (see ${dir}/redis.log)`)
      if (await ping(port)) return
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`${REDIS_SERVER} did not answer PING on port ${port}`)
  }
  await launch()
  const kill = async () => {
    child?.kill('SIGKILL')
    await exited
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
