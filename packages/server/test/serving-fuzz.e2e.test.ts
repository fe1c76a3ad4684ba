/**
 * Bad input never reaches a 5xx on the model server either: a seeded stream of hostile requests
 * to every route of `keel models serve` (MLflow scoring and the Open Inference Protocol v2: wrong
 * types, missing fields, huge strings, odd numbers, junk bodies, wrong content types, odd paths)
 * must be answered 2xx or 4xx with the protocol's error body, methods a route does not declare get
 * 405, and the server logs no error and keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RandomForestClassifier, createRng, loadIris } from '@keel/ml'
import { saveModel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ModelServerProcess, send, startModelServe } from './support/model-server.js'

const iris = loadIris()
const columns = iris.featureNames
let dir: string
let serving: ModelServerProcess

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keel-serving-fuzz-'))
  const forest = new RandomForestClassifier({ nEstimators: 3, maxDepth: 3, seed: 7 }).fit(iris.data, iris.target)
  await saveModel(forest, join(dir, 'model'), { featureNames: columns })
  // A folder needs no tracking server; the prediction log is off, so nothing is sent to one.
  serving = await startModelServe(
    ['-m', join(dir, 'model'), '--name', 'fuzzed', '-w', '1', '--no-prediction-log', '--max-body-bytes', '262144'],
    'http://127.0.0.1:9',
  )
})
afterAll(async () => {
  await serving?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

type Rand = () => number
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!

const ODD_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '1e999',
  "' OR 1=1 --",
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\r\nX-Injected: 1',
  '\ud800',
  'é'.repeat(300),
  'x'.repeat(70_000),
  '{"a":1}',
  'null',
  'True',
]
/** Number literals spliced into JSON text as written: JSON.parse makes some of them ±Infinity or 0. */
const ODD_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '9007199254740993',
  '123456789012345678901234567890',
  '4.9e-324',
  '1.7976931348623157e308',
  '0.1e1',
  '1E2',
]

function oddValue(rand: Rand, depth = 0): unknown {
  switch (Math.floor(rand() * 13)) {
    case 0:
      return null
    case 1:
      return rand() < 0.5
    case 2:
      return -1
    case 3:
      return 2 ** 63
    case 4:
      return 1.5
    case 5:
      return pick(rand, ODD_STRINGS)
    case 6:
      return depth < 3 ? [oddValue(rand, depth + 1), oddValue(rand, depth + 1)] : []
    case 7:
      return depth < 3 ? { key: oddValue(rand, depth + 1), [pick(rand, columns)]: oddValue(rand, depth + 1) } : {}
    case 8:
      return pick(rand, columns)
    case 9:
      return []
    case 10:
      return {}
    case 11:
      return { __odd: pick(rand, ODD_NUMBERS) }
    default:
      return Number.MAX_SAFE_INTEGER
  }
}

/** JSON text of `value`, with the odd number literals written in place of their markers. */
const text = (value: unknown): string => JSON.stringify(value).replace(/\{"__odd":"([^"]+)"\}/g, '$1')

/** A value, often a plausible one: numbers for the features, sometimes anything. */
const cell = (rand: Rand): unknown => (rand() < 0.7 ? Math.round(rand() * 80) / 10 : oddValue(rand))
const row = (rand: Rand): unknown[] =>
  Array.from({ length: rand() < 0.8 ? 4 : Math.floor(rand() * 7) }, () => cell(rand))
const rows = (rand: Rand): unknown[] =>
  Array.from({ length: Math.floor(rand() * 4) + (rand() < 0.1 ? 0 : 1) }, () => row(rand))

function scoringBody(rand: Rand): unknown {
  const data = rows(rand)
  const maybe = (value: unknown) => (rand() < 0.85 ? value : oddValue(rand))
  const bodies = [
    () => ({
      dataframe_split: maybe({
        columns: maybe(rand() < 0.8 ? columns : [columns[0], columns[0], 'x']),
        data: maybe(data),
      }),
    }),
    () => ({ dataframe_split: { data } }),
    () => ({
      dataframe_records: maybe(
        data.map((r) =>
          Object.fromEntries(columns.map((c, j) => [rand() < 0.9 ? c : pick(rand, ODD_STRINGS), (r as unknown[])[j]])),
        ),
      ),
    }),
    () => ({ instances: maybe(data) }),
    () => ({ instances: data.map((r) => (r as unknown[])[0]) }),
    () => ({ inputs: maybe(Object.fromEntries(columns.map((c) => [c, data.map(() => cell(rand))]))) }),
    () => ({ inputs: data }),
    () => ({
      instances: data,
      params: maybe({ predict_method: pick(rand, ['predict', 'predict_proba', 'explain', 7, null]) }),
    }),
    () => ({ instances: data, inputs: data }),
    () => Object.fromEntries([[pick(rand, ODD_STRINGS), oddValue(rand)]]),
  ]
  return pick(rand, bodies)()
}

