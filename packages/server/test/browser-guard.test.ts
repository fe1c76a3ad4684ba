/**
 * The browser guard on real servers (`keel server` and `keel models serve`, the built CLI on real
 * ports): a foreign Host is refused (DNS rebinding) except on health probes; state-changing
 * requests in the types a page can send without a CORS preflight, and writes from other origins,
 * are refused with 403 and change nothing; allowed origins get CORS (preflight and answers); the
 * UI's own requests work; every answer carries nosniff and X-Frame-Options, the UI its CSP. MLflow's
 * variables set the same options, and bad values stop the CLI with a message.
 */
import { spawnSync } from 'node:child_process'
import { type IncomingHttpHeaders, request } from 'node:http'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEEL_BIN, type KeelServer, startKeelServer } from './support/keel-server.js'
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

let plain: KeelServer // default flags
let configured: KeelServer // --allowed-hosts, --cors-allowed-origins, --x-frame-options DENY
let fromEnv: KeelServer // MLflow's variables
let serving: ModelServerProcess

const port = (s: { url: string }) => new URL(s.url).port
const experimentNames = async (s: KeelServer) => {
  const res = await raw(`${s.url}/api/2.0/mlflow/experiments/search?max_results=100`, 'GET')
  return (res.json().experiments as { name: string }[]).map((e) => e.name)
}

beforeAll(async () => {
  ;[plain, configured] = await Promise.all([
    startKeelServer(),
    startKeelServer({
      args: [
        '--allowed-hosts',
        'keel.example.com,*.corp.example',
        '--cors-allowed-origins',
        'https://app.example.com,https://*.tools.example',
        '--x-frame-options',
        'DENY',
      ],
    }),
  ])
  const saved = { ...process.env }
  process.env.MLFLOW_SERVER_ALLOWED_HOSTS = 'env.example.com'
  process.env.MLFLOW_SERVER_CORS_ALLOWED_ORIGINS = 'https://env-app.example.com'
  process.env.MLFLOW_SERVER_X_FRAME_OPTIONS = 'NONE'
  try {
    fromEnv = await startKeelServer()
  } finally {
    process.env = saved
  }
  const iris = loadIris()
  const keel = createKeel({ trackingUri: plain.url })
  await keel.setExperiment('guarded')
  const forest = new RandomForestClassifier({ nEstimators: 5, maxDepth: 3, seed: 1 }).fit(iris.data, iris.target)
  const runId = await keel.withRun({}, async (run) => {
    await run.logModel(forest, { featureNames: iris.featureNames })
    return run.runId
  })
  await keel.registerModel(`runs:/${runId}/model`, 'guarded')
  serving = await startModelServe(
    ['-m', 'models:/guarded/1', '-w', '1', '--cors-allowed-origins', 'https://app.example.com', '--no-prediction-log'],
    plain.url,
  )
}, 120_000)

afterAll(async () => {
  await serving?.stop()
  await Promise.all([plain?.close(), configured?.close(), fromEnv?.close()])
})

describe('keel server: Host header (DNS rebinding)', () => {
  it('answers its own names on any port and refuses any other Host with 403, the UI included', async () => {
    for (const host of [
      `127.0.0.1:${port(plain)}`,
      `localhost:${port(plain)}`,
      'localhost:8080',
      `[::1]:${port(plain)}`,
    ]) {
      expect((await raw(`${plain.url}/api/2.0/mlflow/experiments/search`, 'GET', { host })).status, host).toBe(200)
    }
    for (const path of [
      '/api/2.0/mlflow/experiments/search',
      '/ajax-api/2.0/mlflow/experiments/search',
      '/',
      '/experiments/0',
      '/version',
      '/openapi.json',
    ]) {
      const res = await raw(`${plain.url}${path}`, 'GET', { host: `rebind.test:${port(plain)}` })
      expect(res.status, path).toBe(403)
      expect(res.json()).toEqual({
        error_code: 'PERMISSION_DENIED',
        message: expect.stringMatching(/Invalid Host header "rebind\.test:\d+".*DNS rebinding.*--allowed-hosts/),
      })
    }
    const write = await raw(
      `${plain.url}/api/2.0/mlflow/experiments/create`,
      'POST',
      { host: `rebind.test:${port(plain)}`, ...JSON_TYPE },
      '{"name":"rebound"}',
    )
    expect(write.status).toBe(403)
    expect(await experimentNames(plain)).not.toContain('rebound')
  })

  it('keeps /health open to any Host, for probes', async () => {
    const res = await raw(`${plain.url}/health`, 'GET', { host: 'k8s-probe.internal:5000' })
    expect(res.status).toBe(200)
    expect(res.text).toBe('OK')
  })

  it('takes --allowed-hosts (wildcards; the localhost names stay) and MLFLOW_SERVER_ALLOWED_HOSTS', async () => {
    const url = `${configured.url}/api/2.0/mlflow/experiments/search`
    for (const host of [
      'keel.example.com',
      'keel.example.com:443',
      'a.corp.example:5000',
      `localhost:${port(configured)}`,
    ])
      expect((await raw(url, 'GET', { host })).status, host).toBe(200)
    for (const host of ['corp.example', 'keel.example.com.evil.test', '127.0.0.2'])
      expect((await raw(url, 'GET', { host })).status, host).toBe(403)
    expect(
      (await raw(`${fromEnv.url}/api/2.0/mlflow/experiments/search`, 'GET', { host: 'env.example.com' })).status,
    ).toBe(200)
    expect(
      (await raw(`${fromEnv.url}/api/2.0/mlflow/experiments/search`, 'GET', { host: 'keel.example.com' })).status,
    ).toBe(403)
  })
})

