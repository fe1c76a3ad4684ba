/**
 * The prediction log's REST API (`/api/2.0/keel/predictions/...`), in-process through the app's
 * request function, and the SDK's PredictionLogClient against it: logging, paging by time windows,
 * idempotent retries, labels joined whenever they come, the deployment summary, and bad input
 * answered 400 INVALID_PARAMETER_VALUE naming the field. Concurrent writers and SIGKILL are a
 * process test: predictions-durability.e2e.test.ts.
 */
import { createRng } from '@keel/ml'
import { KeelError, createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

let server: InProcessKeel
beforeAll(async () => {
  server = await startKeelApp()
})
afterAll(async () => {
  await server?.close()
})

type Res = { status: number; json: any }

async function call(method: 'GET' | 'POST', path: string, body?: unknown, prefix = '/api/2.0'): Promise<Res> {
  let url = `${server.url}${prefix}/keel/predictions/${path}`
  const init: RequestInit = { method }
  if (method === 'GET' && body) url += `?${new URLSearchParams(body as Record<string, string>)}`
  else if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    init.headers = { 'content-type': 'application/json' }
  }
  const res = await server.fetch(url, init)
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : {} }
}

const ok = async (res: Promise<Res>) => {
  const { status, json } = await res
  expect(status, JSON.stringify(json)).toBe(200)
  return json
}

