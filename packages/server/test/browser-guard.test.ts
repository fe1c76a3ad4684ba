/**
 * keel server's browser guard, in-process through the app's request function: a foreign Host is
 * refused (DNS rebinding) except on health probes; state-changing requests in the types a page can
 * send without a CORS preflight, and writes from other origins, are refused with 403 and change
 * nothing; allowed origins get CORS (preflight and answers); the UI's own requests work; every
 * answer carries nosniff and X-Frame-Options, the UI its CSP; MLflow's variables set the same
 * options. The model server's guard (a separate program) and bad values stopping the CLI are
 * process tests: browser-guard.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api } from './support/keel-server.js'

interface Reply {
  readonly status: number
  /** By lower-case name; a header not sent is undefined. */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly text: string
  json(): any
}

/**
 * One request to `server` with exactly these headers, Host included (without one, the harness sends
 * the server's own, localhost:5000); the body goes as bytes with its length, so that no
 * Content-Type is added to it.
 */
async function raw(
  server: InProcessKeel,
  path: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const bytes = body === undefined ? undefined : new TextEncoder().encode(body)
  const framed = bytes === undefined ? headers : { 'content-length': String(bytes.byteLength), ...headers }
  const res = await server.fetch(`${server.url}${path}`, { method, headers: framed, ...(bytes && { body: bytes }) })
  const text = await res.text()
  return { status: res.status, headers: Object.fromEntries(res.headers), text, json: () => JSON.parse(text) }
}

const JSON_TYPE = { 'content-type': 'application/json' }
const REFUSED_TYPES: (string | undefined)[] = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
]

let plain: InProcessKeel // default flags
let configured: InProcessKeel // --allowed-hosts, --cors-allowed-origins, --x-frame-options DENY
let fromEnv: InProcessKeel // MLflow's variables

const port = (s: { url: string }) => new URL(s.url).port
const experimentNames = async (s: InProcessKeel) => {
  const res = await raw(s, '/api/2.0/mlflow/experiments/search?max_results=100', 'GET')
  return (res.json().experiments as { name: string }[]).map((e) => e.name)
}

