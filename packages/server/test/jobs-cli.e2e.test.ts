/**
 * `keel worker` and `keel jobs` as processes, on BullMQ and a real redis-server started here: a
 * `keel server --queue redis://… --queue-workers 0` only queues jobs, and a `keel worker` with the
 * same store and artifact flags runs them (a monitor run asked of the server is answered once the
 * worker stored the windows); `keel jobs list|get` print tables and `--json`, `keel jobs cancel`
 * of an unknown job exits 1 naming it; the worker stops cleanly on SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keelCall, ok } from './support/keel-api.js'
import { KEEL_BIN, type KeelServer, startKeelServer, waitForOutput } from './support/keel-server.js'
import { type RedisServer, startRedisServer } from './support/redis-server.js'
import { predictionRecord } from './support/prediction-records.js'

const exec = promisify(execFile)
const T0 = 1_764_000_000_000

let redis: RedisServer
let server: KeelServer
let worker: ChildProcess
let workerLog = ''

const keel = (...args: string[]) =>
  exec(process.execPath, [KEEL_BIN, ...args, '--tracking-uri', server.url], { env: { ...process.env, NO_COLOR: '1' } })

const record = (i: number) => predictionRecord(i, { t0: T0 })

beforeAll(async () => {
  redis = await startRedisServer()
  server = await startKeelServer({ args: ['--monitor-interval', '0', '--queue', redis.url, '--queue-workers', '0'] })
  worker = spawn(
    process.execPath,
    [
      KEEL_BIN,
      'worker',
      '--queue',
      redis.url,
      '--backend-store-uri',
      `sqlite:///${server.dbPath}`,
      '--artifacts-destination',
      server.artifactsDir,
      '--concurrency',
      '2',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  worker.stdout!.on('data', (d: Buffer) => (workerLog += d.toString()))
  worker.stderr!.on('data', (d: Buffer) => (workerLog += d.toString()))
  await waitForOutput(
    worker,
    () => workerLog,
    (out) => out.includes('keel worker running jobs') || undefined,
    'keel worker',
    20_000,
  )
}, 60_000)

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL')
  await server?.close()
  await redis?.stop()
})

describe('keel worker and keel jobs', () => {
  it("the worker runs the server's jobs; keel jobs lists and reads them; the worker stops on SIGTERM", async () => {
    await ok(
      keelCall(server.url, 'POST', 'predictions/log-batch', {
        records: Array.from({ length: 300 }, (_, i) => record(i)),
      }),
    )
    const { monitor } = await ok(
      keelCall(server.url, 'POST', 'monitors/create', {
        name: 'w',
        deployment: 'd1',
        reference: { log: { start_time: T0, end_time: T0 + 100_000 } },
        window: { count: 100 },
      }),
    )
    const run = await ok(keelCall(server.url, 'POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
    expect(run.windows.map((w: any) => w.window_id)).toEqual([1, 2])

    const listed = JSON.parse((await keel('jobs', 'list', '--kind', 'monitor.window', '--json')).stdout)
    expect(listed.map((j: any) => [j.job_id, j.state, j.attempts]).sort()).toEqual([
      [`monitor-window.${monitor.monitor_id}.1`, 'succeeded', 1],
      [`monitor-window.${monitor.monitor_id}.2`, 'succeeded', 1],
    ])
    const table = (await keel('jobs', 'list')).stdout
    expect(table).toMatch(/monitor\.window\s*│\s*succeeded\s*│\s*1\/3/)
    const id = `monitor-window.${monitor.monitor_id}.1`
    const one = (await keel('jobs', 'get', id)).stdout
    expect(one).toMatch(new RegExp(`id\\s+${id.replace(/\./g, '\\.')}`))
    expect(one).toMatch(/state\s+succeeded/)
    expect(one).toMatch(/attempts\s+1 of 3/)
    expect(JSON.parse((await keel('jobs', 'get', id, '--json')).stdout)).toMatchObject({
      job_id: id,
      kind: 'monitor.window',
    })

    const missing = await keel('jobs', 'cancel', 'no-such-job').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )
    expect(missing?.code).toBe(1)
    expect(missing?.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST Job 'no-such-job' does not exist/)

    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)))
    worker.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 60_000)
})
