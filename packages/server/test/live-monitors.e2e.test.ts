/**
 * The seed's war story end to end: a model trained on iris (its training CSV recorded in the run's
 * lineage) is registered and served by `keel models serve` (a real process); a monitor on keel
 * server (in-process, on a socket for the model server to reach; scheduler every second, reference
 * = the model version's training data) watches its prediction log. A stable stream, then a shifted
 * one whose labels make accuracy fall: the shifted windows drift, their predictions drift, the
 * realized accuracy falls and the retraining action (defined by the operator in the server's
 * --config, named by the rule) fires.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadIris, RandomForestClassifier } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { send, startModelServe, type ModelServerProcess } from './support/model-server.js'

const iris = loadIris()
const columns = iris.featureNames
const dir = mkdtempSync(join(tmpdir(), 'keel-monitors-e2e-'))
const marker = join(dir, 'retrained.json')
const WINDOW = 50
let tracking: InProcessKeel
let served: ModelServerProcess | undefined

beforeAll(async () => {
  // The retraining hook (in production: ["npx", "tsx", "examples/iris/train.ts"]), as the operator defines it.
  const config = join(dir, 'keel.yaml')
  writeFileSync(
    config,
    `actions:\n  retrain:\n    command: ${JSON.stringify([process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, process.env.KEEL_ALERT)`])}\n    timeout_seconds: 60\n`,
  )
  tracking = await startKeelApp({ listen: true, args: ['--monitor-interval', '1', '--config', config] })
  const keel = createKeel({ trackingUri: tracking.url })
  await keel.setExperiment('monitors-e2e')
  const forest = new RandomForestClassifier({ nEstimators: 10, maxDepth: 4, seed: 3 }).fit(iris.data, iris.target)
  const runId = await keel.withRun({}, async (run) => {
    const csv = [
      [...columns, 'target'].map((c) => `"${c}"`).join(','),
      ...iris.data.map((r, i) => [...r, iris.target[i]].join(',')),
    ].join('\n')
    await run.logText(`${csv}\n`, 'data/train.csv')
    await run.logInput(
      {
        name: 'iris',
        digest: 'iris-150',
        sourceType: 'artifact',
        source: JSON.stringify({ uri: `runs:/${run.runId}/data/train.csv` }),
      },
      { context: 'training' },
    )
    await run.logModel(forest, { featureNames: columns })
    return run.runId
  })
  await keel.registerModel(`runs:/${runId}/model`, 'iris-e2e')
  served = await startModelServe(['-m', 'models:/iris-e2e/1', '-w', '1'], tracking.url)
}, 120_000)

afterAll(async () => {
  await served?.stop()
  await tracking?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function call(method: 'GET' | 'POST', path: string, body: Record<string, unknown>): Promise<any> {
  const url =
    method === 'GET'
      ? `${tracking.url}/api/2.0/keel/${path}?${new URLSearchParams(body as Record<string, string>)}`
      : `${tracking.url}/api/2.0/keel/${path}`
  const res = await fetch(
    url,
    method === 'GET' ? {} : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
  )
  const json = await res.json()
  expect(res.status, JSON.stringify(json)).toBe(200)
  return json
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 40_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** A fixed shuffle of the 150 iris rows (iris is sorted by class; a window must not be). */
const order = Array.from({ length: 150 }, (_, i) => (i * 47) % 150)

describe('the war story: a served model drifts and its accuracy falls', () => {
  it('the monitor sees the drift, the performance fall and fires the retraining action', async () => {
    const { monitor } = await call('POST', 'monitors/create', {
      name: 'iris-watch',
      deployment: 'iris-e2e',
      reference: { model_version: { name: 'iris-e2e', version: '1' } },
      prediction_column: 'target',
      window: { count: WINDOW },
      lateness_seconds: 1.5,
      alert_rules: [
        {
          rule_id: 'retrain',
          kind: 'performance',
          metric: 'accuracy',
          threshold: 0.8,
          min_labelled_rows: 40,
          action: 'retrain',
        },
      ],
    })
    expect(monitor.reference.model_version).toMatchObject({
      name: 'iris-e2e',
      version: '1',
      uri: expect.stringMatching(/data\/train\.csv$/),
    })

    const labels: { request_id: string; label: number }[] = []
    const predict = async (id: string, row: number[]) => {
      const reply = await send(
        `${served!.url}/invocations`,
        'POST',
        JSON.stringify({ dataframe_split: { columns, data: [row] } }),
        { 'x-request-id': id },
      )
      expect(reply.status, reply.text).toBe(200)
    }
    // Stable: the training distribution, labelled with the truth.
    for (const i of order) {
      await predict(`stable-${i}`, iris.data[i]!)
      labels.push({ request_id: `stable-${i}`, label: iris.target[i]! })
    }
    // Shifted: petals grew (the model now answers virginica), the truth did not change.
    for (const i of order) {
      const [sl, sw, pl, pw] = iris.data[i]!
      await predict(`shifted-${i}`, [sl!, sw!, pl! + 3, pw! + 1.2])
      labels.push({ request_id: `shifted-${i}`, label: iris.target[i]! })
    }

    const windows = await until('6 windows', async () => {
      const { windows } = await call('GET', 'monitors/windows', { monitor_id: monitor.monitor_id })
      return windows.length >= 6 ? windows : undefined
    })
    expect(windows.map((w: any) => w.rows)).toEqual([WINDOW, WINDOW, WINDOW, WINDOW, WINDOW, WINDOW])
    expect(windows.map((w: any) => w.dataset_drift)).toEqual([false, false, false, true, true, true])
    expect(windows.map((w: any) => w.prediction_drift.drifted)).toEqual([false, false, false, true, true, true])
    for (const w of windows.slice(3))
      expect(w.drifted_columns).toEqual(expect.arrayContaining(['petal length (cm)', 'petal width (cm)']))
    // The training CSV's label column is what predictions are compared with, not an input.
    expect(windows[0].columns.map((c: any) => c.column).sort()).toEqual([...columns].sort())
    expect(windows[0].prediction_drift.column).toBe('target')

    // Labels come late: before them nothing is known, after them accuracy falls in the shifted windows.
    const blind = await call('GET', 'monitors/performance', { monitor_id: monitor.monitor_id })
    expect(blind.windows.every((w: any) => w.labelled_rows === 0)).toBe(true)
    await call('POST', 'predictions/labels', { labels })
    const perf = await call('GET', 'monitors/performance', { monitor_id: monitor.monitor_id })
    const accuracy = perf.windows.map((w: any) => w.metrics.accuracy)
    for (const a of accuracy.slice(0, 3)) expect(a).toBeGreaterThan(0.9)
    for (const a of accuracy.slice(3)) expect(a).toBeLessThan(0.6)

    const alerts = await until('the retraining alerts', async () => {
      const { alerts } = await call('GET', 'monitors/alerts', { monitor_id: monitor.monitor_id })
      return alerts.length >= 3 && alerts.every((a: any) => a.action?.exit_code !== null) ? alerts : undefined
    })
    expect(alerts.map((a: any) => a.window_id).sort()).toEqual([4, 5, 6])
    for (const a of alerts)
      expect(a).toMatchObject({ rule_id: 'retrain', kind: 'performance', action: { name: 'retrain', exit_code: 0 } })
    expect(existsSync(marker)).toBe(true)
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({
      monitor_id: monitor.monitor_id,
      kind: 'performance',
      threshold: 0.8,
    })
  }, 120_000)
})