function tensor(rand: Rand): unknown {
  const n = Math.floor(rand() * 3) + 1
  const name = rand() < 0.7 ? pick(rand, columns) : rand() < 0.5 ? 'input-0' : oddValue(rand)
  const shapes = [
    [n],
    [n, 1],
    [n, 4],
    [1, 2, 2],
    [-1],
    [n, Number.POSITIVE_INFINITY], // JSON has no Infinity: sent as null
    [2 ** 60, 2 ** 60],
    [],
    oddValue(rand),
    [1.5],
    ['2'],
  ]
  const shape = rand() < 0.6 ? (rand() < 0.5 ? [n] : [n, 4]) : pick(rand, shapes)
  const datatype =
    rand() < 0.6
      ? 'FP64'
      : pick(rand, ['FP32', 'FP16', 'INT64', 'INT8', 'UINT8', 'BOOL', 'BYTES', 'FP99', '', oddValue(rand)])
  const flat = Array.from(
    {
      length:
        Array.isArray(shape) && shape.every((d) => Number.isInteger(d))
          ? Math.min(
              64,
              (shape as number[]).reduce((a, b) => a * b, 1),
            )
          : 3,
    },
    () => cell(rand),
  )
  const data =
    rand() < 0.7 ? flat : pick(rand, [[flat], [flat.slice(0, 2), flat.slice(2)], oddValue(rand), flat.map((v) => [v])])
  const t: Record<string, unknown> = { name, shape, datatype, data }
  if (rand() < 0.1) delete t[pick(rand, ['name', 'shape', 'datatype', 'data'])]
  if (rand() < 0.1) t.parameters = oddValue(rand)
  return t
}

function inferBody(rand: Rand): unknown {
  const body: Record<string, unknown> = {}
  const inputs = rand() < 0.5 ? columns.map(() => tensor(rand)) : [tensor(rand)]
  body.inputs = rand() < 0.9 ? inputs : oddValue(rand)
  if (rand() < 0.3) body.id = rand() < 0.5 ? pick(rand, ODD_STRINGS) : oddValue(rand)
  if (rand() < 0.2)
    body.outputs = rand() < 0.5 ? [{ name: pick(rand, ['predict', 'predict_proba', 'nope']) }] : oddValue(rand)
  if (rand() < 0.1) body.parameters = oddValue(rand)
  return body
}

const JUNK = [
  '',
  '{',
  '[1,2]',
  'null',
  '"text"',
  '{"inputs": [',
  '\u0000\u0001',
  'a,b\n"unclosed',
  '<xml/>',
  'x'.repeat(300_000),
]
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/csv',
  'application/json; charset=latin-1',
  'application/json; format=pandas-split',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
]

const INFER_PATHS = [
  '/v2/models/fuzzed/infer',
  '/v2/models/fuzzed/versions/default/infer',
  '/v2/models/fuzzed/versions/9/infer',
  '/v2/models/other/infer',
  '/v2/models/%ff/infer',
  '/v2/models/fuzzed/versions/%e0%80/infer',
  '/v2/models//infer',
  '/v2/models/fuzzed/versions//infer',
  '/v2/models/fuzzed/x/y/infer',
]
const GET_PATHS = [
  '/ping',
  '/health',
  '/version',
  '/metrics',
  '/v2',
  '/v2/health/live',
  '/v2/health/ready',
  '/keel/deployment',
  '/v2/models/fuzzed',
  '/v2/models/fuzzed/ready',
  '/v2/models/fuzzed/versions/default',
  '/v2/models/%ff',
  '/v2/models/%ff/ready',
  '/v2/models/fuzzed/versions/%c0',
  '/v2/models/',
  '/v2/models/fuzzed/versions',
  '/nope',
  '/',
  '//',
  '/v2/models/fuzzed?x=%ff',
]