describe('keel server: state-changing requests', () => {
  it('refuses each body type a page can send without a preflight, naming the rule, and creates nothing', async () => {
    for (const [i, type] of REFUSED_TYPES.entries()) {
      const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type }
      const res = await raw(
        `${plain.url}/api/2.0/mlflow/experiments/create`,
        'POST',
        headers,
        JSON.stringify({ name: `typed-${i}` }),
      )
      expect(res.status, String(type)).toBe(403)
      expect(res.json().error_code).toBe('PERMISSION_DENIED')
      expect(res.json().message).toMatch(
        type === undefined
          ? /Refused POST without a Content-Type: a state-changing request must send application\/json/
          : /Refused POST with Content-Type ".*": a state-changing request must send application\/json/,
      )
    }
    // keel's own routes and the ajax-api prefix the UI uses, too
    const monitor = await raw(
      `${plain.url}/ajax-api/2.0/keel/monitors/run`,
      'POST',
      { 'content-type': 'text/plain' },
      '{}',
    )
    expect(monitor.status).toBe(403)
    expect((await experimentNames(plain)).filter((n) => n.startsWith('typed-'))).toEqual([])
  })

  it('refuses writes from another origin, another port of localhost included, and cross-site writes without an Origin', async () => {
    const cases: Record<string, string>[] = [
      { origin: 'http://evil.test' },
      { origin: 'http://localhost:3000' },
      { origin: `http://127.0.0.1:${Number(port(plain)) + 1}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ]
    for (const [i, extra] of cases.entries()) {
      for (const [method, path, body] of [
        ['POST', '/api/2.0/mlflow/experiments/create', { name: `cross-${i}` }],
        ['DELETE', '/api/2.0/mlflow/registered-models/delete', { name: 'guarded' }],
        ['PATCH', '/api/2.0/mlflow/logged-models/m-1', { model_id: 'm-1' }],
      ] as const) {
        const res = await raw(`${plain.url}${path}`, method, { ...JSON_TYPE, ...extra }, JSON.stringify(body))
        expect(res.status, `${method} ${JSON.stringify(extra)}`).toBe(403)
        expect(res.json().message).toMatch(/^Cross-(origin|site) request blocked/)
        expect(res.headers['access-control-allow-origin']).toBeUndefined()
      }
    }
    const put = await raw(
      `${plain.url}/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/evil.txt`,
      'PUT',
      { origin: 'http://evil.test' },
      'x',
    )
    expect(put.status).toBe(403)
    expect((await experimentNames(plain)).filter((n) => n.startsWith('cross-'))).toEqual([])
    expect((await raw(`${plain.url}/api/2.0/mlflow/registered-models/get?name=guarded`, 'GET')).status).toBe(200)
  })

  it('serves the UI’s own requests (same origin, JSON) and clients without an Origin', async () => {
    const own = `http://127.0.0.1:${port(plain)}`
    const res = await raw(
      `${plain.url}/ajax-api/2.0/mlflow/experiments/create`,
      'POST',
      { origin: own, 'sec-fetch-site': 'same-origin', ...JSON_TYPE },
      '{"name":"from-ui"}',
    )
    expect(res.status, res.text).toBe(200)
    const viaLocalhost = await raw(
      `${plain.url}/ajax-api/2.0/mlflow/experiments/create`,
      'POST',
      { host: `localhost:${port(plain)}`, origin: `http://localhost:${port(plain)}`, ...JSON_TYPE },
      '{"name":"from-ui-2"}',
    )
    expect(viaLocalhost.status, viaLocalhost.text).toBe(200)
    const script = await raw(
      `${plain.url}/api/2.0/mlflow/experiments/create`,
      'POST',
      { 'content-type': 'application/json; charset=utf-8' },
      '{"name":"from-script"}',
    )
    expect(script.status, script.text).toBe(200)
    expect(await experimentNames(plain)).toEqual(expect.arrayContaining(['from-ui', 'from-ui-2', 'from-script']))
  })

  it('accepts artifact uploads in any type, as MLflow’s client sends them, and deletes without a body', async () => {
    const base = `${plain.url}/api/2.0/mlflow-artifacts/artifacts/0/guard/artifacts`
    for (const [file, type] of [
      ['a.txt', 'text/plain'],
      ['b.png', 'image/png'],
      ['c.bin', undefined],
    ] as const) {
      const res = await raw(`${base}/${file}`, 'PUT', type === undefined ? {} : { 'content-type': type }, 'bytes')
      expect(res.status, `${file}: ${res.text}`).toBe(200)
    }
    expect((await raw(`${base}/a.txt`, 'DELETE')).status).toBe(200)
    expect((await raw(`${base}/b.png`, 'GET')).text).toBe('bytes')
  })
})

describe('keel server: CORS for allowed origins', () => {
  const create = (s: KeelServer) => `${s.url}/api/2.0/mlflow/experiments/create`

  it('answers a preflight from an allowed origin with 204 and the headers a signed-in page needs', async () => {
    const res = await raw(create(configured), 'OPTIONS', {
      host: 'keel.example.com',
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    })
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com')
    expect(res.headers['access-control-allow-credentials']).toBe('true')
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/)
    expect(res.headers['access-control-allow-headers']).toMatch(/\bauthorization\b.*\bcontent-type\b/)
    expect(res.headers.vary).toMatch(/Origin/)
  })

  it('lets an allowed origin write and read its answers; refuses others, and preflights from them', async () => {
    const ok = await raw(
      create(configured),
      'POST',
      { host: 'keel.example.com', origin: 'https://x.tools.example', ...JSON_TYPE },
      '{"name":"from-app"}',
    )
    expect(ok.status, ok.text).toBe(200)
    expect(ok.headers['access-control-allow-origin']).toBe('https://x.tools.example')
    expect(ok.headers['access-control-expose-headers']).toMatch(/X-Request-Id/)
    const error = await raw(
      create(configured),
      'POST',
      { host: 'keel.example.com', origin: 'https://app.example.com', ...JSON_TYPE },
      '{"name":"from-app"}',
    )
    expect(error.status).toBe(400) // already exists: the page can read why
    expect(error.headers['access-control-allow-origin']).toBe('https://app.example.com')
    const read = await raw(`${configured.url}/api/2.0/mlflow/experiments/search`, 'GET', {
      origin: 'https://app.example.com',
    })
    expect(read.headers['access-control-allow-origin']).toBe('https://app.example.com')

    const denied = await raw(create(configured), 'OPTIONS', {
      origin: 'https://evil.test',
      'access-control-request-method': 'POST',
    })
    expect(denied.status).toBe(403)
    expect(denied.headers['access-control-allow-origin']).toBeUndefined()
    expect(denied.json().message).toMatch(/CORS preflight refused: origin "https:\/\/evil.test"/)
    expect(
      (await raw(create(configured), 'POST', { origin: 'https://evil.test', ...JSON_TYPE }, '{"name":"evil"}')).status,
    ).toBe(403)
    // no origin is trusted by default, localhost's other ports included
    expect(
      (
        await raw(create(plain), 'OPTIONS', {
          origin: 'http://localhost:3000',
          'access-control-request-method': 'POST',
        })
      ).status,
    ).toBe(403)
  })

  it('takes MLFLOW_SERVER_CORS_ALLOWED_ORIGINS', async () => {
    const res = await raw(create(fromEnv), 'OPTIONS', {
      origin: 'https://env-app.example.com',
      'access-control-request-method': 'POST',
    })
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('https://env-app.example.com')
  })
})