beforeAll(async () => {
  ;[plain, configured] = await Promise.all([
    startKeelApp(),
    startKeelApp({
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
  // After the others: its variables are in the process's environment while its arguments are read.
  fromEnv = await startKeelApp({
    env: {
      MLFLOW_SERVER_ALLOWED_HOSTS: 'env.example.com',
      MLFLOW_SERVER_CORS_ALLOWED_ORIGINS: 'https://env-app.example.com',
      MLFLOW_SERVER_X_FRAME_OPTIONS: 'NONE',
    },
  })
  // The model the cross-origin DELETE below must leave in place.
  expect((await api(plain, 'POST', '/registered-models/create', { name: 'guarded' })).status).toBe(200)
})

afterAll(async () => {
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
      expect((await raw(plain, '/api/2.0/mlflow/experiments/search', 'GET', { host })).status, host).toBe(200)
    }
    for (const path of [
      '/api/2.0/mlflow/experiments/search',
      '/ajax-api/2.0/mlflow/experiments/search',
      '/',
      '/experiments/0',
      '/version',
      '/openapi.json',
    ]) {
      const res = await raw(plain, path, 'GET', { host: `rebind.test:${port(plain)}` })
      expect(res.status, path).toBe(403)
      expect(res.json()).toEqual({
        error_code: 'PERMISSION_DENIED',
        message: expect.stringMatching(/Invalid Host header "rebind\.test:\d+".*DNS rebinding.*--allowed-hosts/),
      })
    }
    const write = await raw(
      plain,
      '/api/2.0/mlflow/experiments/create',
      'POST',
      { host: `rebind.test:${port(plain)}`, ...JSON_TYPE },
      '{"name":"rebound"}',
    )
    expect(write.status).toBe(403)
    expect(await experimentNames(plain)).not.toContain('rebound')
  })

  it('keeps /health open to any Host, for probes', async () => {
    const res = await raw(plain, '/health', 'GET', { host: 'k8s-probe.internal:5000' })
    expect(res.status).toBe(200)
    expect(res.text).toBe('OK')
  })

  it('takes --allowed-hosts (wildcards; the localhost names stay) and MLFLOW_SERVER_ALLOWED_HOSTS', async () => {
    const search = '/api/2.0/mlflow/experiments/search'
    for (const host of [
      'keel.example.com',
      'keel.example.com:443',
      'a.corp.example:5000',
      `localhost:${port(configured)}`,
    ])
      expect((await raw(configured, search, 'GET', { host })).status, host).toBe(200)
    for (const host of ['corp.example', 'keel.example.com.evil.test', '127.0.0.2'])
      expect((await raw(configured, search, 'GET', { host })).status, host).toBe(403)
    expect((await raw(fromEnv, '/api/2.0/mlflow/experiments/search', 'GET', { host: 'env.example.com' })).status).toBe(
      200,
    )
    expect((await raw(fromEnv, '/api/2.0/mlflow/experiments/search', 'GET', { host: 'keel.example.com' })).status).toBe(
      403,
    )
  })
})

describe('keel server: state-changing requests', () => {
  it('refuses each body type a page can send without a preflight, naming the rule, and creates nothing', async () => {
    for (const [i, type] of REFUSED_TYPES.entries()) {
      const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type }
      const res = await raw(
        plain,
        '/api/2.0/mlflow/experiments/create',
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
    const monitor = await raw(plain, '/ajax-api/2.0/keel/monitors/run', 'POST', { 'content-type': 'text/plain' }, '{}')
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
        const res = await raw(plain, path, method, { ...JSON_TYPE, ...extra }, JSON.stringify(body))
        expect(res.status, `${method} ${JSON.stringify(extra)}`).toBe(403)
        expect(res.json().message).toMatch(/^Cross-(origin|site) request blocked/)
        expect(res.headers['access-control-allow-origin']).toBeUndefined()
      }
    }
    const put = await raw(
      plain,
      '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/evil.txt',
      'PUT',
      { origin: 'http://evil.test' },
      'x',
    )
    expect(put.status).toBe(403)
    expect((await experimentNames(plain)).filter((n) => n.startsWith('cross-'))).toEqual([])
    expect((await raw(plain, '/api/2.0/mlflow/registered-models/get?name=guarded', 'GET')).status).toBe(200)
  })

  it('serves the UI’s own requests (same origin, JSON) and clients without an Origin', async () => {
    const own = `127.0.0.1:${port(plain)}`
    const res = await raw(
      plain,
      '/ajax-api/2.0/mlflow/experiments/create',
      'POST',
      { host: own, origin: `http://${own}`, 'sec-fetch-site': 'same-origin', ...JSON_TYPE },
      '{"name":"from-ui"}',
    )
    expect(res.status, res.text).toBe(200)
    const viaLocalhost = await raw(
      plain,
      '/ajax-api/2.0/mlflow/experiments/create',
      'POST',
      { host: `localhost:${port(plain)}`, origin: `http://localhost:${port(plain)}`, ...JSON_TYPE },
      '{"name":"from-ui-2"}',
    )
    expect(viaLocalhost.status, viaLocalhost.text).toBe(200)
    const script = await raw(
      plain,
      '/api/2.0/mlflow/experiments/create',
      'POST',
      { 'content-type': 'application/json; charset=utf-8' },
      '{"name":"from-script"}',
    )
    expect(script.status, script.text).toBe(200)
    expect(await experimentNames(plain)).toEqual(expect.arrayContaining(['from-ui', 'from-ui-2', 'from-script']))
  })

  it('accepts artifact uploads in any type, as MLflow’s client sends them, and deletes without a body', async () => {
    const base = '/api/2.0/mlflow-artifacts/artifacts/0/guard/artifacts'
    for (const [file, type] of [
      ['a.txt', 'text/plain'],
      ['b.png', 'image/png'],
      ['c.bin', undefined],
    ] as const) {
      const res = await raw(
        plain,
        `${base}/${file}`,
        'PUT',
        type === undefined ? {} : { 'content-type': type },
        'bytes',
      )
      expect(res.status, `${file}: ${res.text}`).toBe(200)
    }
    expect((await raw(plain, `${base}/a.txt`, 'DELETE')).status).toBe(200)
    expect((await raw(plain, `${base}/b.png`, 'GET')).text).toBe('bytes')
  })
})

