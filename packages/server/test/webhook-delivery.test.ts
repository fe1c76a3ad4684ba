/**
 * Where webhooks may go: the forbidden ranges (and their IPv6 forms) unless the operator allows
 * them; a host name checked on every address it resolves to and the request pinned to those
 * addresses (a resolver injected here plays DNS, rebinding included); redirects not followed; and
 * a failure recorded in our words, never the target's body or error text. Every target is a
 * receiver on 127.0.0.1 in this process, or refused before any connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AddressPolicy, embeddedIPv4, forbiddenRange, parseAllowEntry } from '../src/webhooks/address-policy.js'
import { postJson } from '../src/webhooks/post-json.js'
import { checkTarget, type Resolver } from '../src/webhooks/webhook-target.js'

let receiver: Server
let port = 0
const hits: { url: string; host: string; body: string }[] = []
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(204).end()

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      hits.push({ url: req.url ?? '', host: req.headers.host ?? '', body })
      answer(req, res)
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()))
  port = (receiver.address() as { port: number }).port
})
afterAll(() => new Promise<void>((r) => receiver.close(() => r())))

/** A resolver that answers from a table and counts its calls. */
function fakeDns(table: Record<string, string[] | (() => string[])>) {
  const calls: string[] = []
  const resolve: Resolver = async (host) => {
    calls.push(host)
    const entry = table[host]
    const addresses = typeof entry === 'function' ? entry() : entry
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }))
  }
  return { resolve, calls }
}

const strict = new AddressPolicy()
const local = new AddressPolicy(['127.0.0.1/32'])

describe('the address policy', () => {
  it('refuses loopback, link-local, private, CGNAT, unspecified, multicast and their IPv6 forms', () => {
    const refused: [string, RegExp][] = [
      ['127.0.0.1', /loopback/],
      ['127.255.0.9', /loopback/],
      ['169.254.169.254', /link-local/],
      ['10.0.0.1', /private.*10\.0\.0\.0\/8/],
      ['172.16.5.4', /private.*172\.16\.0\.0\/12/],
      ['192.168.1.1', /private.*192\.168\.0\.0\/16/],
      ['100.64.0.1', /CGNAT/],
      ['0.0.0.0', /unspecified/],
      ['224.0.0.251', /multicast/],
      ['255.255.255.255', /broadcast/],
      ['::1', /loopback/],
      ['::', /unspecified/],
      ['fe80::1', /link-local/],
      ['fd12:3456::1', /private.*fc00::\/7/],
      ['ff02::1', /multicast/],
      ['::ffff:127.0.0.1', /IPv6 form of a loopback/],
      ['::ffff:7f00:1', /IPv6 form of a loopback/],
      ['::ffff:a9fe:a9fe', /IPv6 form of a link-local/],
      ['::127.0.0.1', /IPv6 form of a loopback/],
      ['64:ff9b::10.0.0.1', /IPv6 form of a private/],
    ]
    for (const [address, reason] of refused) expect(strict.refusal(address), address).toMatch(reason)
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(strict.refusal(address), address).toBeUndefined()
    expect(forbiddenRange('not-an-ip')).toBe('not an IP address')
    expect(embeddedIPv4('2001:db8::1')).toBeUndefined()
  })

  it('allows what the operator allows: CIDRs, single addresses (in any IPv6 form) and host names', () => {
    const policy = new AddressPolicy(['10.1.2.0/24', '127.0.0.1', 'fd00::/8', 'Hooks.Internal'])
    expect(policy.refusal('10.1.2.200')).toBeUndefined()
    expect(policy.refusal('10.1.3.1')).toMatch(/private/)
    expect(policy.refusal('127.0.0.1')).toBeUndefined()
    expect(policy.refusal('::ffff:127.0.0.1')).toBeUndefined()
    expect(policy.refusal('127.0.0.2')).toMatch(/loopback/)
    expect(policy.refusal('fd00::5')).toBeUndefined()
    expect(policy.refusal('fc00::5')).toMatch(/private/)
    expect(policy.hostAllowed('hooks.internal')).toBe(true)
    expect(parseAllowEntry('10.0.0.0/33')).toBeUndefined()
    expect(parseAllowEntry('a_b.example')).toBeUndefined()
    expect(() => new AddressPolicy(['nope/1'])).toThrow(/not a CIDR/)
  })
})

