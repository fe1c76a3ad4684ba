/**
 * POST /api/2.0/keel/monitoring/drift, in-process through the app's request function: inline
 * columns and artifact URIs (mlflow-artifacts:/ and runs:/), JSON and HTML, every bad input a 400
 * naming it; and the SDK's local and remote reports, which must agree.
 */
import { buildDriftReport, type Table } from '@keel/monitoring'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'

let server: InProcessKeel
let runId: string
const path = '/api/2.0/keel/monitoring/drift'

async function post(body: unknown, init: { query?: string; headers?: Record<string, string>; raw?: string } = {}) {
  const res = await server.fetch(`${server.url}${path}${init.query ?? ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ?? JSON.stringify(body),
  })
  const text = await res.text()
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined,
  }
}

async function upload(artifactPath: string, content: string | Uint8Array) {
  const res = await server.fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}`, {
    method: 'PUT',
    body: content,
  })
  expect(res.status).toBe(200)
}

const n = 300
const reference = {
  x: Array.from({ length: n }, (_, i) => Math.sin(i) * 10),
  c: Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]!),
}
const current = {
  x: Array.from({ length: n }, (_, i) => Math.sin(i) * 10 + 4),
  c: Array.from({ length: n }, (_, i) => ['a', 'b', 'd'][i % 3]!),
}
const csv = (t: typeof reference) => `x,c\n${t.x.map((x, i) => `${x},${t.c[i]}`).join('\n')}\n`

