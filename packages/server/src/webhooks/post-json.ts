/**
 * POSTs JSON to a webhook the AddressPolicy allows, connecting only to the addresses it checked
 * (see webhook-target.ts). Redirects are not followed. What comes back is the status code or a
 * short reason of ours: the target's body and its error text are never read into it, so a stored
 * result cannot carry what an internal service answered.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import type { AddressPolicy } from './address-policy.js'
import { checkTarget, systemResolver, type ResolvedAddress, type Resolver } from './webhook-target.js'

export interface PostOptions {
  readonly policy: AddressPolicy
  readonly timeoutMs: number
  readonly resolve?: Resolver
  readonly headers?: Readonly<Record<string, string>>
}

export interface PostResult {
  /** the HTTP status, when the target answered */
  readonly status?: number
  /** why it did not succeed, in our words */
  readonly error?: string
  /** the policy refused the target: trying again will not help */
  readonly refused?: boolean
}

/** A lookup that answers with the already checked addresses, whatever DNS says now. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_host, options, callback) => {
    const usable =
      options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses
    if (usable.length === 0) {
      callback(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }), '', 0)
      return
    }
    if (options.all)
      callback(
        null,
        usable.map((a) => ({ address: a.address, family: a.family })),
      )
    else callback(null, usable[0]!.address, usable[0]!.family)
  }
}

/** Our short words for a failed connection (never the error's own text). */
export function connectionReason(error: unknown): string {
  const code = String((error as NodeJS.ErrnoException | undefined)?.code ?? '')
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found'
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable'
  if (code === 'ETIMEDOUT') return 'connection timed out'
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code)) return 'TLS handshake failed'
  if (code.startsWith('HPE_')) return 'malformed HTTP answer'
  return 'connection failed'
}

function timeout<T>(ms: number, promise: Promise<T>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

export async function postJson(url: string, body: string, o: PostOptions): Promise<PostResult> {
  const started = Date.now()
  const noAnswer = { error: `no answer within ${o.timeoutMs} ms` }
  const target = await timeout(o.timeoutMs, checkTarget(url, o.policy, o.resolve ?? systemResolver))
  if (target === 'timeout') return noAnswer
  if (!target.ok)
    return target.unresolved ? { error: 'host not found' } : { error: `refused: ${target.reason}`, refused: true }
  const left = Math.max(1, o.timeoutMs - (Date.now() - started))
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest
  const options: RequestOptions = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...o.headers },
    agent: false,
    ...(target.addresses && { lookup: pinnedLookup(target.addresses) }),
  }
  return new Promise<PostResult>((resolve) => {
    let req: ClientRequest
    const timer = setTimeout(() => {
      resolve(noAnswer)
      req.destroy()
    }, left)
    const done = (result: PostResult) => {
      clearTimeout(timer)
      resolve(result)
    }
    req = send(target.url, options, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0
      // The answer's body is never read.
      res.destroy()
      if (status >= 200 && status < 300) done({ status })
      else if (status >= 300 && status < 400) done({ status, error: `HTTP ${status} (redirects are not followed)` })
      else done({ status, error: `HTTP ${status}` })
    })
    req.on('error', (error) => done({ error: connectionReason(error) }))
    req.end(body)
  })
}