/** What makes an error body well formed, per protocol: MLflow's {error_code, message}, OIP's {error}. */
function badErrorBody(path: string, status: number, body: string): string | undefined {
  if (status < 400 || status === 431) return undefined
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(body) as Record<string, unknown>
  } catch {
    return `not JSON: ${body.slice(0, 120)}`
  }
  if (path.startsWith('/invocations'))
    return typeof parsed.error_code === 'string' && typeof parsed.message === 'string'
      ? undefined
      : `no error_code/message: ${body.slice(0, 120)}`
  return typeof parsed.error === 'string' || typeof parsed.message === 'string'
    ? undefined
    : `no error: ${body.slice(0, 120)}`
}

describe('fuzzing the model server', () => {
  it("never answers 5xx, and answers every 4xx with its protocol's error body", async () => {
    const rand = createRng(20261207) // seeded, so a failure replays
    const failures: string[] = []
    const check = async (method: string, path: string, body: string | undefined, contentType?: string) => {
      const headers: Record<string, string> = {}
      if (contentType !== undefined) headers['content-type'] = contentType
      if (rand() < 0.1) headers['x-request-id'] = pick(rand, ['ok-id', 'y'.repeat(200), 'a b', 'é'])
      const reply = await send(`${serving.url}${path}`, method, body, headers)
      const what = `${method} ${path} [${contentType}] ${String(body).slice(0, 160)}`
      if (reply.status >= 500) failures.push(`${what} -> ${reply.status} ${reply.text.slice(0, 200)}`)
      else if (method !== 'HEAD') {
        const bad = badErrorBody(path, reply.status, reply.text)
        if (bad !== undefined) failures.push(`${what} -> ${reply.status} ${bad}`)
      }
      return reply
    }
    let sent = 0
    for (let i = 0; i < 500; i++) {
      const junk = rand() < 0.1
      await check(
        'POST',
        '/invocations',
        junk ? pick(rand, JUNK) : text(scoringBody(rand)),
        rand() < 0.8 ? 'application/json' : pick(rand, CONTENT_TYPES),
      )
      await check(
        'POST',
        rand() < 0.8 ? INFER_PATHS[0]! : pick(rand, INFER_PATHS),
        junk ? pick(rand, JUNK) : text(inferBody(rand)),
        rand() < 0.9 ? 'application/json' : pick(rand, CONTENT_TYPES),
      )
      sent += 2
    }
    for (let i = 0; i < 40; i++) {
      const header = rand() < 0.8 ? columns.join(',') : pick(rand, ['a,b', '', '"', columns.slice(0, 2).join(',')])
      const csvCell = (v: unknown) =>
        typeof v === 'number' && rand() < 0.7
          ? String(v)
          : pick(rand, ['inf', '-Infinity', 'NaN', '1e400', '', 'abc', '"x', 'true'])
      const csv = [header, ...Array.from({ length: 3 }, () => row(rand).map(csvCell).join(','))].join('\n')
      await check(
        'POST',
        '/invocations',
        csv,
        pick(rand, ['text/csv', 'text/csv; charset=utf-8', 'text/csv; charset=utf-16']),
      )
      sent++
    }
    for (const path of GET_PATHS) {
      for (const method of ['GET', 'HEAD']) await check(method, path, undefined)
      sent += 2
    }
    expect(sent).toBeGreaterThan(1_000)
    expect(failures).toEqual([])
    // Still serving, and nothing was logged as an error.
    expect(
      (await send(`${serving.url}/invocations`, 'POST', JSON.stringify({ instances: [iris.data[0]] }))).status,
    ).toBe(200)
    expect(serving.output()).not.toMatch(/ERROR/)
  }, 180_000)

  it('answers methods a route does not declare with 405', async () => {
    const json = { 'content-type': 'application/json' }
    const cases: [string, string][] = [
      ['GET', '/invocations'],
      ['PUT', '/invocations'],
      ['DELETE', '/invocations'],
      ['PATCH', '/v2/models/fuzzed/infer'],
      ['GET', '/v2/models/fuzzed/infer'],
      ['DELETE', '/v2/models/fuzzed'],
      ['POST', '/ping'],
      ['PUT', '/metrics'],
      ['POST', '/v2/health/ready'],
      ['DELETE', '/keel/deployment'],
      ['POST', '/version'],
    ]
    for (const [method, path] of cases) {
      const reply = await send(
        `${serving.url}${path}`,
        method,
        method === 'GET' ? undefined : '{}',
        method === 'GET' ? {} : json,
      )
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(405)
      expect(reply.json().error).toMatch(new RegExp(`Method ${method} is not allowed`))
    }
    expect((await send(`${serving.url}/nowhere`, 'PUT', '{}', json)).status).toBe(404)
  })
})
