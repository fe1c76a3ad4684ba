/**
 * The browser guard where the process is the point, over the built CLI: `keel models serve` (a
 * separate program, on a real port) refuses a foreign Host except on its health probes, refuses the
 * body types a page can send freely and writes from other origins, and answers CORS for its allowed
 * origin; bad guard values stop the CLI with a message. keel server's guard is tested in-process in
 * browser-guard.test.ts; the tracking server the model server loads from is in-process too, on a
 * real socket (listen) since another process reaches it.
 */
import { spawnSync } from 'node:child_process'
import { type IncomingHttpHeaders, request } from 'node:http'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { KEEL_BIN } from './support/keel-server.js'
import { type ModelServerProcess, startModelServe } from './support/model-server.js'

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  json(): any
}

/** One request with exactly these headers (Host included: fetch would not let a test set it). */
function raw(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Node frames a DELETE's body only when told its length.
    const framed = body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers }
    const req = request(url, { method, headers: framed }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

const JSON_TYPE = { 'content-type': 'application/json' }
const REFUSED_TYPES: (string | undefined)[] = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
]

let tracking: InProcessKeel
let serving: ModelServerProcess

beforeAll(async () => {
  tracking = await startKeelApp({ listen: true })
  const iris = loadIris()
  const keel = createKeel({ trackingUri: tracking.url, fetch: tracking.fetch })
  await keel.setExperiment('guarded')
  const forest = new RandomForestClassifier({ nEstimators: 5, maxDepth: 3, seed: 1 }).fit(iris.data, iris.target)
  const runId = await keel.withRun({}, async (run) => {
    await run.logModel(forest, { featureNames: iris.featureNames })
    return run.runId
  })
  await keel.registerModel(`runs:/${runId}/model`, 'guarded')
  serving = await startModelServe(
    ['-m', 'models:/guarded/1', '-w', '1', '--cors-allowed-origins', 'https://app.example.com', '--no-prediction-log'],
    tracking.url,
  )
}, 120_000)

afterAll(async () => {
  await serving?.stop()
  await tracking?.close()
})

describe('keel models serve: the same guard', () => {
  const row = { instances: [[5.1, 3.5, 1.4, 0.2]] }
  const inferBody = JSON.stringify({
    inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP64', data: [5.1, 3.5, 1.4, 0.2] }],
  })

  it('refuses a foreign Host except on its health probes', async () => {
    const host = { host: `rebind.test:${serving.port}` }
    const scoring = await raw(`${serving.url}/invocations`, 'POST', { ...host, ...JSON_TYPE }, JSON.stringify(row))
    expect(scoring.status).toBe(403)
    expect(scoring.json()).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: expect.stringMatching(/Invalid Host header/),
    })
    const v2 = await raw(`${serving.url}/v2/models/guarded`, 'GET', host)
    expect(v2.status).toBe(403)
    expect(v2.json().error).toMatch(/Invalid Host header/)
    expect((await raw(`${serving.url}/metrics`, 'GET', host)).status).toBe(403)
    for (const path of ['/ping', '/health', '/v2/health/live', '/v2/health/ready'])
      expect((await raw(`${serving.url}${path}`, 'GET', host)).status, path).toBe(200)
    expect(
      (
        await raw(
          `${serving.url}/invocations`,
          'POST',
          { host: `localhost:${serving.port}`, ...JSON_TYPE },
          JSON.stringify(row),
        )
      ).status,
    ).toBe(200)
  })

  it('refuses the body types a page can send freely, and writes from other origins', async () => {
    for (const type of REFUSED_TYPES) {
      const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type }
      const scoring = await raw(`${serving.url}/invocations`, 'POST', headers, JSON.stringify(row))
      expect(scoring.status, String(type)).toBe(403)
      expect(scoring.json().message).toMatch(/must send application\/json or text\/csv/)
      const infer = await raw(`${serving.url}/v2/models/guarded/infer`, 'POST', headers, inferBody)
      expect(infer.status, String(type)).toBe(403)
      expect(infer.json().error).toMatch(/must send application\/json \(/)
    }
    for (const extra of [
      { origin: 'http://evil.test' },
      { origin: 'http://localhost:3000' },
      { 'sec-fetch-site': 'cross-site' },
    ] as Record<string, string>[]) {
      const res = await raw(`${serving.url}/invocations`, 'POST', { ...JSON_TYPE, ...extra }, JSON.stringify(row))
      expect(res.status, JSON.stringify(extra)).toBe(403)
      expect(res.json().message).toMatch(/^Cross-(origin|site) request blocked/)
    }
    const csvBody = `${loadIris()
      .featureNames.map((c) => `"${c}"`)
      .join(',')}\n5.1,3.5,1.4,0.2\n`
    const csv = await raw(`${serving.url}/invocations`, 'POST', { 'content-type': 'text/csv' }, csvBody)
    expect(csv.status, csv.text).toBe(200)
    const ok = await raw(`${serving.url}/v2/models/guarded/infer`, 'POST', JSON_TYPE, inferBody)
    expect(ok.status, ok.text).toBe(200)
    expect(ok.headers['x-content-type-options']).toBe('nosniff')
    expect(ok.headers['x-frame-options']).toBe('SAMEORIGIN')
  })

  it('answers CORS for its allowed origin: preflight with the sticky header, then the prediction', async () => {
    const pre = await raw(`${serving.url}/invocations`, 'OPTIONS', {
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization, x-user-id',
    })
    expect(pre.status).toBe(204)
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.com')
    expect(pre.headers['access-control-allow-headers']).toMatch(/authorization.*content-type.*x-user-id/)
    const res = await raw(
      `${serving.url}/invocations`,
      'POST',
      { origin: 'https://app.example.com', ...JSON_TYPE },
      JSON.stringify(row),
    )
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com')
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Keel-Model-Version/)
    expect(
      (
        await raw(`${serving.url}/invocations`, 'OPTIONS', {
          origin: 'https://evil.test',
          'access-control-request-method': 'POST',
        })
      ).status,
    ).toBe(403)
  })
})

describe('flags', () => {
  it('stops the CLI with a message naming a bad value', () => {
    const cases: [string[], RegExp][] = [
      [['server', '--x-frame-options', 'ALLOW-FROM'], /expected DENY, SAMEORIGIN or NONE/],
      [['server', '--cors-allowed-origins', 'https://app.example.com/ui'], /is not an origin/],
      [['server', '--cors-allowed-origins', 'null'], /'null' cannot be allowed/],
      [['server', '--allowed-hosts', 'http://keel.example.com'], /is not a host name/],
      [['models', 'serve', '-m', 'models:/guarded/1', '--allowed-hosts', 'a/b'], /is not a host name/],
    ]
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [KEEL_BIN, ...args], { encoding: 'utf8', timeout: 20_000 })
      expect(r.status, args.join(' ')).not.toBe(0)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  })
})