describe('keel server: security headers', () => {
  it('sends nosniff and X-Frame-Options on every answer, refusals included', async () => {
    for (const [path, method, headers] of [
      ['/api/2.0/mlflow/experiments/search', 'GET', {}],
      ['/health', 'GET', {}],
      ['/no-such-file.js', 'GET', {}],
      ['/api/2.0/mlflow/experiments/create', 'POST', { 'content-type': 'text/plain' }],
    ] as const) {
      const res = await raw(`${plain.url}${path}`, method, headers)
      expect(res.headers['x-content-type-options'], path).toBe('nosniff')
      expect(res.headers['x-frame-options'], path).toBe('SAMEORIGIN')
    }
    expect((await raw(`${configured.url}/health`, 'GET')).headers['x-frame-options']).toBe('DENY')
    const none = await raw(`${fromEnv.url}/health`, 'GET')
    expect(none.headers['x-frame-options']).toBeUndefined()
    expect(none.headers['x-content-type-options']).toBe('nosniff')
  })

  it('sends the UI’s Content-Security-Policy on its pages, framing as X-Frame-Options says', async () => {
    for (const path of ['/', '/index.html', '/experiments/0', '/models/guarded']) {
      const res = await raw(`${plain.url}${path}`, 'GET')
      expect(res.status, path).toBe(200)
      expect(res.headers['content-type']).toMatch(/text\/html/)
      const csp = String(res.headers['content-security-policy'])
      for (const directive of [
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "connect-src 'self'",
        "img-src 'self' data: blob:",
        "frame-ancestors 'self'",
      ]) {
        expect(csp, `${path}: ${directive}`).toContain(directive)
      }
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
    }
    expect(
      (await raw(`${configured.url}/`, 'GET', { host: 'keel.example.com' })).headers['content-security-policy'],
    ).toContain("frame-ancestors 'none'")
    expect((await raw(`${fromEnv.url}/`, 'GET')).headers['content-security-policy']).not.toContain('frame-ancestors')
  })
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
