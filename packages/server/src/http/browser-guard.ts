/**
 * The tracking server's browser guard (Host check, CORS, cross-origin writes, body types, security
 * headers), as a Hono middleware over `web-security/`'s verdicts. Registered before every route.
 */
import type { MiddlewareHandler } from 'hono'
import { checkRequest, securityHeaders } from '../web-security/check.js'
import type { WebSecurityPolicy } from '../web-security/policy.js'
import { TRACKING_SURFACE } from '../web-security/surfaces.js'
import { requestHeader } from './node-request.js'

export function browserGuard(policy: WebSecurityPolicy): MiddlewareHandler {
  const base = securityHeaders(policy)
  return async (c, next) => {
    const verdict = checkRequest(
      policy,
      TRACKING_SURFACE,
      {
        method: c.req.method,
        path: c.req.path,
        host: requestHeader(c, 'host'),
        origin: requestHeader(c, 'origin'),
        fetchSite: requestHeader(c, 'sec-fetch-site'),
        contentType: requestHeader(c, 'content-type'),
        preflightMethod: requestHeader(c, 'access-control-request-method'),
        preflightHeaders: requestHeader(c, 'access-control-request-headers'),
      },
      base,
    )
    for (const [name, value] of verdict.headers) c.header(name, value)
    if (verdict.action === 'preflight') return c.body(null, 204)
    if (verdict.action === 'refuse') return c.json({ error_code: 'PERMISSION_DENIED', message: verdict.message }, 403)
    await next()
  }
}
