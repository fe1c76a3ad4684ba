/**
 * The browser guard on a plain `node:http` server (the model server): the same verdicts as the
 * tracking server's Hono middleware.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Surface, checkRequest, securityHeaders } from './check.js'
import type { WebSecurityPolicy } from './policy.js'

/** Checks a request; answers it (403 or a preflight's 204) and returns false when it is not to be served. */
export type NodeGuard = (req: IncomingMessage, res: ServerResponse) => boolean

export function nodeGuard(
  policy: WebSecurityPolicy,
  surface: Surface,
  errorBody: (path: string, message: string) => string,
): NodeGuard {
  const base = securityHeaders(policy)
  return (req, res) => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    const h = req.headers
    const verdict = checkRequest(
      policy,
      surface,
      {
        method: req.method ?? 'GET',
        path,
        host: h.host,
        origin: h.origin,
        fetchSite: one(h['sec-fetch-site']),
        contentType: h['content-type'],
        preflightMethod: one(h['access-control-request-method']),
        preflightHeaders: one(h['access-control-request-headers']),
      },
      base,
    )
    for (const [name, value] of verdict.headers) res.setHeader(name, value)
    if (verdict.action === 'continue') return true
    req.resume()
    if (verdict.action === 'preflight') {
      res.writeHead(204).end()
      return false
    }
    const body = errorBody(path, verdict.message)
    res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
    return false
  }
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}
