import { describe, expect, it } from 'vitest'
import { type RequestFacts, type Verdict, checkRequest } from './check.js'
import { defaultAllowedHosts, parseHostHeader } from './hosts.js'
import { type WebSecurityOptions, parseFrameOptions, uiContentSecurityPolicy, webSecurityPolicy } from './policy.js'
import { MODEL_SERVER_SURFACE, TRACKING_SURFACE, modelServerErrorBody } from './surfaces.js'

const machine = { addresses: ['127.0.0.1', '192.168.1.20', '::1', 'fe80::1'], hostname: 'Build-Box' }
const policy = (options: WebSecurityOptions = {}, bind = '127.0.0.1') => webSecurityPolicy(bind, options, machine)
const OWN = 'http://127.0.0.1:5000'

function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return {
    method: 'POST',
    path: '/api/2.0/mlflow/experiments/create',
    host: '127.0.0.1:5000',
    origin: undefined,
    fetchSite: undefined,
    contentType: 'application/json',
    preflightMethod: undefined,
    preflightHeaders: undefined,
    ...overrides,
  }
}

const header = (v: Verdict, name: string) =>
  v.headers
    .filter(([n]) => n.toLowerCase() === name.toLowerCase())
    .map(([, value]) => value)
    .at(-1)

describe('Host check', () => {
  it('answers the localhost names and the bound address on any port, and nothing else', () => {
    const p = policy({}, '10.1.2.3')
    for (const host of ['localhost:5000', '127.0.0.1', '[::1]:80', 'LOCALHOST:1', '10.1.2.3:5000']) {
      expect(checkRequest(p, TRACKING_SURFACE, facts({ host })).action, host).toBe('continue')
    }
    for (const host of [
      'rebind.test:5000',
      'localhost.evil.test',
      '192.168.1.20:5000',
      'localhost.:5000',
      '127.0.0.1:5000 x',
      undefined,
      '',
    ]) {
      const v = checkRequest(p, TRACKING_SURFACE, facts({ host, method: 'GET' }))
      expect(v.action, String(host)).toBe('refuse')
      if (v.action === 'refuse') expect(v.rule).toBe('host')
    }
  })

  it('bound to every interface, answers the machine addresses and name', () => {
    expect(defaultAllowedHosts('0.0.0.0', machine)).toEqual([
      'localhost',
      '127.0.0.1',
      '[::1]',
      '0.0.0.0',
      '192.168.1.20',
      '[fe80::1]',
      'build-box',
    ])
    expect(defaultAllowedHosts('::', machine)).toContain('[::]')
    const p = policy({}, '0.0.0.0')
    for (const host of ['192.168.1.20:5000', 'build-box:5000', '[fe80::1]:5000'])
      expect(checkRequest(p, TRACKING_SURFACE, facts({ host })).action, host).toBe('continue')
    expect(checkRequest(p, TRACKING_SURFACE, facts({ host: '192.168.1.21:5000' })).action).toBe('refuse')
  })

  it('takes --allowed-hosts with MLflow wildcards, always keeping the localhost names', () => {
    const p = policy({ allowedHosts: ['keel.example.com', '*.corp.example', '10.0.*', 'api.example.com:8443'] })
    for (const host of [
      'keel.example.com',
      'keel.example.com:5000',
      'a.b.corp.example:1',
      '10.0.3.4:5000',
      'api.example.com:8443',
      'localhost:5000',
    ]) {
      expect(checkRequest(p, TRACKING_SURFACE, facts({ host })).action, host).toBe('continue')
    }
    for (const host of [
      'corp.example',
      'keel.example.com.evil.test',
      '10.1.0.1',
      'api.example.com:8444',
      '127.0.0.2',
    ]) {
      expect(checkRequest(p, TRACKING_SURFACE, facts({ host })).action, host).toBe('refuse')
    }
    expect(
      checkRequest(policy({ allowedHosts: ['*'] }), TRACKING_SURFACE, facts({ host: 'anything.test' })).action,
    ).toBe('continue')
  })

  it('exempts health probes, and only them', () => {
    const p = policy()
    expect(
      checkRequest(p, TRACKING_SURFACE, facts({ method: 'GET', path: '/health', host: 'lb.internal' })).action,
    ).toBe('continue')
    expect(
      checkRequest(p, TRACKING_SURFACE, facts({ method: 'GET', path: '/version', host: 'lb.internal' })).action,
    ).toBe('refuse')
    for (const path of ['/ping', '/health', '/v2/health/live', '/v2/health/ready']) {
      expect(
        checkRequest(p, MODEL_SERVER_SURFACE, facts({ method: 'GET', path, host: 'lb.internal' })).action,
        path,
      ).toBe('continue')
    }
    expect(
      checkRequest(p, MODEL_SERVER_SURFACE, facts({ method: 'GET', path: '/metrics', host: 'lb.internal' })).action,
    ).toBe('refuse')
  })

  it('parses Host headers strictly', () => {
    expect(parseHostHeader('[::1]:5000')).toEqual({ name: '[::1]', port: '5000', value: '[::1]:5000' })
    expect(parseHostHeader('Keel.Example.com')).toEqual({ name: 'keel.example.com', value: 'keel.example.com' })
    for (const bad of ['user@host', 'host/path', 'host:port', 'a b', '::1', 'host:123456'])
      expect(parseHostHeader(bad), bad).toBeUndefined()
  })
})

