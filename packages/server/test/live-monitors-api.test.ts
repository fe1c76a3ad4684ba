/**
 * Live monitors, in-process through the app's request function, fed straight through
 * `/keel/predictions/log-batch`: a stable stream then a shifted one (windows before the shift do
 * not drift, windows after do, predictions too; KS p-values checked against SciPy), labels posted
 * late change the performance read (checked against scikit-learn), alerts reach a webhook (a real
 * receiver on 127.0.0.1, one retry; allowed by the server's --config) and run the operator's action
 * by name (its exit code recorded), time windows, and bad input answered 400 naming the field.
 * Runs are asked for (`monitors/run`; the scheduler is off). No stored window lost to kill -9 is a
 * process test: live-monitors-durability.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRng } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type KeelReply, keelCall, ok } from './support/keel-api.js'

const PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url))

let server: InProcessKeel
let hook: Server
let hookUrl = ''
const hookBodies: any[] = []
let hookCalls = 0
const scratch = mkdtempSync(join(tmpdir(), 'keel-monitors-'))
const marker = join(scratch, 'retrain.json')
// The operator's configuration: the retraining action (writes the alert it got, exits 7) and the
// local webhook receiver allowed.
const config = join(scratch, 'keel.json')
writeFileSync(
  config,
  JSON.stringify({
    actions: {
      retrain: {
        command: [
          process.execPath,
          '-e',
          `require('fs').writeFileSync(${JSON.stringify(marker)}, process.env.KEEL_ALERT); process.exit(7)`,
        ],
      },
    },
    webhooks: { allow: ['127.0.0.1'] },
  }),
)

beforeAll(async () => {
  server = await startKeelApp({ args: ['--monitor-interval', '0', '--config', config] })
  // A webhook receiver that fails its first call (500), so the retry is exercised.
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      hookCalls++
      if (hookCalls === 1) {
        res.writeHead(500).end()
        return
      }
      hookBodies.push(JSON.parse(body))
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`
})

afterAll(async () => {
  await server?.close()
  await new Promise((r) => hook?.close(r))
  rmSync(scratch, { recursive: true, force: true })
})

type Res = KeelReply
const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<Res> =>
  keelCall(server, method, path, body)

// ---- a seeded stream ----
const random = createRng(7)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())

const T0 = 1_764_000_000_000
const DEPLOYMENT = 'fraud'
const REFERENCE = 500
const WINDOW = 200
const STABLE = 3
const SHIFTED = 3

interface Row {
  id: string
  t: number
  x1: number
  x2: number
  kind: string
  out: number
  p: number[]
}
const rows: Row[] = []
for (let i = 0; i < REFERENCE + (STABLE + SHIFTED) * WINDOW; i++) {
  const shifted = i >= REFERENCE + STABLE * WINDOW
  const x1 = normal() + (shifted ? 1.2 : 0)
  const x2 = 5 + 2 * normal()
  const kind = shifted ? (random() < 0.7 ? 'c' : 'a') : ['a', 'b', 'c'][Math.floor(random() * 3)]!
  const score = 1 / (1 + Math.exp(-2 * x1))
  const out = score > 0.5 ? 1 : 0
  rows.push({ id: `r${i}`, t: T0 + i * 1000, x1, x2, kind, out, p: [1 - score, score] })
}
const record = (r: Row) => ({
  request_id: r.id,
  deployment: DEPLOYMENT,
  model_name: 'fraud-model',
  model_version: '1',
  model_uri: 'models:/fraud-model/1',
  variant: 'champion',
  timestamp_ms: r.t,
  latency_ms: 1,
  protocol: 'v2',
  inputs: [{ x1: r.x1, x2: r.x2, kind: r.kind }],
  outputs: [r.out],
  probabilities: [r.p],
  status_code: 200,
})
const windowRows = (k: number) => rows.slice(REFERENCE + (k - 1) * WINDOW, REFERENCE + k * WINDOW)
const referenceRows = rows.slice(0, REFERENCE)

/** SciPy's two-sample KS p-value for each pair. */
function scipyKs(pairs: [number[], number[]][]): number[] {
  const file = join(scratch, `ks-${Math.random()}.json`)
  writeFileSync(file, JSON.stringify(pairs))
  const out = execFileSync(PYTHON, [
    '-c',
    'import json,sys\nfrom scipy.stats import ks_2samp\nprint(json.dumps([ks_2samp(a,b).pvalue for a,b in json.load(open(sys.argv[1]))]))',
    file,
  ])
  return JSON.parse(out.toString()) as number[]
}