const T0 = 1_764_200_000_000
let seq = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${seq++}`

/** A wire record with every required field. */
const wire = (requestId: string, deployment: string, over: Record<string, unknown> = {}): Record<string, any> => ({
  request_id: requestId,
  deployment,
  model_name: 'iris-classifier',
  model_version: '3',
  model_uri: 'models:/iris-classifier/3',
  variant: 'champion',
  shadow: false,
  timestamp_ms: T0,
  latency_ms: 0.42,
  protocol: 'v2',
  inputs: [{ sepal_length: 5.1, sepal_width: 3.5, note: 'a' }],
  outputs: [0],
  probabilities: [[0.9, 0.05, 0.05]],
  status_code: 200,
  ...over,
})

const summaryOf = async (deployment: string) =>
  (await ok(call('GET', 'deployments'))).deployments.find((d: { deployment: string }) => d.deployment === deployment)

describe('logging and reading back', () => {
  it('logs a batch, answers {}, and reads it back by search, get and the summary (also under /ajax-api)', async () => {
    const d = unique('iris')
    const champion = wire('req-1', d)
    const shadow = wire('req-1', d, {
      variant: 'challenger',
      shadow: true,
      model_version: '4',
      outputs: [2],
      probabilities: [[0.1, 0.2, 0.7]],
      timestamp_ms: T0 + 1,
    })
    const failed = wire('req-2', d, {
      outputs: [],
      probabilities: undefined,
      status_code: 500,
      error: 'model crashed',
      timestamp_ms: T0 + 2,
      protocol: 'mlflow',
    })
    delete failed.probabilities
    expect(await ok(call('POST', 'log-batch', { records: [champion, shadow, failed], dropped: 2 }))).toEqual({})

    const found = await ok(call('GET', 'search', { deployment: d }))
    expect(found).toEqual({ records: [champion, shadow, failed] })
    expect(await ok(call('GET', 'search', { deployment: d, shadow: 'true' }))).toEqual({ records: [shadow] })
    expect(await ok(call('GET', 'search', { deployment: d, variant: 'champion', model_version: '3' }))).toEqual({
      records: [champion, failed],
    })
    expect(await ok(call('GET', 'get', { request_id: 'req-1' }, '/ajax-api/2.0'))).toEqual({
      records: [champion, shadow],
    })
    expect(await summaryOf(d)).toEqual({
      deployment: d,
      records: 3,
      dropped: 2,
      first_timestamp_ms: T0,
      last_timestamp_ms: T0 + 2,
      variants: ['challenger', 'champion'],
      model_versions: ['3', '4'],
    })
    const unknown = await call('GET', 'get', { request_id: unique('never') })
    expect({ status: unknown.status, code: unknown.json.error_code }).toEqual({
      status: 404,
      code: 'RESOURCE_DOES_NOT_EXIST',
    })
  })

  it('treats a retried batch as a no-op: same records, same dropped total, the first write kept', async () => {
    const d = unique('retry')
    const batch = { records: [wire('a', d), wire('b', d, { timestamp_ms: T0 + 5 })], dropped: 7 }
    await ok(call('POST', 'log-batch', batch))
    await ok(call('POST', 'log-batch', batch))
    await ok(call('POST', 'log-batch', { records: [wire('a', d, { outputs: [1], latency_ms: 9 })] }))
    const records = (await ok(call('GET', 'search', { deployment: d }))).records
    expect(records).toEqual(batch.records)
    expect(await summaryOf(d)).toMatchObject({ records: 2, dropped: 7 })
    // A next batch with new records adds its dropped count.
    await ok(call('POST', 'log-batch', { records: [wire('c', d)], dropped: 1 }))
    expect(await summaryOf(d)).toMatchObject({ records: 3, dropped: 8 })
  })

  it('keeps the dropped total within what JSON carries exactly: it stops at 2^53 - 1', async () => {
    const d = unique('overflow')
    await ok(call('POST', 'log-batch', { records: [], dropped: Number.MAX_SAFE_INTEGER, deployment: d }))
    await ok(call('POST', 'log-batch', { records: [], dropped: Number.MAX_SAFE_INTEGER - 1, deployment: d }))
    expect(await summaryOf(d)).toMatchObject({ records: 0, dropped: Number.MAX_SAFE_INTEGER })
  })

  it('joins labels posted before and after the prediction, a later post replacing, types kept', async () => {
    const d = unique('labels')
    const early = unique('early')
    const late = unique('late')
    await ok(call('POST', 'labels', { labels: [{ request_id: early, label: 'setosa', timestamp_ms: T0 - 10 }] }))
    await ok(
      call('POST', 'log-batch', {
        records: [
          wire(early, d),
          wire(late, d, { timestamp_ms: T0 + 1 }),
          wire(late, d, { variant: 'challenger', shadow: true, timestamp_ms: T0 + 1 }),
        ],
      }),
    )
    const before = Date.now()
    await ok(call('POST', 'labels', { labels: [{ request_id: late, label: 1 }] }))
    const after = Date.now()
    let records = (await ok(call('GET', 'search', { deployment: d }))).records
    expect(records.map((r: any) => [r.request_id, r.variant, r.label])).toEqual([
      [early, 'champion', 'setosa'],
      [late, 'champion', 1],
      [late, 'challenger', 1],
    ])
    expect(records[0].label_timestamp_ms).toBe(T0 - 10)
    // Stamped by the server when it got the label.
    expect(records[1].label_timestamp_ms).toBeGreaterThanOrEqual(before)
    expect(records[1].label_timestamp_ms).toBeLessThanOrEqual(after)
    await ok(call('POST', 'labels', { labels: [{ request_id: late, label: '1', timestamp_ms: T0 + 99 }] }))
    records = (await ok(call('GET', 'get', { request_id: late }))).records
    expect(records.map((r: any) => [r.label, r.label_timestamp_ms])).toEqual([
      ['1', T0 + 99],
      ['1', T0 + 99],
    ])
  })
})

describe('paging through time windows', () => {
  it('returns every record of each window exactly once, in timestamp then arrival order, both directions', async () => {
    const d = unique('paging')
    // 90 records over 9 seconds, four per timestamp (ties), logged in three shuffled batches.
    const all = Array.from({ length: 90 }, (_, i) => wire(`p${i}`, d, { timestamp_ms: T0 + Math.floor(i / 4) * 400 }))
    const random = createRng(42)
    const shuffled = all
      .map((r) => ({ r, k: random() }))
      .sort((a, b) => a.k - b.k)
      .map(({ r }) => r)
    const batches = [shuffled.slice(0, 30), shuffled.slice(30, 60), shuffled.slice(60)]
    for (const records of batches) await ok(call('POST', 'log-batch', { records }))
    // What the server must answer: by timestamp, ties in the order they arrived.
    const arrival = batches.flat().map((r) => r.request_id)
    const expected = [...batches.flat()].sort(
      (a, b) => a.timestamp_ms - b.timestamp_ms || arrival.indexOf(a.request_id) - arrival.indexOf(b.request_id),
    )

    for (const order of ['asc', 'desc'] as const) {
      const seen: any[] = []
      for (let start = T0; start < T0 + 9 * 4000; start += 3000) {
        const window: any[] = []
        let token: string | undefined
        let pages = 0
        do {
          const page = await ok(
            call('GET', 'search', {
              deployment: d,
              start_time: String(start),
              end_time: String(start + 3000),
              max_results: '7',
              order,
              ...(token && { page_token: token }),
            }),
          )
          expect(page.records.length).toBeLessThanOrEqual(7)
          window.push(...page.records)
          token = page.next_page_token
          pages++
        } while (token !== undefined && pages < 50)
        const inWindow = expected.filter((r) => r.timestamp_ms >= start && r.timestamp_ms < start + 3000)
        expect(window).toEqual(order === 'asc' ? inWindow : [...inWindow].reverse())
        seen.push(...window)
      }
      expect(seen.length).toBe(90)
    }
  })

  it('defaults to 1,000 per page and refuses a token from the other order', async () => {
    const d = unique('default-page')
    await ok(
      call('POST', 'log-batch', {
        records: Array.from({ length: 1000 }, (_, i) => wire(`q${i}`, d, { timestamp_ms: T0 + i })),
      }),
    )
    await ok(call('POST', 'log-batch', { records: [wire('q1000', d, { timestamp_ms: T0 + 1000 })] }))
    const first = await ok(call('GET', 'search', { deployment: d }))
    expect(first.records.length).toBe(1000)
    expect(first.next_page_token).toEqual(expect.any(String))
    const second = await ok(call('GET', 'search', { deployment: d, page_token: first.next_page_token }))
    expect(second.records.map((r: any) => r.request_id)).toEqual(['q1000'])
    expect(second.next_page_token).toBeUndefined()
    const wrong = await call('GET', 'search', { deployment: d, page_token: first.next_page_token, order: 'desc' })
    expect([wrong.status, wrong.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE'])
    expect(wrong.json.message).toContain("'page_token'")
  })
})

describe('bad input is 400 INVALID_PARAMETER_VALUE naming the field, and logs nothing', () => {
  const d = unique('bad')
  const big = 'x'.repeat(300_000)
  const cases: [string, unknown, string][] = [
    ['missing request_id', { records: [{ ...wire('r', d), request_id: undefined }] }, "'records[0].request_id'"],
    ['empty request_id', { records: [wire('', d)] }, "'records[0].request_id'"],
    ['request_id over 128 characters', { records: [wire('r'.repeat(129), d)] }, "'records[0].request_id'"],
    ['missing inputs', { records: [{ ...wire('r', d), inputs: undefined }] }, "'records[0].inputs'"],
    ['inputs not rows', { records: [wire('r', d, { inputs: [[5.1, 3.5]] })] }, "'records[0].inputs[0]'"],
    ['latency as text', { records: [wire('r', d, { latency_ms: 'fast' })] }, "'records[0].latency_ms'"],
    ['negative latency', { records: [wire('r', d, { latency_ms: -1 })] }, "'records[0].latency_ms'"],
    ['timestamp as a date', { records: [wire('r', d, { timestamp_ms: '2025-11-27' })] }, "'records[0].timestamp_ms'"],
    ['unknown protocol', { records: [wire('r', d, { protocol: 'grpc' })] }, "'records[0].protocol'"],
    ['shadow not a boolean', { records: [wire('r', d, { shadow: 'maybe' })] }, "'records[0].shadow'"],
    [
      'an output that is an object',
      { records: [wire('r', d, { outputs: [{ class: 1 }] })] },
      "'records[0].outputs[0]'",
    ],
    ['an input row that is null', { records: [wire('r', d, { inputs: [null] })] }, "'records[0].inputs[0]'"],
    ['inputs not a list', { records: [wire('r', d, { inputs: { a: 1 } })] }, "'records[0].inputs'"],
    ['an output that is a boolean', { records: [wire('r', d, { outputs: [true] })] }, "'records[0].outputs[0]'"],
    [
      'a probability that is text',
      { records: [wire('r', d, { probabilities: [[0.5, '0.5']] })] },
      "'records[0].probabilities[0]'",
    ],
    ['probabilities not rows', { records: [wire('r', d, { probabilities: [0.5] })] }, "'records[0].probabilities[0]'"],
    ['one output for two rows', { records: [wire('r', d, { inputs: [{ a: 1 }, { a: 2 }] })] }, "'records[0].outputs'"],
    [
      'probabilities for no row',
      { records: [wire('r', d, { probabilities: [[0.5], [0.5]] })] },
      "'records[0].probabilities'",
    ],
    ['status code 42', { records: [wire('r', d, { status_code: 42 })] }, "'records[0].status_code'"],
    ['oversize inputs', { records: [wire('r', d, { inputs: [{ text: big }] })] }, "'records[0].inputs'"],
    [
      'the second record bad',
      { records: [wire('fine', d), wire('r', d, { model_name: 7 })] },
      "'records[1].model_name'",
    ],
    ['records not a list', { records: { 0: wire('r', d) } }, "'records'"],
    ['missing records', { dropped: 1, deployment: d }, "'records'"],
    [
      'too many records',
      {
        records: Array.from({ length: 1001 }, (_, i) =>
          wire(`r${i}`, d, { inputs: [], outputs: [], status_code: 500, probabilities: undefined }),
        ),
      },
      "'records'",
    ],
    ['negative dropped', { records: [wire('r', d)], dropped: -1 }, "'dropped'"],
    ['dropped as text', { records: [wire('r', d)], dropped: 'some' }, "'dropped'"],
    ['dropped for nobody', { records: [], dropped: 3 }, "'dropped'"],
    ['dropped over two deployments', { records: [wire('r', d), wire('r', `${d}-2`)], dropped: 3 }, "'dropped'"],
  ]
  it.each(cases)('log-batch: %s', async (_, body, field) => {
    const res = await call('POST', 'log-batch', body)
    expect([res.status, res.json.error_code], JSON.stringify(res.json).slice(0, 300)).toEqual([
      400,
      'INVALID_PARAMETER_VALUE',
    ])
    expect(res.json.message).toContain(field)
  })

  it('log-batch: a field of exactly the size limit is logged, one byte more is refused with its size', async () => {
    // JSON's escapes and multi-byte characters count as the bytes JSON.stringify gives them.
    const limit = 262_144
    const text = (n: number) => '"é\u0001'.repeat(n)
    const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v))
    const base = [{ t: text(26_000) }]
    const pad = limit - bytes(base)
    expect(pad).toBeGreaterThan(0)
    const exact = [{ t: text(26_000) + 'x'.repeat(pad) }]
    const over = [{ t: text(26_000) + 'x'.repeat(pad + 1) }]
    expect([bytes(exact), bytes(over)]).toEqual([limit, limit + 1])
    const at = unique('limit')
    await ok(call('POST', 'log-batch', { records: [wire(`${at}-fits`, at, { inputs: exact })] }))
    const refused = await call('POST', 'log-batch', {
      records: [wire(`${at}-over`, at, { outputs: [], status_code: 500, probabilities: undefined, inputs: over })],
    })
    expect([refused.status, refused.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE'])
    expect(refused.json.message).toContain(`'records[0].inputs': it is ${limit + 1} bytes of JSON`)
    const [logged] = (await ok(call('GET', 'get', { request_id: `${at}-fits` }))).records
    expect(logged.inputs).toEqual(exact)
  })

  it('log-batch: a body that is not JSON', async () => {
    const res = await call('POST', 'log-batch', '{"records": [')
    expect([res.status, res.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE'])
  })

  const searches: [string, Record<string, string>, string][] = [
    ['a page token not ours', { page_token: 'bm90LWEtdG9rZW4' }, "'page_token'"],
    ['a page token of garbage', { page_token: '%%%' }, "'page_token'"],
    ['an unknown order', { order: 'sideways' }, "'order'"],
    ['max_results 0', { max_results: '0' }, "'max_results'"],
    ['max_results over 10,000', { max_results: '10001' }, "'max_results'"],
    ['max_results as text', { max_results: 'many' }, "'max_results'"],
    ['start_time as text', { start_time: 'yesterday' }, "'start_time'"],
    ['end before start', { start_time: '10', end_time: '5' }, "'end_time'"],
    ['shadow not a boolean', { shadow: 'perhaps' }, "'shadow'"],
  ]
  it.each(searches)('search: %s', async (_, query, field) => {
    const res = await call('GET', 'search', query)
    expect([res.status, res.json.error_code], JSON.stringify(res.json)).toEqual([400, 'INVALID_PARAMETER_VALUE'])
    expect(res.json.message).toContain(field)
  })

  const labels: [string, unknown, string][] = [
    ['a missing label', { labels: [{ request_id: 'r' }] }, "'labels[0].label'"],
    ['a label that is an object', { labels: [{ request_id: 'r', label: { y: 1 } }] }, "'labels[0].label'"],
    ['a missing request_id', { labels: [{ label: 1 }] }, "'labels[0].request_id'"],
    [
      'a request_id over 128 characters',
      { labels: [{ request_id: 'r'.repeat(129), label: 1 }] },
      "'labels[0].request_id'",
    ],
    ['a negative timestamp', { labels: [{ request_id: 'r', label: 1, timestamp_ms: -5 }] }, "'labels[0].timestamp_ms'"],
    [
      'too many labels',
      { labels: Array.from({ length: 1001 }, (_, i) => ({ request_id: `r${i}`, label: 1 })) },
      "'labels'",
    ],
    ['labels missing', {}, "'labels'"],
  ]
  it.each(labels)('labels: %s', async (_, body, field) => {
    const res = await call('POST', 'labels', body)
    expect([res.status, res.json.error_code], JSON.stringify(res.json).slice(0, 300)).toEqual([
      400,
      'INVALID_PARAMETER_VALUE',
    ])
    expect(res.json.message).toContain(field)
  })

  it('get without a request_id', async () => {
    const res = await call('GET', 'get')
    expect([res.status, res.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE'])
    expect(res.json.message).toContain("'request_id'")
  })

  it('none of the refused batches logged anything', async () => {
    expect(await ok(call('GET', 'search', { deployment: d }))).toEqual({ records: [] })
    expect(await summaryOf(d)).toBeUndefined()
  })
})

describe('PredictionLogClient (keel.predictions)', () => {
  it('logs in calls of 1,000, pages through everything, gets, labels and summarises', async () => {
    const keel = createKeel({ trackingUri: server.url, fetch: server.fetch, lineage: false })
    const deployment = unique('sdk')
    const records = Array.from({ length: 2500 }, (_, i) => ({
      requestId: `s${i}`,
      deployment,
      modelName: 'iris-classifier',
      modelVersion: String(1 + (i % 2)),
      modelUri: `models:/iris-classifier/${1 + (i % 2)}`,
      variant: i % 2 === 0 ? 'champion' : 'challenger',
      shadow: i % 2 === 1,
      timestampMs: T0 + Math.floor(i / 3),
      latencyMs: 0.5,
      protocol: 'mlflow' as const,
      inputs: [{ x: i, y: `v${i % 5}` }],
      outputs: [i % 3],
      statusCode: 200,
    }))
    await keel.predictions.logBatch(records, 11)
    await keel.predictions.logBatch(records.slice(0, 1000), 11) // a retry of the first call: a no-op
    const seen = []
    for await (const p of keel.predictions.searchAll({ deployment, maxResults: 400 })) seen.push(p)
    expect(seen).toEqual(records)
    const page = await keel.predictions.search({ deployment, variant: 'challenger', order: 'desc', maxResults: 2 })
    expect(page.items.map((p) => p.requestId)).toEqual(['s2499', 's2497'])
    expect(page.nextPageToken).toEqual(expect.any(String))

    await keel.predictions.postLabels(
      records.slice(0, 1200).map((r, i) => ({ requestId: r.requestId, label: i % 3, timestampMs: T0 + 5000 })),
    )
    const got = await keel.predictions.get('s7')
    expect(got).toEqual([{ ...records[7], label: 1, labelTimestampMs: T0 + 5000 }])
    const window = await keel.predictions.search({ deployment, startTime: T0 + 399, endTime: T0 + 400 })
    expect(window.items.map((p) => [p.requestId, p.label])).toEqual([
      ['s1197', 0],
      ['s1198', 1],
      ['s1199', 2],
    ])

    expect((await keel.predictions.deployments()).find((s) => s.deployment === deployment)).toEqual({
      deployment,
      records: 2500,
      dropped: 11,
      firstTimestampMs: T0,
      lastTimestampMs: T0 + 833,
      variants: ['challenger', 'champion'],
      modelVersions: ['1', '2'],
    })
    await expect(keel.predictions.get(unique('never'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
    await expect(keel.predictions.search({ maxResults: 0 })).rejects.toBeInstanceOf(KeelError)
  })
})

describe('hostile values inside records, labels and searches', () => {
  const ODD: unknown[] = [
    null,
    true,
    -1,
    2 ** 63,
    1.5,
    1e308,
    '',
    ' ',
    'NaN',
    '\u0000',
    '\ud800',
    'é'.repeat(300),
    'x'.repeat(70_000),
    '9'.repeat(19),
    [],
    {},
    [1, [2]],
    { a: { b: null } },
    Number.MAX_SAFE_INTEGER,
  ]
  /** A seeded generator, so a failure replays. */
  const rand = createRng(20261127)
  const odd = () => ODD[Math.floor(rand() * ODD.length)]

  it('never answers 5xx, and what it accepts reads back', async () => {
    const d = unique('fuzz')
    const fields = Object.keys(wire('x', d))
    const failures: string[] = []
    let accepted = 0
    for (let i = 0; i < 150; i++) {
      const r = wire(`f${i}`, d)
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        const field = fields[Math.floor(rand() * fields.length)]!
        if (field === 'inputs' && rand() < 0.5) r.inputs = [{ [String(odd())]: odd() }]
        else r[field] = odd()
      }
      const body =
        rand() < 0.3 ? { records: [r], dropped: odd(), deployment: rand() < 0.5 ? d : odd() } : { records: [r] }
      const res = await call('POST', 'log-batch', body)
      if (res.status >= 500 || (res.status !== 200 && res.json.error_code !== 'INVALID_PARAMETER_VALUE')) {
        failures.push(
          `${res.status} ${JSON.stringify(res.json).slice(0, 200)} <- ${JSON.stringify(body).slice(0, 300)}`,
        )
      }
      if (res.status === 200) accepted++
    }
    for (let i = 0; i < 60; i++) {
      const label = {
        request_id: rand() < 0.5 ? `f${i}` : odd(),
        label: odd(),
        ...(rand() < 0.5 && { timestamp_ms: odd() }),
      }
      const res = await call('POST', 'labels', { labels: [label] })
      if (res.status >= 500)
        failures.push(
          `labels ${res.status} ${JSON.stringify(res.json).slice(0, 200)} <- ${JSON.stringify(label).slice(0, 200)}`,
        )
      const params = [
        'deployment',
        'model_name',
        'model_version',
        'variant',
        'shadow',
        'start_time',
        'end_time',
        'max_results',
        'page_token',
        'order',
      ]
      const query: Record<string, string> = {}
      for (const p of params) if (rand() < 0.3) query[p] = String(odd()).slice(0, 2000)
      const found = await call('GET', 'search', query)
      if (found.status >= 500)
        failures.push(
          `search ${found.status} ${JSON.stringify(found.json).slice(0, 200)} <- ${JSON.stringify(query).slice(0, 200)}`,
        )
    }
    expect(failures).toEqual([])
    // Whatever was accepted is readable, and the summary counts exactly that.
    const back = await ok(call('GET', 'search', { deployment: d, max_results: '10000' }))
    const summary = await summaryOf(d)
    expect(summary?.records ?? 0).toBe(back.records.length)
    expect(back.records.length).toBeLessThanOrEqual(accepted)
    expect(accepted).toBeGreaterThan(0)
  })
})