beforeAll(async () => {
  server = await startKeelApp()
  const exp = await api(server, 'POST', '/experiments/create', { name: 'monitoring' })
  const run = await api(server, 'POST', '/runs/create', { experiment_id: exp.json.experiment_id })
  runId = run.json.run.info.run_id
  const root = String(run.json.run.info.artifact_uri).replace(/^mlflow-artifacts:\//, '')
  await upload(`${root}/data/train.csv`, csv(reference))
  await upload('datasets/week.csv', csv(current))
  await upload('datasets/broken.parquet', 'not parquet at all')
  await upload('datasets/empty.csv', 'x,c\n')
})
afterAll(async () => {
  await server?.close()
})

describe('POST /keel/monitoring/drift', () => {
  it('inline columns: the report in snake_case, the same one @keel/monitoring builds', async () => {
    const r = await post({
      reference: { columns: reference },
      current: { columns: current },
      tests: { x: 'psi' },
      thresholds: { x: 0.2 },
      drift_share: 0.4,
    })
    expect(r.status).toBe(200)
    const local = buildDriftReport(reference, current, { tests: { x: 'psi' }, thresholds: { x: 0.2 }, driftShare: 0.4 })
    expect(r.json.kind).toBe('keel.drift_report')
    expect(r.json.drift).toEqual({
      number_of_columns: 2,
      number_of_drifted_columns: local.drift.numberOfDriftedColumns,
      number_of_errors: 0,
      share_of_drifted_columns: local.drift.shareOfDriftedColumns,
      drift_share: 0.4,
      dataset_drift: local.drift.datasetDrift,
    })
    const x = r.json.columns[0]
    expect([x.drift.test, x.drift.threshold, x.drift.score]).toEqual([
      'psi',
      0.2,
      (local.columns[0]!.drift as { score: number }).score,
    ])
    expect(x.histogram.kind).toBe('numeric')
    expect(r.json.quality.findings.map((f: { check: string }) => f.check)).toEqual(
      local.quality.findings.map((f) => f.check),
    )
  })

  it('artifact URIs: runs:/<run_id>/path and mlflow-artifacts:/, read with DuckDB', async () => {
    const r = await post({
      reference: { uri: `runs:/${runId}/data/train.csv` },
      current: { uri: 'mlflow-artifacts:/datasets/week.csv' },
    })
    expect(r.status).toBe(200)
    expect(r.json.reference).toEqual({ name: `runs:/${runId}/data/train.csv`, rows: n, columns: 2 })
    const inline = await post({ reference: { columns: reference }, current: { columns: current } })
    const drift = (j: { columns: { drift: { test: string; drifted: boolean } }[] }) =>
      j.columns.map((c) => [c.drift.test, c.drift.drifted])
    expect(drift(r.json)).toEqual(drift(inline.json))
  })

  it('HTML with ?format=html or Accept: text/html', async () => {
    const body = { reference: { columns: reference }, current: { columns: current } }
    for (const r of [
      await post(body, { query: '?format=html' }),
      await post(body, { headers: { accept: 'text/html' } }),
    ]) {
      expect(r.status).toBe(200)
      expect(r.type).toMatch(/^text\/html/)
      expect(r.text).toMatch(/^<!doctype html>/)
      expect(r.text).toContain('<svg')
    }
    // errors stay JSON
    const bad = await post({ reference: { columns: {} }, current: { columns: current } }, { query: '?format=html' })
    expect([bad.status, bad.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE'])
  })

  it.each([
    ['an unknown column', { columns: ['x', 'nope'] }, /unknown column 'nope'/],
    ['an unknown test', { tests: { x: 'bogus' } }, /unknown drift test 'bogus'/],
    ['a test for another column type', { tests: { c: 'ks' } }, /ks does not apply to categorical column 'c'/],
    ['a drift share above 1', { drift_share: 1.5 }, /drift_share/],
    ['a threshold that is not a number', { thresholds: { x: 'high' } }, /thresholds\.x/],
  ])('400 for %s', async (_what, options, message) => {
    const r = await post({ reference: { columns: reference }, current: { columns: current }, ...options })
    expect(r.status).toBe(400)
    expect(r.json.message).toMatch(message)
  })

  it.each([
    ['empty data', { reference: { columns: { x: [] } }, current: { columns: current } }, /reference dataset is empty/],
    ['no columns', { reference: { columns: {} }, current: { columns: current } }, /reference dataset has no columns/],
    [
      'columns of different lengths',
      { reference: { columns: { x: [1, 2], c: ['a'] } }, current: { columns: current } },
      /differ in length/,
    ],
    [
      'a cell that is an object',
      { reference: { columns: { x: [1, { a: 1 }] } }, current: { columns: current } },
      /reference\.columns\.x\[1\] must be a number, string, boolean or null/,
    ],
    [
      'both columns and uri',
      { reference: { columns: reference, uri: 'mlflow-artifacts:/datasets/week.csv' }, current: { columns: current } },
      /either 'columns'.*not both/,
    ],
    ['neither columns nor uri', { reference: {}, current: { columns: current } }, /not neither/],
    ['a missing reference', { current: { columns: current } }, /reference/],
    [
      'a missing artifact',
      { reference: { uri: 'mlflow-artifacts:/datasets/nope.csv' }, current: { columns: current } },
      /no such artifact/,
    ],
    [
      'an unreadable file',
      { reference: { uri: 'mlflow-artifacts:/datasets/broken.parquet' }, current: { columns: current } },
      /Cannot read 'mlflow-artifacts:\/datasets\/broken\.parquet'/,
    ],
    [
      'an empty file',
      { reference: { uri: 'mlflow-artifacts:/datasets/empty.csv' }, current: { columns: current } },
      /reference dataset is empty/,
    ],
    [
      'an unknown format',
      { reference: { uri: 'mlflow-artifacts:/datasets/week.json' }, current: { columns: current } },
      /unknown format/,
    ],
    [
      'a path leaving the store',
      { reference: { uri: 'mlflow-artifacts:/datasets/../../../etc/passwd.csv' }, current: { columns: current } },
      /'\.\.' segment/,
    ],
    [
      'an encoded traversal',
      { reference: { uri: 'mlflow-artifacts:/%2e%2e/%2e%2e/etc/x.csv' }, current: { columns: current } },
      /percent-encoded dot segment/,
    ],
    [
      'another host',
      { reference: { uri: 'mlflow-artifacts://evil.example/x.csv' }, current: { columns: current } },
      /another host/,
    ],
    [
      'a local file',
      { reference: { uri: 'file:///etc/passwd.csv' }, current: { columns: current } },
      /must be an artifact of this server/,
    ],
    [
      'an absolute path',
      { reference: { uri: '/etc/passwd.csv' }, current: { columns: current } },
      /must be an artifact of this server/,
    ],
    [
      'an unknown run',
      { reference: { uri: 'runs:/0123456789abcdef/data/train.csv' }, current: { columns: current } },
      /run '0123456789abcdef' does not exist/,
    ],
    [
      'a run without a path',
      { reference: { uri: `runs:/abc` }, current: { columns: current } },
      /runs:\/<run_id>\/<path>/,
    ],
  ])('400 for %s, never a 5xx', async (_what, body, message) => {
    const r = await post(body)
    expect(r.status).toBe(400)
    expect(r.json.message).toMatch(message)
  })

  it('400 for malformed JSON and for a body over the size limit', async () => {
    const malformed = await post(undefined, { raw: '{"reference": ' })
    expect([malformed.status, malformed.json.message]).toEqual([400, expect.stringMatching(/Malformed JSON/)])
    const big = { reference: { columns: { x: new Array(4_500_000).fill(1.5) } }, current: { columns: current } }
    const tooLarge = await post(big)
    expect(tooLarge.status).toBe(400)
    expect(tooLarge.json.message).toMatch(/too large/)
  })
})

describe('SDK: keel.monitoring', () => {
  const keel = () => createKeel({ trackingUri: server.url, fetch: server.fetch })

  it('driftReport computes locally; remoteDriftReport asks the server; they agree', async () => {
    const t = (o: typeof reference): Table => ({ x: Float64Array.from(o.x), c: o.c })
    const local = await keel().monitoring.driftReport({
      reference: t(reference),
      current: t(current),
      thresholds: { x: 0.3 },
    })
    const remote = await keel().monitoring.remoteDriftReport({
      reference: t(reference),
      current: t(current),
      thresholds: { x: 0.3 },
    })
    const { createdAt: _a, ...l } = local
    const { createdAt: _b, ...r } = remote
    expect(r).toEqual(l)
    expect(local.columns[0]!.drift).toMatchObject({ threshold: 0.3 })
    // Infinity survives the wire (chi-square with a category only in current)
    expect(remote.columns[1]!.drift).toMatchObject({ test: 'chisquare', statistic: Number.POSITIVE_INFINITY })
  })

  it('remoteDriftReport reads artifacts; renderHtmlReport renders any report; errors are KeelErrors', async () => {
    const k = keel()
    const report = await k.monitoring.remoteDriftReport({
      reference: { uri: `runs:/${runId}/data/train.csv` },
      current: { uri: 'mlflow-artifacts:/datasets/week.csv' },
    })
    expect(report.reference.rows).toBe(n)
    expect(k.monitoring.renderHtmlReport(report)).toContain('runs:/')
    await expect(
      k.monitoring.remoteDriftReport({
        reference: { uri: 'file:///etc/x.csv' },
        current: { uri: 'mlflow-artifacts:/datasets/week.csv' },
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    })
  })
})
