/**
 * A live monitor's stored windows survive kill -9: after a run, SIGKILL, and a restart on the same
 * data, the windows read the same and the next run resumes after the last one. A process test (a
 * killed process), so it runs the built CLI; live monitors' REST API itself is tested in-process in
 * live-monitors-api.test.ts.
 */
import { existsSync, rmSync } from 'node:fs'
import { createRng } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelReply, keelCall, ok } from './support/keel-api.js'
import { startKeelServer, type KeelServer } from './support/keel-server.js'

const serverArgs = ['--monitor-interval', '0']
let server: KeelServer
let dataDir = ''
beforeAll(async () => {
  server = await startKeelServer({ args: serverArgs })
  dataDir = server.dataDir
})
afterAll(async () => {
  await server?.close()
  // The restarted server was given the folder, so its close keeps it.
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<KeelReply> =>
  keelCall(server.url, method, path, body)

// ---- a seeded stream: a reference, then windows whose x1 shifted ----
const random = createRng(13)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
const T0 = 1_764_000_000_000
const DEPLOYMENT = 'fraud'
const REFERENCE = 300
const WINDOW = 100
let logged = 0
async function logRows(n: number): Promise<void> {
  const records = Array.from({ length: n }, (_, k) => {
    const i = logged + k
    const x1 = normal() + (i >= REFERENCE ? 1.2 : 0)
    return {
      request_id: `r${i}`,
      deployment: DEPLOYMENT,
      model_name: 'fraud-model',
      model_version: '1',
      model_uri: 'models:/fraud-model/1',
      variant: 'champion',
      timestamp_ms: T0 + i * 1000,
      latency_ms: 1,
      protocol: 'v2',
      inputs: [{ x1, x2: 5 + 2 * normal() }],
      outputs: [x1 > 0 ? 1 : 0],
      status_code: 200,
    }
  })
  logged += n
  await ok(call('POST', 'predictions/log-batch', { records }))
}

describe('live monitors and kill -9', () => {
  it('kill -9 after a run loses no stored window; the restarted server resumes after the last one', async () => {
    await logRows(REFERENCE + 2 * WINDOW)
    const { monitor } = await ok(
      call('POST', 'monitors/create', {
        name: 'fraud-durable',
        deployment: DEPLOYMENT,
        reference: { log: { start_time: T0, end_time: T0 + REFERENCE * 1000 } },
        window: { count: WINDOW },
      }),
    )
    const monitorId = monitor.monitor_id
    expect(
      (await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))).windows.map((w: any) => w.window_id),
    ).toEqual([1, 2])
    await logRows(WINDOW)
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
    expect(run.windows.map((w: any) => w.window_id)).toEqual([3])
    const before = await ok(call('GET', 'monitors/windows', { monitor_id: monitorId }))
    expect(before.windows.map((w: any) => w.window_id)).toEqual([1, 2, 3])
    await server.stop('SIGKILL')
    server = await startKeelServer({ dataDir, args: serverArgs })
    const after = await ok(call('GET', 'monitors/windows', { monitor_id: monitorId }))
    expect(after.windows).toEqual(before.windows)
    const again = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
    expect(again.windows).toEqual([])
    expect(existsSync(server.dbPath)).toBe(true)
  })
})