describe('checking a target', () => {
  it('literal addresses and names resolving to forbidden addresses are refused; other schemes too', async () => {
    const dns = fakeDns({
      'evil.test': ['93.184.216.34', '127.0.0.1'],
      'meta.test': ['169.254.169.254'],
      'good.test': ['93.184.216.34'],
    })
    const refused: [string, RegExp][] = [
      ['http://127.0.0.1:8080/x', /^127\.0\.0\.1 is a loopback address.*webhooks\.allow/],
      ['http://[::1]/x', /^::1 is a loopback/],
      ['http://[::ffff:127.0.0.1]/x', /^::ffff:7f00:1 is an IPv6 form of a loopback/],
      ['http://2130706433/x', /^127\.0\.0\.1 is a loopback/],
      ['http://0x7f.1/x', /^127\.0\.0\.1 is a loopback/],
      ['http://169.254.169.254/latest/meta-data', /link-local/],
      ['http://10.0.0.7/', /private/],
      ['http://evil.test/', /^host 'evil\.test' resolves to a loopback address/],
      ['http://meta.test/', /^host 'meta\.test' resolves to a link-local address/],
      ['ftp://good.test/', /expected an http or https URL, not ftp/],
      ['file:///etc/passwd', /expected an http or https URL, not file/],
      ['not a url', /is not a URL/],
    ]
    for (const [url, reason] of refused) {
      const check = await checkTarget(url, strict, dns.resolve)
      expect(check.ok, url).toBe(false)
      if (!check.ok) expect(check.reason, url).toMatch(reason)
    }
    const good = await checkTarget('https://good.test/hook', strict, dns.resolve)
    expect(good).toMatchObject({ ok: true, host: 'good.test', addresses: [{ address: '93.184.216.34', family: 4 }] })
    expect(await checkTarget('http://unknown.test/', strict, dns.resolve)).toMatchObject({
      ok: false,
      unresolved: true,
    })
  })
})

describe('delivering', () => {
  it('connects to the address it checked: a name resolved once, the request pinned to it', async () => {
    hits.length = 0
    const dns = fakeDns({ 'hook.test': ['127.0.0.1'] })
    const result = await postJson(`http://hook.test:${port}/alerts`, '{"a":1}', {
      policy: local,
      timeoutMs: 5_000,
      resolve: dns.resolve,
    })
    expect(result).toEqual({ status: 204 })
    expect(hits).toEqual([{ url: '/alerts', host: `hook.test:${port}`, body: '{"a":1}' }])
    expect(dns.calls).toEqual(['hook.test'])
  })

  it('refuses at delivery a name that resolves to a forbidden address, before connecting', async () => {
    hits.length = 0
    // DNS rebinding: the name looked public when the rule was made, and now answers loopback.
    let answers = ['93.184.216.34']
    const dns = fakeDns({ 'rebind.test': () => answers })
    expect((await checkTarget(`http://rebind.test:${port}/`, strict, dns.resolve)).ok).toBe(true)
    answers = ['127.0.0.1']
    const result = await postJson(`http://rebind.test:${port}/alerts`, '{}', {
      policy: strict,
      timeoutMs: 5_000,
      resolve: dns.resolve,
    })
    expect(result).toEqual({
      error:
        "refused: host 'rebind.test' resolves to a loopback address (127.0.0.0/8); allow it in the server's --config under webhooks.allow",
      refused: true,
    })
    const literal = await postJson(`http://127.0.0.1:${port}/alerts`, '{}', { policy: strict, timeoutMs: 5_000 })
    expect(literal).toMatchObject({
      refused: true,
      error: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address/),
    })
    expect(hits).toEqual([])
  })

  it("records the status or our own words, never the target's body; redirects are not followed", async () => {
    hits.length = 0
    const secret = 'SECRET-internal-answer'
    answer = (req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end(secret)
      else if (req.url === '/reset') req.socket.destroy()
      else res.writeHead(500, secret, { 'content-type': 'text/plain' }).end(`${secret} ${'x'.repeat(10_000)}`)
    }
    try {
      const failed = await postJson(`http://127.0.0.1:${port}/fail`, '{}', { policy: local, timeoutMs: 5_000 })
      expect(failed).toEqual({ status: 500, error: 'HTTP 500' })
      const moved = await postJson(`http://127.0.0.1:${port}/moved`, '{}', { policy: local, timeoutMs: 5_000 })
      expect(moved).toEqual({ status: 302, error: 'HTTP 302 (redirects are not followed)' })
      expect(hits.map((h) => h.url)).toEqual(['/fail', '/moved'])
      const reset = await postJson(`http://127.0.0.1:${port}/reset`, '{}', { policy: local, timeoutMs: 5_000 })
      expect(reset).toEqual({ error: 'connection reset' })
      for (const r of [failed, moved, reset]) expect(JSON.stringify(r)).not.toContain(secret)
    } finally {
      answer = (_req, res) => res.writeHead(204).end()
    }
    // A closed port: refused, in our words (not the system's "connect ECONNREFUSED 127.0.0.1:…").
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()))
    const closedPort = (closed.address() as { port: number }).port
    await new Promise<void>((r) => closed.close(() => r()))
    expect(await postJson(`http://127.0.0.1:${closedPort}/`, '{}', { policy: local, timeoutMs: 5_000 })).toEqual({
      error: 'connection refused',
    })
  })

  it('gives up after its timeout when the target does not answer', async () => {
    answer = () => {} // never answers
    try {
      const started = Date.now()
      expect(await postJson(`http://127.0.0.1:${port}/slow`, '{}', { policy: local, timeoutMs: 300 })).toEqual({
        error: 'no answer within 300 ms',
      })
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      answer = (_req, res) => res.writeHead(204).end()
    }
  })
})
