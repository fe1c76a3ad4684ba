/**
 * The HTTP application: routes of every domain, MLflow's error contract, one log line per request.
 */
import { randomUUID } from 'node:crypto'
import { KeelError, MLFLOW_API_VERSION } from '@keel/contracts'
import { Hono } from 'hono'
import type { WebSecurityPolicy } from '../web-security/policy.js'
import { browserGuard } from './browser-guard.js'
import { errorBody, statusOf } from './errors.js'
import type { Logger } from './logger.js'
import { CLIENT_CLOSED_REQUEST, clientAborted, requestHeader } from './node-request.js'
import { buildOpenApi } from './openapi.js'
import { isPlainRequestId } from '../http-common/request-id.js'
import type { AuditEntry } from '../auth/audit-log.js'
import { type RouteGuard, setRequestId } from './access.js'
import { accessControl, checkEveryRouteDeclared } from './access-control.js'
import { RpcRouter } from './rpc.js'
import { allowedMethods } from './allowed-methods.js'

export interface AppOptions {
  readonly version: string
  readonly logger: Logger
  /** Registers the domain routes (tracking, artifacts, …) on the app and its RPC router. */
  readonly mount: (app: Hono, router: RpcRouter) => void
  /** The browser guard's policy (Host check, CORS, cross-origin writes); `composition/start-keel-server.ts` always passes one. */
  readonly webSecurity?: WebSecurityPolicy
  /** Who is calling and what each route needs (auth/access-guard.ts). */
  readonly guard: RouteGuard
  /** Appends a write to the audit log. */
  readonly audit?: (entry: AuditEntry) => Promise<void>
  /** Why the server cannot do its work now (the job queue's Redis down, say), for `/ready`; undefined: ready. */
  readonly notReady?: () => Promise<string | undefined>
}

export function createApp({ version, logger, mount, webSecurity, guard, audit, notReady }: AppOptions): Hono {
  const app = new Hono()

  app.use(async (c, next) => {
    const started = performance.now()
    const given = requestHeader(c, 'x-request-id')
    // A caller's id is kept when it is short and plain; anything else could forge log lines.
    const requestId = isPlainRequestId(given) ? given : randomUUID()
    // Set before the handler runs: a header added to a finished response makes Hono rebuild it.
    c.header('X-Request-Id', requestId)
    setRequestId(c, requestId)
    await next()
    // A request its client abandoned mid-body is one warning line, not an error with a stack.
    const aborted = c.res.status === CLIENT_CLOSED_REQUEST
    logger[aborted ? 'warn' : 'info'](
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 100) / 100,
        request_id: requestId,
      },
      aborted ? 'request aborted by the client' : 'request',
    )
  })
  if (webSecurity !== undefined) app.use(browserGuard(webSecurity))
  app.use(accessControl(guard, logger, audit))

  app.get('/health', (c) => c.text('OK'))
  // Readiness: 503 naming what is down (the process itself is alive: /health).
  app.get('/ready', async (c) => {
    const problem = await notReady?.()
    return problem === undefined ? c.text('OK') : c.text(`not ready: ${problem}`, 503)
  })
  // MLflow's version, as an MLflow server answers (the client gates features on it); keel's own
  // in a header.
  app.get('/version', (c) => {
    c.header('X-Keel-Version', version)
    return c.text(MLFLOW_API_VERSION)
  })

  const router = new RpcRouter(app, guard)
  mount(app, router)
  checkEveryRouteDeclared(app, router)
  const openapi = buildOpenApi(router.routes, version)
  app.get('/openapi.json', (c) => c.json(openapi))

  const methodsOf = allowedMethods(router.routes, {
    '/health': ['GET'],
    '/ready': ['GET'],
    '/version': ['GET'],
    '/openapi.json': ['GET'],
  })
  app.notFound((c) => {
    const path = c.req.path
    const allowed = methodsOf(path)
    if (allowed !== undefined) {
      c.header('Allow', allowed.join(', '))
      return c.json(
        {
          error_code: 'METHOD_NOT_ALLOWED',
          message: `${c.req.method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
        },
        405,
      )
    }
    if (path.startsWith('/api/') || path.startsWith('/ajax-api/')) {
      return c.json({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${c.req.method} ${path}` }, 404)
    }
    return c.text('Not found', 404)
  })

  app.onError((err, c) => {
    if (err instanceof KeelError) {
      // MLflow's answer to a missing login; not on the UI's own calls (the browser would pop up its
      // basic-auth dialog over keel's sign-in page).
      if (err.code === 'UNAUTHENTICATED' && c.req.path.startsWith('/api/'))
        c.header('WWW-Authenticate', 'Basic realm="keel"')
      return c.json(errorBody(err), statusOf(err))
    }
    if (clientAborted(c)) return new Response(null, { status: CLIENT_CLOSED_REQUEST })
    logger.error(
      { method: c.req.method, path: c.req.path, err: String((err as Error).stack ?? err) },
      'unhandled error',
    )
    return c.json({ error_code: 'INTERNAL_ERROR', message: 'Internal server error' }, 500)
  })

  return app
}
