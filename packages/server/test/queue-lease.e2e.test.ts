/**
 * A job whose worker process died is retried by another once its lease lapses, on the durable
 * queue (the backend store's SQLite file) with real processes: `keel server --queue-workers 0`
 * queues, `keel worker` A runs an alert's action (the operator's, slow the first time), A is
 * killed with SIGKILL while it runs, and `keel worker` B (`--queue-lease 2`) takes the job once
 * A's lease lapsed: attempt 2, its last error naming A's lapsed lease, the action's result
 * recorded on the alert. The monitor run asked of the server waits for it and answers then.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keelCall, ok } from './support/keel-api.js'
import { KEEL_BIN, type KeelServer, startKeelServer, waitForOutput } from './support/keel-server.js'
import { driftingAt100, predictionRecord } from './support/prediction-records.js'
import { poll } from './support/poll.js'

const T0 = 1_764_000_000_000
const scratch = mkdtempSync(join(tmpdir(), 'keel-lease-'))
const marker = join(scratch, 'first-run.pid')
const config = join(scratch, 'keel.json')
// The first run writes its pid and hangs; a later run exits at once.
writeFileSync(
  config,
  JSON.stringify({
    actions: {
      slow: {
        command: [
          process.execPath,
          '-e',
          `const fs = require('fs'); if (fs.existsSync(${JSON.stringify(marker)})) { console.log('second run'); process.exit(0) } fs.writeFileSync(${JSON.stringify(marker)}, String(process.pid)); setTimeout(() => {}, 600000)`,
        ],
        timeout_seconds: 600,
      },
    },
  }),
)

let server: KeelServer
const workers: ChildProcess[] = []

function startWorker(name: string): { child: ChildProcess; output: () => string; ready: Promise<unknown> } {
  let log = ''
  const child = spawn(
    process.execPath,
    [
      KEEL_BIN,
      'worker',
      '--backend-store-uri',
      `sqlite:///${server.dbPath}`,
      '--artifacts-destination',
      server.artifactsDir,
      '--config',
      config,
      '--queue-lease',
      '2',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  workers.push(child)
  const ready = waitForOutput(
    child,
    () => log,
    (o) => o.includes('keel worker running jobs') || undefined,
    name,
    20_000,
  )
  return { child, output: () => log, ready }
}

const record = (i: number) => predictionRecord(i, { t0: T0, inputs: driftingAt100 })

beforeAll(async () => {
  server = await startKeelServer({ args: ['--monitor-interval', '0', '--queue-workers', '0', '--config', config] })
}, 30_000)

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL')
  if (existsSync(marker)) {
    try {
      process.kill(Number(readFileSync(marker, 'utf8')), 'SIGKILL')
    } catch {
      // Gone already.
    }
  }
  await server?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('the durable queue across processes', () => {
  it("retries a SIGKILLed worker's job in another worker once its lease lapsed", async () => {
    const a = startWorker('worker A')
    await a.ready
    await ok(
      keelCall(server.url, 'POST', 'predictions/log-batch', {
        records: Array.from({ length: 200 }, (_, i) => record(i)),
      }),
    )
    const { monitor } = await ok(
      keelCall(server.url, 'POST', 'monitors/create', {
        name: 'w',
        deployment: 'd1',
        reference: { log: { start_time: T0, end_time: T0 + 100_000 } },
        window: { count: 100 },
        alert_rules: [{ rule_id: 'act', kind: 'drift_share', threshold: 0.1, action: 'slow' }],
      }),
    )
    const running = keelCall(server.url, 'POST', 'monitors/run', { monitor_id: monitor.monitor_id })
    await poll("the action's first run to start", () => existsSync(marker))
    const [job] = (await ok(keelCall(server.url, 'GET', 'jobs/list', { kind: 'alert.action' }))).jobs
    expect(job).toMatchObject({ state: 'running', attempts: 1 })
    const deadWorker = job.worker
    a.child.kill('SIGKILL')
    process.kill(Number(readFileSync(marker, 'utf8')), 'SIGKILL') // its action, orphaned

    const b = startWorker('worker B')
    await b.ready
    const run = await ok(running)
    expect(run.windows.map((w: any) => w.window_id)).toEqual([1])
    expect(run.alerts[0].action).toEqual({ name: 'slow', exit_code: 0, output_tail: 'second run\n' })
    const { job: done } = await ok(keelCall(server.url, 'GET', 'jobs/get', { job_id: job.job_id }))
    expect(done).toMatchObject({ state: 'succeeded', attempts: 2 })
    expect(done.last_error).toContain(`the lease of worker ${deadWorker} lapsed`)
  }, 90_000)
})