describe('keel server: CORS for allowed origins', () => {
  const CREATE = '/api/2.0/mlflow/experiments/create'

  it('answers a preflight from an allowed origin with 204 and the headers a signed-in page needs', async () => {
    const res = await raw(configured, CREATE, 'OPTIONS', {
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
      configured,
      CREATE,
      'POST',
      { host: 'keel.example.com', origin: 'https://x.tools.example', ...JSON_TYPE },
      '{"name":"from-app"}',
    )
    expect(ok.status, ok.text).toBe(200)
    expect(ok.headers['access-control-allow-origin']).toBe('https://x.tools.example')
    expect(ok.headers['access-control-expose-headers']).toMatch(/X-Request-Id/)
    const error = await raw(
      configured,
      CREATE,
      'POST',
      { host: 'keel.example.com', origin: 'https://app.example.com', ...JSON_TYPE },
      '{"name":"from-app"}',
    )
    expect(error.status).toBe(400) // already exists: the page can read why
    expect(error.headers['access-control-allow-origin']).toBe('https://app.example.com')
    const read = await raw(configured, '/api/2.0/mlflow/experiments/search', 'GET', {
      origin: 'https://app.example.com',
    })
    expect(read.headers['access-control-allow-origin']).toBe('https://app.example.com')

    const denied = await raw(configured, CREATE, 'OPTIONS', {
      origin: 'https://evil.test',
      'access-control-request-method': 'POST',
    })
    expect(denied.status).toBe(403)
    expect(denied.headers['access-control-allow-origin']).toBeUndefined()
    expect(denied.json().message).toMatch(/CORS preflight refused: origin "https:\/\/evil.test"/)
    expect(
      (await raw(configured, CREATE, 'POST', { origin: 'https://evil.test', ...JSON_TYPE }, '{"name":"evil"}')).status,
    ).toBe(403)
    // no origin is trusted by default, localhost's other ports included
    expect(
      (
        await raw(plain, CREATE, 'OPTIONS', {
          origin: 'http://localhost:3000',
          'access-control-request-method': 'POST',
        })
      ).status,
    ).toBe(403)
  })

  it('takes MLFLOW_SERVER_CORS_ALLOWED_ORIGINS', async () => {
    const res = await raw(fromEnv, CREATE, 'OPTIONS', {
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
      const res = await raw(plain, path, method, headers)
      expect(res.headers['x-content-type-options'], path).toBe('nosniff')
      expect(res.headers['x-frame-options'], path).toBe('SAMEORIGIN')
    }
    expect((await raw(configured, '/health', 'GET')).headers['x-frame-options']).toBe('DENY')
    const none = await raw(fromEnv, '/health', 'GET')
    expect(none.headers['x-frame-options']).toBeUndefined()
    expect(none.headers['x-content-type-options']).toBe('nosniff')
  })

  it('sends the UI’s Content-Security-Policy on its pages, framing as X-Frame-Options says', async () => {
    for (const path of ['/', '/index.html', '/experiments/0', '/models/guarded']) {
      const res = await raw(plain, path, 'GET')
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
      (await raw(configured, '/', 'GET', { host: 'keel.example.com' })).headers['content-security-policy'],
    ).toContain("frame-ancestors 'none'")
    expect((await raw(fromEnv, '/', 'GET')).headers['content-security-policy']).not.toContain('frame-ancestors')
  })
})