describe('cross-origin writes', () => {
  const p = policy()

  it('accepts same-origin and origin-less JSON writes', () => {
    expect(checkRequest(p, TRACKING_SURFACE, facts({ origin: OWN, fetchSite: 'same-origin' })).action).toBe('continue')
    expect(
      checkRequest(p, TRACKING_SURFACE, facts({ host: 'localhost:5000', origin: 'http://localhost:5000' })).action,
    ).toBe('continue')
    expect(checkRequest(p, TRACKING_SURFACE, facts()).action).toBe('continue') // a script or the MLflow client
  })

  it('refuses writes from any other origin, another port of localhost included (MLflow trusts those)', () => {
    for (const origin of [
      'http://evil.test',
      'http://localhost:3000',
      'http://127.0.0.1:5001',
      'https://127.0.0.1:5000.evil.test',
      'null',
    ]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const v = checkRequest(p, TRACKING_SURFACE, facts({ origin, method }))
        expect(v.action, `${method} ${origin}`).toBe('refuse')
        if (v.action === 'refuse') {
          expect(v.rule).toBe('origin')
          expect(v.message).toContain('Cross-origin request blocked')
        }
      }
    }
  })

  it('refuses writes a browser marks as cross-site or same-site when it sends no Origin', () => {
    for (const fetchSite of ['cross-site', 'same-site']) {
      expect(checkRequest(p, TRACKING_SURFACE, facts({ fetchSite })).action, fetchSite).toBe('refuse')
    }
    expect(checkRequest(p, TRACKING_SURFACE, facts({ fetchSite: 'none' })).action).toBe('continue')
  })

  it('lets reads through without CORS headers, so the browser keeps their answer from the page', () => {
    const v = checkRequest(
      p,
      TRACKING_SURFACE,
      facts({ method: 'GET', origin: 'http://evil.test', contentType: undefined }),
    )
    expect(v.action).toBe('continue')
    expect(header(v, 'access-control-allow-origin')).toBeUndefined()
  })
})

