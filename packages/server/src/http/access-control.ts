/**
 * The access-control middleware: authenticates each request once (HTTP basic, a bearer token or
 * the UI's session cookie), checks the routes outside the endpoint tables against their raw rows
 * (the RPC router checks its own), and appends every write to the audit log with its outcome.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono'
import type { AuditEntry } from '../auth/audit-log.js'
import { INVALID_CREDENTIALS } from '../auth/access-guard.js'
import { unauthenticatedPrincipal } from '../auth/principal.js'
import { rawRouteOf } from '../auth/route-permissions.js'
import {
  type RouteGuard,
  authenticationOf,
  credentialsOf,
  requestIdOf,
  routeInfoOf,
  setAuthentication,
  setRouteInfo,
} from './access.js'
import type { Logger } from './logger.js'
import { remoteAddress, requestHeader } from './node-request.js'
import type { RpcRouter } from './rpc.js'

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function accessControl(
  guard: RouteGuard,
  logger: Logger,
  audit?: (entry: AuditEntry) => Promise<void>,
): MiddlewareHandler {
  return async (c, next) => {
    const authentication = await guard.authenticate(credentialsOf(c))
    setAuthentication(c, authentication)
    try {
      const path = c.req.path
      if (rawRouteOf(c.req.method, path)) {
        const principal = await guard.checkRaw(
          c.req.method,
          path,
          new URL(c.req.url).searchParams,
          authentication,
          (name) => requestHeader(c, name),
        )
        setRouteInfo(c, {
          action: `${c.req.method} ${path.replace(/(mlflow-artifacts\/artifacts)\/.*/, '$1/*')}`,
          write: !READS.has(c.req.method),
          principal,
        })
      }
      await next()
    } finally {
      if (audit) await record(c, audit, logger)
    }
  }
}

async function record(c: Context, audit: (entry: AuditEntry) => Promise<void>, logger: Logger): Promise<void> {
  const route = routeInfoOf(c)
  const attemptedWrite = route === undefined && !READS.has(c.req.method) && /^\/(ajax-)?api\//.test(c.req.path)
  if (!route?.write && !attemptedWrite) return
  const authentication = authenticationOf(c)
  const principal =
    route?.principal ??
    (authentication !== undefined && authentication !== INVALID_CREDENTIALS
      ? authentication
      : unauthenticatedPrincipal(requestHeader(c, 'x-keel-user')))
  const entry: AuditEntry = {
    timestampMs: Date.now(),
    actor: principal.username,
    authenticated: principal.authenticated,
    address: remoteAddress(c),
    method: c.req.method,
    path: c.req.path,
    action: route?.action ?? `${c.req.method} ${c.req.path}`,
    resource: route?.resource,
    status: c.res.status,
    requestId: requestIdOf(c) ?? c.res.headers.get('x-request-id') ?? '',
  }
  try {
    await audit(entry)
  } catch (error) {
    logger.error({ error: String(error), entry }, 'audit log: a write could not be recorded')
  }
}

/**
 * Every route must be an RPC of the endpoint tables (with its row) or match a raw row: a route a
 * domain adds without declaring who may call it stops the server at start-up.
 */
export function checkEveryRouteDeclared(app: Hono, router: RpcRouter): void {
  const rpcPaths = new Set(
    router.routes.flatMap(({ endpoint }) =>
      ['/api', '/ajax-api'].map((p) => `${p}/${endpoint.major}.0${endpoint.path.replace(/\{(\w+)\}/g, ':$1')}`),
    ),
  )
  for (const route of app.routes) {
    if (route.method === 'ALL' && route.path === '/*') continue // middleware
    if (rpcPaths.has(route.path)) continue
    const probe = route.path.replace(/:\w+/g, 'x').replace(/\*$/, 'probe')
    const methods = route.method === 'ALL' ? ['GET', 'POST', 'PUT', 'DELETE'] : [route.method]
    for (const method of methods) {
      if (!rawRouteOf(method, probe))
        throw new Error(
          `Route ${method} ${route.path} declares no permission: add it to RAW_ROUTES in auth/route-permissions.ts`,
        )
    }
  }
}