function sklearnScores(pairs: [number[], number[]][]): { accuracy: number; f1: number }[] {
  const file = join(scratch, `scores-${Math.random()}.json`)
  writeFileSync(file, JSON.stringify(pairs))
  const out = execFileSync(PYTHON, [
    '-c',
    'import json,sys\nfrom sklearn.metrics import accuracy_score,f1_score\nprint(json.dumps([{"accuracy":accuracy_score(t,p),"f1":f1_score(t,p,average="macro",zero_division=0)} for t,p in json.load(open(sys.argv[1]))]))',
    file,
  ])
  return JSON.parse(out.toString()) as { accuracy: number; f1: number }[]
}

describe('live monitors', () => {
  let monitorId = ''

  beforeAll(async () => {
    for (let i = 0; i < rows.length; i += 1000) {
      await ok(call('POST', 'predictions/log-batch', { records: rows.slice(i, i + 1000).map(record) }))
    }
  })

  it('creates a monitor with a log reference, count windows and alert rules', async () => {
    const { monitor } = await ok(
      call('POST', 'monitors/create', {
        name: 'fraud-live',
        deployment: DEPLOYMENT,
        reference: { log: { start_time: T0, end_time: T0 + REFERENCE * 1000 } },
        window: { count: WINDOW },
        task: 'classification',
        alert_rules: [
          { rule_id: 'drift', kind: 'drift_share', threshold: 0.3, webhook_url: hookUrl },
          { rule_id: 'retrain', kind: 'prediction_drift', action: 'retrain' },
          { rule_id: 'accuracy', kind: 'performance', metric: 'accuracy', threshold: 0.8, min_labelled_rows: 50 },
        ],
      }),
    )
    monitorId = monitor.monitor_id
    expect(monitor).toMatchObject({
      name: 'fraud-live',
      deployment: DEPLOYMENT,
      window: { count: WINDOW },
      drift_share: 0.5,
      status: 'active',
    })
    expect(monitor.alert_rules.map((r: any) => r.rule_id)).toEqual(['drift', 'retrain', 'accuracy'])
    expect(monitor.alert_rules[1]).toEqual({
      rule_id: 'retrain',
      kind: 'prediction_drift',
      threshold: 0,
      action: 'retrain',
    })
    const listed = await ok(call('GET', 'monitors/list', { deployment: DEPLOYMENT }))
    expect(listed.monitors.map((m: any) => m.monitor_id)).toEqual([monitorId])
  })

  it('runs: windows before the shift do not drift, windows after do, and the KS p-values are SciPy’s', async () => {
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
    expect(run.windows.map((w: any) => w.window_id)).toEqual([1, 2, 3, 4, 5, 6])
    const { windows } = await ok(call('GET', 'monitors/windows', { monitor_id: monitorId }))
    expect(windows).toHaveLength(STABLE + SHIFTED)
    for (const w of windows) {
      const expected = windowRows(w.window_id)
      expect(w.rows).toBe(WINDOW)
      expect(w.start_ms).toBe(expected[0]!.t)
      expect(w.end_ms).toBe(expected.at(-1)!.t + 1)
      const shifted = w.window_id > STABLE
      expect(w.dataset_drift, `window ${w.window_id}`).toBe(shifted)
      expect(w.drifted_columns.includes('x1')).toBe(shifted)
      expect(w.drifted_columns).not.toContain('x2')
      expect(w.prediction_drift.drifted, `prediction drift in window ${w.window_id}`).toBe(shifted)
      expect(Object.keys(w.histograms).sort()).toEqual(['kind', 'prediction', 'x1', 'x2'])
      expect(w.histograms.x1.reference.reduce((a: number, b: number) => a + b, 0)).toBe(REFERENCE)
      expect(w.histograms.x1.current.reduce((a: number, b: number) => a + b, 0)).toBe(WINDOW)
      // CBPE from the logged probabilities (fitted on the log reference): an estimate in [0, 1] with its band
      expect(w.estimated_performance.method).toBe('cbpe')
      expect(w.estimated_performance.metrics.accuracy).toBeGreaterThanOrEqual(0)
      expect(w.estimated_performance.metrics.accuracy).toBeLessThanOrEqual(1)
      expect(w.estimated_performance.lower.accuracy).toBeLessThanOrEqual(w.estimated_performance.upper.accuracy)
    }
    const pairs = windows.flatMap((w: any) =>
      ['x1', 'x2'].map(
        (c) =>
          [referenceRows.map((r) => (r as any)[c]), windowRows(w.window_id).map((r) => (r as any)[c])] as [
            number[],
            number[],
          ],
      ),
    )
    const expected = scipyKs(pairs)
    const got = windows.flatMap((w: any) => ['x1', 'x2'].map((c) => w.columns.find((x: any) => x.column === c)))
    got.forEach((c: any, i: number) => {
      expect(c.test).toBe('ks')
      expect(c.score).toBeCloseTo(expected[i]!, 6)
    })
  })

  it('fires the drift alert to the webhook (after one retry) and runs the action, recording what they returned', async () => {
    const { alerts } = await ok(call('GET', 'monitors/alerts', { monitor_id: monitorId }))
    const drift = alerts.filter((a: any) => a.rule_id === 'drift').sort((a: any, b: any) => a.window_id - b.window_id)
    expect(drift.map((a: any) => a.window_id)).toEqual([4, 5, 6])
    for (const a of drift) expect(a.webhook).toEqual({ url: hookUrl, status: 204 })
    expect(hookCalls).toBe(4) // the first failed (500) and was retried
    expect(hookBodies.map((b) => b.window_id).sort()).toEqual([4, 5, 6])
    expect(hookBodies[0]).toMatchObject({
      monitor_id: monitorId,
      rule_id: 'drift',
      kind: 'drift_share',
      threshold: 0.3,
      deployment: DEPLOYMENT,
    })
    const retrain = alerts.filter((a: any) => a.rule_id === 'retrain')
    expect(retrain.map((a: any) => a.window_id).sort()).toEqual([4, 5, 6])
    for (const a of retrain) expect(a.action).toEqual({ name: 'retrain', exit_code: 7, output_tail: '' })
    const written = JSON.parse(readFileSync(marker, 'utf8'))
    expect(written).toMatchObject({ monitor_id: monitorId, rule_id: 'retrain', kind: 'prediction_drift' })
    // Nothing fired for performance yet: no labels.
    expect(alerts.filter((a: any) => a.rule_id === 'accuracy')).toEqual([])
  })

  it('a second run processes nothing new', async () => {
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
    expect(run.windows).toEqual([])
    expect(run.alerts).toEqual([])
  })

  it('computes performance when read: labels posted late change it (scikit-learn’s accuracy and macro F1)', async () => {
    const before = await ok(call('GET', 'monitors/performance', { monitor_id: monitorId }))
    expect(before.windows.map((w: any) => w.labelled_rows)).toEqual([0, 0, 0, 0, 0, 0])
    expect(before.windows[0].metrics).toEqual({})
    // Truth: the stable windows' model is right 95% of the time, the shifted ones' 60%.
    const truth = new Map<string, number>()
    for (let k = 1; k <= STABLE + SHIFTED; k++) {
      const wrong = k > STABLE ? 0.4 : 0.05
      for (const r of windowRows(k)) truth.set(r.id, random() < wrong ? 1 - r.out : r.out)
    }
    const labels = [...truth].map(([request_id, label]) => ({ request_id, label }))
    await ok(call('POST', 'predictions/labels', { labels: labels.slice(0, 1000) }))
    await ok(call('POST', 'predictions/labels', { labels: labels.slice(1000) }))
    const after = await ok(call('GET', 'monitors/performance', { monitor_id: monitorId }))
    const oracle = sklearnScores(
      after.windows.map((w: any) => [
        windowRows(w.window_id).map((r) => truth.get(r.id)!),
        windowRows(w.window_id).map((r) => r.out),
      ]),
    )
    for (const [i, w] of after.windows.entries()) {
      const expected = oracle[i]!
      expect(w.labelled_rows).toBe(WINDOW)
      expect(w.metrics.accuracy).toBeCloseTo(expected.accuracy, 12)
      expect(w.metrics.f1_macro).toBeCloseTo(expected.f1, 12)
      expect(w.metrics.accuracy > 0.8).toBe(w.window_id <= STABLE)
    }
    // The performance rule fires on the next run, once per window whose accuracy fell.
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
    expect(run.alerts.map((a: any) => [a.rule_id, a.window_id]).sort()).toEqual([
      ['accuracy', 4],
      ['accuracy', 5],
      ['accuracy', 6],
    ])
    const again = await ok(call('POST', 'monitors/run', { monitor_id: monitorId }))
    expect(again.alerts).toEqual([])
  })

  it('time windows: aligned, skipping empty spans, every row counted once', async () => {
    const { monitor } = await ok(
      call('POST', 'monitors/create', {
        name: 'fraud-minutes',
        deployment: DEPLOYMENT,
        reference: { log: { start_time: T0, end_time: T0 + REFERENCE * 1000 } },
        window: { seconds: 120 },
      }),
    )
    await ok(call('POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
    const { windows } = await ok(
      call('GET', 'monitors/windows', { monitor_id: monitor.monitor_id, max_results: '1000' }),
    )
    expect(windows.reduce((n: number, w: any) => n + w.rows, 0)).toBe(rows.length - REFERENCE)
    for (const w of windows.slice(1)) {
      expect(w.end_ms - w.start_ms).toBe(120_000)
      expect(w.start_ms % 120_000).toBe(0)
    }
    // paging
    const first = await ok(call('GET', 'monitors/windows', { monitor_id: monitor.monitor_id, max_results: '4' }))
    const second = await ok(
      call('GET', 'monitors/windows', {
        monitor_id: monitor.monitor_id,
        max_results: '4',
        page_token: first.next_page_token,
      }),
    )
    expect([...first.windows, ...second.windows].map((w: any) => w.window_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('refuses bad input with 400 naming the field', async () => {
    const base = {
      name: 'x',
      deployment: DEPLOYMENT,
      reference: { log: { start_time: T0, end_time: T0 + 1000 } },
      window: { count: 10 },
    }
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, window: { count: 0 } }, /window\.count/],
      [{ ...base, window: { count: 10, seconds: 5 } }, /'window'/],
      [{ ...base, reference: {} }, /'reference'/],
      [{ ...base, reference: { uri: '/etc/passwd' } }, /reference\.uri/],
      [{ ...base, reference: { log: { start_time: T0 + 10, end_time: T0 } } }, /reference\.log\.end_time/],
      [{ ...base, reference: { log: { start_time: 1, end_time: 2 } } }, /reference\.log/],
      [{ ...base, reference: { model_version: { name: 'nope', version: '1' } } }, /nope/],
      [{ ...base, drift_share: 2 }, /drift_share/],
      [{ ...base, tests: { x1: 'nonsense' } }, /tests\.x1/],
      [{ ...base, tests: { missing: 'ks' } }, /tests\.missing/],
      [{ ...base, alert_rules: [{ kind: 'column_drift' }] }, /alert_rules\[0\]\.column/],
      [{ ...base, alert_rules: [{ kind: 'drift_share' }] }, /alert_rules\[0\]\.threshold/],
      [
        { ...base, alert_rules: [{ kind: 'drift_share', threshold: 0.5, webhook_url: 'file:///x' }] },
        /alert_rules\[0\]\.webhook_url/,
      ],
      [{ ...base, alert_rules: [{ kind: 'drift_share', threshold: 0.5, command: [] }] }, /alert_rules\[0\]\.command/],
      [
        { ...base, alert_rules: [{ kind: 'drift_share', threshold: 0.5, action: 'nope' }] },
        /alert_rules\[0\]\.action.*'nope'.*defined: retrain/,
      ],
      [{ ...base, alert_rules: [{ kind: 'bogus', threshold: 1 }] }, /alert_rules/],
      [{ ...base, name: '' }, /'name'/],
      [{ ...base, window: 'big' }, /window/],
    ]
    for (const [body, pattern] of cases) {
      const res = await call('POST', 'monitors/create', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE')
      expect(res.json.message, JSON.stringify(body)).toMatch(pattern)
    }
    const dup = await call('POST', 'monitors/create', { ...base, name: 'fraud-live' })
    expect(dup.status).toBe(400)
    expect(dup.json.error_code).toBe('RESOURCE_ALREADY_EXISTS')
    expect((await call('GET', 'monitors/get', { monitor_id: 'nope' })).status).toBe(404)
    expect((await call('POST', 'monitors/run', { monitor_id: 'nope' })).status).toBe(404)
    const token = await call('GET', 'monitors/windows', { monitor_id: monitorId, page_token: 'garbage' })
    expect(token.status).toBe(400)
    expect(token.json.message).toMatch(/page_token/)
    expect((await call('GET', 'monitors/windows', { monitor_id: monitorId, max_results: '0' })).json.message).toMatch(
      /max_results/,
    )
  })

  it('pauses and resumes; update replaces rules', async () => {
    const paused = await ok(call('POST', 'monitors/update', { monitor_id: monitorId, status: 'paused' }))
    expect(paused.monitor.status).toBe('paused')
    const refused = await call('POST', 'monitors/run', { monitor_id: monitorId })
    expect(refused.status).toBe(400)
    expect(refused.json.message).toMatch(/paused/)
    const resumed = await ok(
      call('POST', 'monitors/update', { monitor_id: monitorId, status: 'active', drift_share: 0.4 }),
    )
    expect(resumed.monitor).toMatchObject({ status: 'active', drift_share: 0.4, last_window_id: 6 })
    const bad = await call('POST', 'monitors/update', {
      monitor_id: monitorId,
      alert_rules: [{ kind: 'quality', threshold: 3 }],
    })
    expect(bad.status).toBe(400)
    expect(bad.json.message).toMatch(/alert_rules\[0\]\.threshold/)
  })

  it('deletes a monitor with its windows and alerts', async () => {
    await ok(call('POST', 'monitors/delete', { monitor_id: monitorId }))
    expect((await call('GET', 'monitors/get', { monitor_id: monitorId })).status).toBe(404)
    const { alerts } = await ok(call('GET', 'monitors/alerts', { deployment: DEPLOYMENT }))
    expect(alerts.filter((a: any) => a.monitor_id === monitorId)).toEqual([])
  })
})