describe('body types of state-changing requests', () => {
  const p = policy()

  it('refuses the types a page can send without a preflight, and no type on a POST', () => {
    for (const contentType of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
      '',
      'application/xml',
      'text/json',
    ]) {
      const v = checkRequest(p, TRACKING_SURFACE, facts({ contentType }))
      expect(v.action, String(contentType)).toBe('refuse')
      if (v.action === 'refuse') {
        expect(v.rule).toBe('content-type')
        expect(v.message).toMatch(/state-changing request must send application\/json/)
      }
    }
  })

  it('accepts JSON with parameters and +json types', () => {
    for (const contentType of ['application/json', 'Application/JSON; charset=utf-8', 'application/merge-patch+json']) {
      expect(checkRequest(p, TRACKING_SURFACE, facts({ contentType })).action, contentType).toBe('continue')
    }
  })

  it('takes any type on artifact uploads (MLflow sends the file type) and no type on deletes', () => {
    const artifact = '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model.pkl'
    for (const contentType of [undefined, 'application/octet-stream', 'text/plain', 'image/png']) {
      expect(
        checkRequest(p, TRACKING_SURFACE, facts({ method: 'PUT', path: artifact, contentType })).action,
        String(contentType),
      ).toBe('continue')
    }
    expect(
      checkRequest(p, TRACKING_SURFACE, facts({ method: 'DELETE', path: artifact, contentType: undefined })).action,
    ).toBe('continue')
    expect(
      checkRequest(p, TRACKING_SURFACE, facts({ method: 'POST', path: artifact, contentType: 'text/plain' })).action,
    ).toBe('refuse')
    expect(
      checkRequest(p, TRACKING_SURFACE, facts({ method: 'PUT', path: '/api/2.0/mlflow/x', contentType: 'text/plain' }))
        .action,
    ).toBe('refuse')
    expect(checkRequest(p, TRACKING_SURFACE, facts({ method: 'PATCH', contentType: undefined })).action).toBe('refuse')
  })

  it('takes CSV on the model server /invocations only', () => {
    expect(checkRequest(p, MODEL_SERVER_SURFACE, facts({ path: '/invocations', contentType: 'text/csv' })).action).toBe(
      'continue',
    )
    const infer = checkRequest(p, MODEL_SERVER_SURFACE, facts({ path: '/v2/models/m/infer', contentType: 'text/csv' }))
    expect(infer.action).toBe('refuse')
    const plain = checkRequest(p, MODEL_SERVER_SURFACE, facts({ path: '/invocations', contentType: 'text/plain' }))
    expect(plain.action === 'refuse' && plain.message).toMatch(/must send application\/json or text\/csv/)
  })

  it('answers refusals in each model-server protocol', () => {
    expect(JSON.parse(modelServerErrorBody('/v2/models/m/infer', 'no'))).toEqual({ error: 'no' })
    expect(JSON.parse(modelServerErrorBody('/invocations', 'no'))).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: 'no',
    })
  })
})

describe('CORS for allowed origins', () => {
  const p = policy({ corsAllowedOrigins: ['https://app.example.com/', 'https://*.tools.example'] })

  it('answers a preflight from a listed origin with credentials, methods and the headers auth needs', () => {
    const v = checkRequest(
      p,
      TRACKING_SURFACE,
      facts({
        method: 'OPTIONS',
        origin: 'https://app.example.com',
        preflightMethod: 'POST',
        preflightHeaders: 'Content-Type, X-User-Id, bad header',
      }),
    )
    expect(v.action).toBe('preflight')
    expect(header(v, 'access-control-allow-origin')).toBe('https://app.example.com')
    expect(header(v, 'access-control-allow-credentials')).toBe('true')
    expect(header(v, 'access-control-allow-methods')).toMatch(/POST.*PUT.*PATCH.*DELETE/)
    expect(header(v, 'access-control-allow-headers')?.split(', ')).toEqual([
      'authorization',
      'content-type',
      'x-request-id',
      'x-keel-user',
      'x-user-id',
    ])
    expect(header(v, 'vary')).toMatch(/^Origin\b/)
  })

  it('refuses a preflight from any other origin', () => {
    for (const origin of ['https://evil.test', 'https://app.example.com.evil.test', 'http://app.example.com', 'null']) {
      const v = checkRequest(p, TRACKING_SURFACE, facts({ method: 'OPTIONS', origin, preflightMethod: 'POST' }))
      expect(v.action, origin).toBe('refuse')
      expect(header(v, 'access-control-allow-origin')).toBeUndefined()
    }
  })

  it('lets a listed origin write, with CORS headers, and skips the body-type rule for it', () => {
    const v = checkRequest(
      p,
      TRACKING_SURFACE,
      facts({ origin: 'https://x.tools.example', contentType: 'text/plain', fetchSite: 'cross-site' }),
    )
    expect(v.action).toBe('continue')
    expect(header(v, 'access-control-allow-origin')).toBe('https://x.tools.example')
    expect(header(v, 'access-control-expose-headers')).toContain('X-Request-Id')
  })

  it('with *, allows any origin without credentials and keeps the body-type rule', () => {
    const any = policy({ corsAllowedOrigins: ['*'] })
    const pre = checkRequest(
      any,
      TRACKING_SURFACE,
      facts({ method: 'OPTIONS', origin: 'https://evil.test', preflightMethod: 'PUT' }),
    )
    expect(pre.action).toBe('preflight')
    expect(header(pre, 'access-control-allow-origin')).toBe('*')
    expect(header(pre, 'access-control-allow-credentials')).toBeUndefined()
    expect(checkRequest(any, TRACKING_SURFACE, facts({ origin: 'https://evil.test' })).action).toBe('continue')
    // A text/plain POST needs no preflight, so it would carry the user's cookies: refused.
    expect(
      checkRequest(any, TRACKING_SURFACE, facts({ origin: 'https://evil.test', contentType: 'text/plain' })).action,
    ).toBe('refuse')
  })
})

describe('security headers and the UI policy', () => {
  it('sends nosniff always, X-Frame-Options unless NONE, and a CSP whose frame-ancestors agree', () => {
    const names = (o: WebSecurityOptions) => checkRequest(policy(o), TRACKING_SURFACE, facts({ method: 'GET' })).headers
    expect(names({})).toEqual([
      ['X-Content-Type-Options', 'nosniff'],
      ['X-Frame-Options', 'SAMEORIGIN'],
    ])
    expect(names({ xFrameOptions: 'DENY' })).toContainEqual(['X-Frame-Options', 'DENY'])
    expect(names({ xFrameOptions: 'NONE' })).toEqual([['X-Content-Type-Options', 'nosniff']])
    expect(checkRequest(policy(), TRACKING_SURFACE, facts({ host: 'evil.test' })).headers).toContainEqual([
      'X-Content-Type-Options',
      'nosniff',
    ])
    expect(uiContentSecurityPolicy('SAMEORIGIN')).toContain("frame-ancestors 'self'")
    expect(uiContentSecurityPolicy('DENY')).toContain("frame-ancestors 'none'")
    expect(uiContentSecurityPolicy('NONE')).not.toContain('frame-ancestors')
    const csp = uiContentSecurityPolicy('SAMEORIGIN')
    for (const d of [
      "script-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "connect-src 'self'",
      "img-src 'self' data: blob:",
    ])
      expect(csp).toContain(d)
    expect(csp).not.toContain('unsafe-inline')
  })

  it('refuses bad settings with a message naming the flag', () => {
    expect(() => parseFrameOptions('ALLOW-FROM x')).toThrow(/--x-frame-options: expected DENY, SAMEORIGIN or NONE/)
    expect(parseFrameOptions('sameorigin')).toBe('SAMEORIGIN')
    expect(() => policy({ corsAllowedOrigins: ['https://app.example.com/path'] })).toThrow(
      /--cors-allowed-origins: .* is not an origin/,
    )
    expect(() => policy({ corsAllowedOrigins: ['null'] })).toThrow(/'null' cannot be allowed/)
    expect(() => policy({ allowedHosts: ['https://keel.example.com'] })).toThrow(
      /--allowed-hosts: .* is not a host name/,
    )
  })
})
